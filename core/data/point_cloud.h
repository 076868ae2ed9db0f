// A point cloud: xyz positions plus optional colours, intensity, normals and
// any number of named per-point scalar fields (LAS classification, PLY
// confidence, ...). Positions are double so georeferenced lidar keeps its
// precision.
#pragma once

#include "core/data/metadata.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace atelier {

struct ScalarField {
  std::string name;
  std::vector<double> values; // one per point
};

class PointCloud {
public:
  std::size_t size() const { return xyz.size(); }
  bool has_rgb() const { return !rgb.empty(); }
  bool has_intensity() const { return !intensity.empty(); }
  bool has_normals() const { return !normals.empty(); }
  const ScalarField* field(const std::string& name) const;
  ScalarField& add_field(std::string name);

  std::vector<std::array<double, 3>> xyz;
  std::vector<std::array<std::uint8_t, 3>> rgb; // empty or one per point
  std::vector<float> intensity;                 // empty or one per point
  std::vector<std::array<float, 3>> normals;    // empty or one per point
  std::vector<ScalarField> fields;              // other per-point attributes
  // Field names as stored in the file, in file order (x, y, z, rgba, ...).
  std::vector<std::string> stored_fields;
  Metadata metadata;
};

} // namespace atelier

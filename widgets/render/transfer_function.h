// Transfer functions for volume rendering: colour and opacity points in data
// units, presets for cryo-EM density, CT/MRI and EM stacks (resolved against
// the volume's statistics), and the palette label volumes are drawn with.
#pragma once

#include "core/spatial/volume_float.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

class vtkVolumeProperty;

namespace atelier::render {

struct TransferPoint {
  double value = 0; // data units
  double r = 1, g = 1, b = 1;
  double opacity = 0;
};

enum class TransferPreset { cryo_em, ct_mri, em };

// "cryoem", "ct" (or "mri"), "em"; Error naming the choices otherwise.
TransferPreset parse_transfer_preset(const std::string& name);

// Points for preset on a volume with stats, sorted by value:
//  cryo_em: transparent below 0.5 sigma above the mean, rising to opaque
//           warm white at 4 sigma (protein is bright);
//  ct_mri:  a ramp over the upper 90% of the range, grey to white;
//  em:      dark structures (membranes, stain) opaque, the mean transparent.
std::vector<TransferPoint> transfer_preset(TransferPreset preset, const VolumeStats& stats);

// Sets the colour and scalar-opacity functions of property from points.
void apply_transfer(const std::vector<TransferPoint>& points, vtkVolumeProperty* property);

// A distinct, stable colour per label value (0-1 RGB); label 0 is background.
std::array<double, 3> label_colour(std::int64_t label);

} // namespace atelier::render

// A point-cloud scene: points uploaded once (positions relative to the
// cloud's centre, so georeferenced lidar keeps its precision in float),
// coloured by RGB, intensity, elevation, any scalar field or label, with a
// colormap and range, a point size, eye-dome lighting for depth when there
// are no colours (and enough points for it to read as a surface), spatially
// even subsets (spatial::even_subsample) drawn while the camera moves, as
// large as the frame times allow, and picking.
#pragma once

#include "core/data/point_cloud.h"
#include "core/display/display_mapping.h"
#include "widgets/render/scene_decorations.h"

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

class vtkRenderer;

namespace atelier::render {

// elevation: z for georeferenced clouds, y (the scanner's up) otherwise.
enum class PointColour { rgb, intensity, elevation, field, label, solid };

struct PointColouring {
  PointColour by = PointColour::rgb;
  std::string field; // for field and label
  display::Colormap colormap = display::Colormap::viridis;
  std::optional<double> lo, hi; // range; 2nd-98th percentile when unset
};

// The colouring a cloud gets by default: RGB when it has colours, else
// intensity, else elevation.
PointColouring default_colouring(const PointCloud& cloud);

// "rgb", "intensity", "elevation", "label" or "field:NAME" (a field name alone
// also works); Error naming the choices otherwise.
PointColouring parse_point_colouring(const std::string& text);

class PointScene {
public:
  PointScene();
  ~PointScene();
  PointScene(const PointScene&) = delete;
  PointScene& operator=(const PointScene&) = delete;

  vtkRenderer* renderer() const;

  // Copies positions and attributes to VTK (the cloud itself is not kept).
  void set_cloud(const PointCloud& cloud);
  std::size_t size() const;
  // Throws Error when the colouring needs an attribute the cloud lacks.
  void set_colouring(const PointColouring& colouring);
  // The range in use (after defaults), for a legend.
  std::array<double, 2> colour_range() const;
  // Set by set_cloud from the point count (sparse clouds get bigger points).
  void set_point_size(double pixels);
  static double default_point_size(std::size_t points);
  void set_eye_dome(bool on);
  bool eye_dome() const;
  // While true, draws a spatially even subset: at first at most
  // decimated_points points, then as many as frame times allow
  // (interactive_frame); picking maps back to the full cloud's indices.
  void set_interacting(bool interacting);
  static constexpr std::size_t decimated_points = 1'000'000;
  // Reports that a frame drawn while moving took ms: after two frames in a
  // row over budget the next smaller subset (a quarter, down to about 15
  // thousand points; then the smallest without eye-dome lighting) is drawn,
  // after two well within it the next larger one, up to the whole cloud
  // (DetailGovernor). True when that changed. The choice is kept from one
  // camera move to the next.
  bool interactive_frame(double ms);
  // How many points are drawn while moving, now, and whether with eye-dome
  // lighting (when it is on).
  std::size_t interactive_points() const;
  bool interactive_eye_dome() const;

  // The visible point at the display position (pixels, origin
  // bottom-left): of the points drawn over it, the one nearest the camera;
  // nothing when none is drawn there or the scene is in no render window.
  std::optional<std::size_t> pick(int x, int y) const;
  // Where point i is in the cloud's own coordinates.
  std::array<double, 3> position(std::size_t i) const;

  // The three-quarter view has +z up for georeferenced clouds (LAS, or
  // metadata with a CRS), +y up otherwise.
  void reset_camera(ViewDirection direction = ViewDirection::oblique);

private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

} // namespace atelier::render

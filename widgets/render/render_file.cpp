// Rendering one file: load it, build its scene, aim the camera, capture.
#include "widgets/render/render_file.h"

#include "core/base/error.h"
#include "core/io/file_inspect.h"
#include "core/spatial/point_cloud_load.h"
#include "core/spatial/volume_load.h"
#include "widgets/render/point_scene.h"
#include "widgets/render/volume_scene.h"

#include <cstdio>
#include <memory>

namespace atelier::render {
namespace {

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  return text;
}

std::string shape_text(const Volume& v) {
  std::string s =
      std::to_string(v.nx()) + "x" + std::to_string(v.ny()) + "x" + std::to_string(v.nz());
  if (v.nt() > 1) s += "x" + std::to_string(v.nt());
  return s + " " + std::string(dtype_name(v.dtype()));
}

RenderResult render_volume(const std::string& path, const RenderRequest& r) {
  VolumeLoadOptions options;
  options.downsample_to_fit = r.downsample_to_fit;
  // Shared, so a float32 map is shown in place: what is held is what the
  // memory limit counted (VolumeShape::view_bytes), with no second copy.
  const auto shared = std::make_shared<const Volume>(load_volume(path, options));
  const Volume& volume = *shared;
  if (r.volume_index < 0 || r.volume_index >= volume.nt())
    throw Error(path + ": volume " + std::to_string(r.volume_index) +
                " out of range (the file has " + std::to_string(volume.nt()) + ")");
  const std::string mode = r.mode.empty() ? "iso" : r.mode;
  // What cannot be drawn is an error, not an empty picture.
  if (volume.nx() < 2 || volume.ny() < 2)
    throw Error(path + ": a " + shape_text(volume) + " volume has nothing to draw");
  if (volume.nz() < 2 && mode != "slices")
    throw Error(path + ": a single " + shape_text(volume) +
                " section has no 3D shape; render it with --mode slices");
  VolumeScene scene;
  scene.set_volume(shared, r.volume_index);
  if (scene.stats().finite == 0)
    throw Error(path + ": no voxel of volume " + std::to_string(r.volume_index) +
                " is a finite number (all NaN or infinite)");
  scene.set_mode(parse_volume_mode(mode));
  std::string summary = path + ": " + shape_text(volume);
  if (volume.nt() > 1) summary += ", volume " + std::to_string(r.volume_index);
  if (mode == "iso") {
    const double sigma = r.level_sigma.value_or(1.0);
    const double level = r.level.value_or(sigma_level(scene.stats(), sigma));
    scene.set_iso_level(level);
    summary += ", isosurface at " + number(level);
    if (!r.level) summary += " (" + number(sigma) + " sigma above the mean)";
  } else if (mode == "volume") {
    scene.set_transfer(transfer_preset(parse_transfer_preset(r.preset), scene.stats()));
    summary += ", ray cast with the " + r.preset + " preset";
  } else {
    summary += ", slices at " + std::to_string(scene.slice(0)) + ", " +
               std::to_string(scene.slice(1)) + ", " + std::to_string(scene.slice(2));
  }
  if (!r.labels.empty()) {
    const Volume labels = labels_in_shown_order(load_volume(r.labels, options), volume);
    scene.set_labels(labels);
    summary += ", " + std::to_string(scene.labels().size()) + " labels from " + r.labels;
  }
  if (mode == "slices" && r.view != ViewDirection::oblique) // the plane seen face on only
    scene.set_slice_axes(r.view == ViewDirection::x, r.view == ViewDirection::y,
                         r.view == ViewDirection::z);
  OffscreenWindow window(r.width, r.height);
  window.add(scene.renderer());
  scene.reset_camera(r.view);
  return {window.capture(), summary};
}

RenderResult render_points(const std::string& path, const RenderRequest& r) {
  if (!r.mode.empty() && r.mode != "points")
    throw Error(path + ": a point cloud renders as points, not " + r.mode);
  const PointCloud cloud = load_point_cloud(path);
  PointScene scene;
  scene.set_cloud(cloud);
  if (!r.colour.empty()) scene.set_colouring(parse_point_colouring(r.colour));
  if (r.point_size) scene.set_point_size(*r.point_size);
  if (r.eye_dome) scene.set_eye_dome(*r.eye_dome);
  OffscreenWindow window(r.width, r.height);
  window.add(scene.renderer());
  scene.reset_camera(r.view);
  std::string summary = path + ": " + std::to_string(cloud.size()) + " points";
  if (cloud.size() == 0) summary += " (the cloud is empty)";
  return {window.capture(), summary};
}

} // namespace

void parse_size(const std::string& text, int& width, int& height) {
  int w = 0, h = 0;
  char tail = 0;
  // 8192 a side: a 16384^2 capture held about 10 GB.
  if (std::sscanf(text.c_str(), "%dx%d%c", &w, &h, &tail) != 2 || w < 16 || h < 16 || w > 8192 ||
      h > 8192)
    throw Error("--size wants WIDTHxHEIGHT between 16 and 8192, not '" + text + "'");
  width = w;
  height = h;
}

RenderResult render_file(const std::string& path, const RenderRequest& request) {
  const std::string format = detect_format(path);
  require_display(); // before any heavy loading
  if (is_point_cloud_format(format)) return render_points(path, request);
  if (is_volume_format(format)) {
    if (request.mode == "points") throw Error(path + ": a volume cannot render as points");
    return render_volume(path, request);
  }
  throw FormatError(path, "a " + format +
                              " file has nothing to render in 3D (volumes: MRC, "
                              "NIfTI, TIFF stacks; point clouds: PLY, PCD, XYZ, LAS)");
}

} // namespace atelier::render

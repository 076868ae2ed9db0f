// `atelier-cli render`: one volume or point-cloud file to an image, without a
// window. Volumes: iso (default, 1 sigma above the mean), volume or slices;
// point clouds: points. Also what thumbnails of 3D items are made with.
#pragma once

#include "widgets/render/offscreen_render.h"
#include "widgets/render/scene_decorations.h"

#include <cstdint>
#include <optional>
#include <string>

namespace atelier::render {

struct RenderRequest {
  std::string mode; // "", iso, volume, slices, points ("": iso or points by file)
  int width = 800, height = 600;
  std::optional<double> level_sigma; // iso level in sigma above the mean (default 1)
  std::optional<double> level;       // iso level in data units (wins over sigma)
  std::int64_t volume_index = 0;     // time point of a 4D file
  std::string labels;                // label volume drawn over a volume
  std::string preset = "cryoem";     // transfer preset for volume mode
  std::string colour;                // point colouring ("" = default)
  std::optional<double> point_size;  // default from the point count
  std::optional<bool> eye_dome;      // default: on when the cloud has no colours
  ViewDirection view = ViewDirection::oblique;
  bool downsample_to_fit = false; // bin volumes over the memory limit
};

struct RenderResult {
  RgbImage image;
  std::string summary; // one line for people: what was drawn and how
};

// Throws FormatError naming the file and the reason for unreadable input,
// VolumeTooLargeError, UnsupportedError without a display, Error for bad
// requests (a mode that does not fit the file, a volume index out of range).
RenderResult render_file(const std::string& path, const RenderRequest& request);

// 3D-rendered grid thumbnails (`atelier-cli thumbnails`): the items drawn
// (an item filter), and the thumbnail cache key of one, beside the import's
// <fingerprint>.
inline constexpr const char* kRenderedThumbnailItems =
    "(kind = volume or kind = points) and import = ok";
inline std::string rendered_thumbnail_key(const std::string& fingerprint) {
  return fingerprint + "-3d";
}

// "800x600" to width and height within [16, 8192]; Error otherwise.
void parse_size(const std::string& text, int& width, int& height);

} // namespace atelier::render

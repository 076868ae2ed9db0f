// Physical sampling of an image or volume: one spacing per axis with its unit.
#pragma once

#include <array>
#include <string>

namespace atelier {

// Where a pixel size came from; recorded so users can trust or override it.
enum class PixelSizeSource : unsigned char { none = 1, header, star_file, user };

struct Spacing {
  // x, y, z spacing; 0 means unknown. Units: "A" (Ångström), "mm", "um", "m" ...
  std::array<double, 3> xyz{0.0, 0.0, 0.0};
  std::string unit;
  PixelSizeSource source = PixelSizeSource::none;

  bool known() const { return xyz[0] > 0.0; }
};

} // namespace atelier

// ImageJ's ImageDescription ("ImageJ=1.x\nimages=36\nunit=nm\nspacing=1.05\n"):
// the physical unit and z spacing of stacks written by ImageJ, Fiji and tifffile.
#pragma once

#include <optional>
#include <string>

namespace atelier {

struct ImageJDescription {
  std::string unit;              // as Spacing::unit ("nm", "um", ...); empty when none or "pixel"
  std::optional<double> spacing; // z step in unit
  std::optional<long> images;    // total images the writer declared
};

// nullopt unless the text starts with "ImageJ=".
std::optional<ImageJDescription> parse_imagej_description(const std::string& text);

} // namespace atelier

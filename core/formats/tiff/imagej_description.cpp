// Parser for ImageJ's key=value ImageDescription.
#include "core/formats/tiff/imagej_description.h"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace atelier {
namespace {

std::string normalise_unit(const std::string& unit) {
  if (unit == "micron" || unit == "microns" || unit == "um" || unit == "\xC2\xB5m" ||
      unit == "\\u00B5m")
    return "um";
  if (unit == "nm" || unit == "mm" || unit == "cm" || unit == "m") return unit;
  if (unit == "A" || unit == "angstrom" || unit == "\xC3\x85") return "A";
  return {}; // "pixel", "inch" and anything unknown carry no physical size we trust
}

} // namespace

std::optional<ImageJDescription> parse_imagej_description(const std::string& text) {
  if (!text.starts_with("ImageJ=")) return std::nullopt;
  ImageJDescription out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "unit") {
      out.unit = normalise_unit(value);
    } else if (key == "spacing") {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (end != value.c_str() && std::isfinite(v) && v > 0) out.spacing = v;
    } else if (key == "images") {
      char* end = nullptr;
      const long v = std::strtol(value.c_str(), &end, 10);
      if (end != value.c_str() && v > 0) out.images = v;
    }
  }
  return out;
}

} // namespace atelier

// DICOM windows and natural colour bands (see display_presets.h).
#include "core/display/display_presets.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace atelier::display {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The index of the first band whose lower-cased name is one of names.
std::optional<int> find_band(const std::vector<std::string>& band_names,
                             std::initializer_list<const char*> names) {
  for (std::size_t i = 0; i < band_names.size(); ++i)
    for (const char* n : names)
      if (lower(band_names[i]) == n) return static_cast<int>(i);
  return std::nullopt;
}

} // namespace

Window dicom_window(double center, double width) {
  const double w = std::max(width, 1.0);
  return {center - 0.5 - (w - 1.0) / 2.0, center - 0.5 + (w - 1.0) / 2.0};
}

std::vector<WindowPreset> dicom_window_presets(const std::string& modality,
                                               std::optional<double> center,
                                               std::optional<double> width) {
  std::vector<WindowPreset> out;
  if (center && width && *width > 0) {
    char name[64];
    std::snprintf(name, sizeof name, "File (%g / %g)", *center, *width);
    out.push_back({name, *center, *width});
  }
  if (modality == "CT")
    for (const WindowPreset& p :
         {WindowPreset{"Brain", 40, 80}, WindowPreset{"Subdural", 75, 215},
          WindowPreset{"Soft tissue", 40, 400}, WindowPreset{"Mediastinum", 50, 350},
          WindowPreset{"Liver", 60, 160}, WindowPreset{"Lung", -600, 1500},
          WindowPreset{"Bone", 400, 1800}})
      out.push_back(p);
  return out;
}

bool looks_like_hounsfield(double min, double max) {
  return min <= -900 && max >= 300;
}

Window sigma_window(double min, double max, double mean, double stddev, double k) {
  const double spread = stddev > 0 ? k * stddev : 0.0;
  const double lo = std::max(min, mean - spread), hi = std::min(max, mean + spread);
  return {lo, hi > lo ? hi : lo + 1.0};
}

std::vector<NamedWindow> volume_window_presets(double min, double max, double mean, double stddev) {
  std::vector<NamedWindow> out;
  out.push_back({"Mean ± 3σ", sigma_window(min, max, mean, stddev)});
  out.push_back({"Full range", {min, max > min ? max : min + 1.0}});
  if (looks_like_hounsfield(min, max))
    for (const WindowPreset& p : dicom_window_presets("CT", std::nullopt, std::nullopt))
      out.push_back({"CT " + lower(p.name), dicom_window(p.center, p.width)});
  return out;
}

bool dicom_inverted(const std::string& photometric) {
  return photometric == "MONOCHROME1";
}

std::optional<std::array<int, 3>> natural_colour_bands(const std::vector<std::string>& band_names,
                                                       int bands) {
  const auto r = find_band(band_names, {"red", "b04", "b4"});
  const auto g = find_band(band_names, {"green", "b03", "b3"});
  const auto b = find_band(band_names, {"blue", "b02", "b2"});
  if (r && g && b) return std::array<int, 3>{*r, *g, *b};
  if (bands == 3 || bands == 4) return std::array<int, 3>{0, 1, 2};
  return std::nullopt;
}

} // namespace atelier::display

// What a file suggests about its display: DICOM windows (the file's own and
// the usual CT presets), MONOCHROME1 inversion, and the bands of a natural
// colour composite for multiband rasters.
#pragma once

#include "core/display/display_mapping.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace atelier::display {

struct WindowPreset {
  std::string name; // "File (40 / 400)", "Lung", ...
  double center = 0.0, width = 1.0;
};

// DICOM's linear VOI window (PS3.3 C.11.2.1.2.1): values at or below
// center - 0.5 - (width - 1) / 2 are black, above center - 0.5 + (width - 1)
// / 2 white. width < 1 is taken as 1.
Window dicom_window(double center, double width);

// The file's window first (when it has one), then for CT the usual presets
// in Hounsfield units (brain, subdural, soft tissue, mediastinum, liver, lung,
// bone); empty for other modalities without a window.
std::vector<WindowPreset> dicom_window_presets(const std::string& modality,
                                               std::optional<double> center,
                                               std::optional<double> width);

// Whether values from min to max look like CT in Hounsfield units: down to
// air (about -1000) and up past soft tissue (300).
bool looks_like_hounsfield(double min, double max);

// mean +- k sigma, within min..max; at least one unit wide (a constant
// volume's).
Window sigma_window(double min, double max, double mean, double stddev, double k = 3.0);

struct NamedWindow {
  std::string name;
  Window window;
};

// Windows for the slice views of a volume whose values have this range,
// mean and standard deviation: mean +- 3 sigma within the range (the
// default), the full range, and the CT presets when the values look like
// Hounsfield units (down to air, about -1000, and up past 300). A constant
// volume's windows are one unit wide.
std::vector<NamedWindow> volume_window_presets(double min, double max, double mean, double stddev);

// MONOCHROME1 stores low values as bright: shown through an inverted map.
bool dicom_inverted(const std::string& photometric);

// The bands (0-based) of a natural colour composite: bands named red, green
// and blue (or Sentinel-2 / Landsat 8 B04/B4, B03/B3, B02/B2), else the first
// three of a 3- or 4-band image (RGB or RGBA); none for other images.
std::optional<std::array<int, 3>> natural_colour_bands(const std::vector<std::string>& band_names,
                                                       int bands);

} // namespace atelier::display

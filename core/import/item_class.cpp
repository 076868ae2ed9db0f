// classify_item and read_item_facts: the heuristics described in item_class.h.
#include "core/import/item_class.h"

#include "core/metrics/cryoem_metrics.h"

#include "core/formats/mrc/mrc_file.h"
#include "core/io/file_inspect.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <string_view>

namespace atelier::import {
namespace {

bool name_says_movie(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view word : {"movie", "frames", "fractions"})
    if (name.find(word) != std::string::npos) return true;
  return false;
}

ItemClass mrc_stack_class(const FileInfo& info) {
  if (info.extra_number("ispg").value_or(0) >= 1)
    return {"volume", metrics::ItemKind::volume, true};
  const bool integer = info.dtype && !dtype_is_float(*info.dtype);
  if (integer || name_says_movie(info.path)) return {"movie", metrics::ItemKind::movie, true};
  return {"stack", metrics::ItemKind::unknown, true};
}

ItemClass tiff_stack_class(const FileInfo& info) {
  if (info.bands.value_or(1) > 1) return {"stack", metrics::ItemKind::unknown, true};
  const bool integer = info.dtype && !dtype_is_float(*info.dtype);
  const bool detector_sized = std::max(info.dims[0], info.dims[1]) >= 2048;
  if (name_says_movie(info.path) || (integer && detector_sized))
    return {"movie", metrics::ItemKind::movie, true};
  return {"volume", metrics::ItemKind::volume, true};
}

} // namespace

ItemClass classify_item(const FileInfo& info) {
  const std::string& f = info.format;
  if (f == "mrc") {
    if (info.dims.size() >= 3 && info.dims[2] > 1) return mrc_stack_class(info);
    return {"image", metrics::ItemKind::micrograph, true};
  }
  if (f == "tiff") {
    if (info.dims.size() >= 3 && info.dims[2] > 1) return tiff_stack_class(info);
    if (metrics::pixel_size_in_A(info.spacing) > 0.0)
      return {"image", metrics::ItemKind::micrograph, true};
    return {"image", metrics::ItemKind::raster, true};
  }
  if (f == "png" || f == "jpeg") return {"image", metrics::ItemKind::raster, true};
  if (f == "dicom") {
    static const std::array<std::string_view, 7> projection{"CR", "DX", "MG", "RF",
                                                            "XA", "IO", "PX"};
    const std::string modality = info.extra_text("modality");
    const bool xray = std::find(projection.begin(), projection.end(), modality) != projection.end();
    return {"image", xray ? metrics::ItemKind::xray : metrics::ItemKind::medical, true};
  }
  if (f == "geotiff") return {"image", metrics::ItemKind::geo, true};
  if (f == "nifti") {
    if (info.dims.size() >= 3 && info.dims[2] > 1)
      return {"volume", metrics::ItemKind::volume, true};
    return {"image", metrics::ItemKind::medical, true};
  }
  if (f == "ply" || f == "pcd" || f == "xyz" || f == "las")
    return {"points", metrics::ItemKind::unknown, false};
  return {};
}

FileInfo read_item_facts(const std::string& path, const std::string& format) {
  if (format != "mrc") return inspect_file(path);
  const MrcFile file(path);
  FileInfo info;
  info.path = path;
  info.format = "mrc";
  info.dims = {file.width(), file.height(), file.frame_count()};
  info.dtype = file.dtype();
  info.spacing = file.spacing();
  info.set_extra("mrc_mode", std::int64_t{file.header().mode});
  info.set_extra("ispg", std::int64_t{file.header().ispg});
  return info;
}

} // namespace atelier::import

#include "core/io/file_info_json.h"

#include "core/io/json_writer.h"

#include <type_traits>

namespace atelier {
namespace {

const char* spacing_source_name(PixelSizeSource s) {
  switch (s) {
  case PixelSizeSource::header: return "header";
  case PixelSizeSource::star_file: return "star";
  case PixelSizeSource::user: return "user";
  case PixelSizeSource::none: break;
  }
  return "none";
}

template <typename T>
void write_list(JsonWriter& w, const char* key, const std::vector<T>& xs) {
  w.key(key).begin_array();
  for (const auto& x : xs)
    w.value(x);
  w.end_array();
}

} // namespace

std::string file_info_to_json(const FileInfo& info, int indent) {
  JsonWriter w(indent);
  w.begin_object();
  w.key("path").value(info.path);
  w.key("format").value(info.format);
  if (!info.dims.empty()) write_list(w, "dims", info.dims);
  if (info.dtype) w.key("dtype").value(dtype_name(*info.dtype));
  if (info.bands) w.key("bands").value(*info.bands);
  if (!info.band_names.empty()) write_list(w, "band_names", info.band_names);
  if (info.nodata) w.key("nodata").value(*info.nodata);
  if (!info.crs.empty()) w.key("crs").value(info.crs);
  if (info.points) w.key("points").value(*info.points);
  if (!info.fields.empty()) write_list(w, "fields", info.fields);
  if (info.rows) w.key("rows").value(*info.rows);
  if (info.spacing.known()) {
    const std::size_t axes = info.dims.size() >= 3 ? 3 : 2;
    w.key("pixel_size").begin_array();
    for (std::size_t i = 0; i < axes; ++i)
      w.value(info.spacing.xyz[i]);
    w.end_array();
    w.key("pixel_size_unit").value(info.spacing.unit);
    w.key("pixel_size_source").value(spacing_source_name(info.spacing.source));
  }
  if (info.stats && info.stats->count() > 0) {
    w.key("min").value(info.stats->min());
    w.key("max").value(info.stats->max());
    w.key("mean").value(info.stats->mean());
    w.key("std").value(info.stats->std());
    if (info.stats->non_finite() > 0) w.key("non_finite").value(info.stats->non_finite());
  }
  for (const auto& [key, value] : info.extra) {
    w.key(key);
    std::visit([&](const auto& v) { w.value(v); }, value);
  }
  w.end_object();
  return w.str();
}

} // namespace atelier

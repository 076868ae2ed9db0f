#include "core/io/file_info_rows.h"

#include <cstdio>

namespace atelier {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i ? sep : "") + items[i];
  return out;
}

std::string join_dims(const std::vector<std::int64_t>& dims) {
  std::vector<std::string> parts;
  for (const auto d : dims)
    parts.push_back(std::to_string(d));
  return join(parts, " x ");
}

std::string extra_text(const InfoValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return number(std::get<double>(v));
}

} // namespace

std::vector<InfoRow> file_info_rows(const FileInfo& info) {
  std::vector<InfoRow> rows;
  rows.emplace_back("format", info.format);
  if (!info.dims.empty()) rows.emplace_back("dims", join_dims(info.dims));
  if (info.dtype) rows.emplace_back("dtype", std::string(dtype_name(*info.dtype)));
  if (info.bands) rows.emplace_back("bands", std::to_string(*info.bands));
  if (!info.band_names.empty()) rows.emplace_back("band names", join(info.band_names, " "));
  if (info.nodata) rows.emplace_back("nodata", number(*info.nodata));
  if (!info.crs.empty()) rows.emplace_back("crs", info.crs);
  if (info.points) rows.emplace_back("points", std::to_string(*info.points));
  if (!info.fields.empty()) rows.emplace_back("fields", join(info.fields, " "));
  if (info.rows) rows.emplace_back("rows", std::to_string(*info.rows));
  if (info.spacing.known()) {
    std::string s = number(info.spacing.xyz[0]) + " x " + number(info.spacing.xyz[1]);
    if (info.dims.size() >= 3) s += " x " + number(info.spacing.xyz[2]);
    rows.emplace_back("pixel size", s + " " + info.spacing.unit);
  }
  if (info.stats && info.stats->count() > 0) {
    rows.emplace_back("min", number(info.stats->min()));
    rows.emplace_back("max", number(info.stats->max()));
    rows.emplace_back("mean", number(info.stats->mean()));
    rows.emplace_back("std", number(info.stats->std()));
    if (info.stats->non_finite())
      rows.emplace_back("NaN/Inf values", std::to_string(info.stats->non_finite()));
  }
  for (const auto& [key, value] : info.extra)
    rows.emplace_back(key, extra_text(value));
  return rows;
}

} // namespace atelier

#include "app/cli/info_summary.h"

#include <cstdio>
#include <sstream>

namespace atelier::cli {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string join_dims(const std::vector<std::int64_t>& dims) {
  std::string out;
  for (std::size_t i = 0; i < dims.size(); ++i) out += (i ? " x " : "") + std::to_string(dims[i]);
  return out;
}

std::string extra_text(const InfoValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  return number(std::get<double>(v));
}

} // namespace

std::string info_summary(const FileInfo& info) {
  std::ostringstream out;
  out << info.path << "\n  format   " << info.format;
  if (!info.dims.empty()) out << "\n  dims     " << join_dims(info.dims);
  if (info.dtype) out << "\n  dtype    " << dtype_name(*info.dtype);
  if (info.bands) out << "\n  bands    " << *info.bands;
  if (!info.band_names.empty()) {
    out << "\n  names   ";
    for (const auto& n : info.band_names) out << ' ' << n;
  }
  if (info.nodata) out << "\n  nodata   " << number(*info.nodata);
  if (!info.crs.empty()) out << "\n  crs      " << info.crs;
  if (info.points) out << "\n  points   " << *info.points;
  if (!info.fields.empty()) {
    out << "\n  fields  ";
    for (const auto& f : info.fields) out << ' ' << f;
  }
  if (info.rows) out << "\n  rows     " << *info.rows;
  if (info.spacing.known()) {
    out << "\n  spacing  " << number(info.spacing.xyz[0]) << " x " << number(info.spacing.xyz[1]);
    if (info.dims.size() >= 3) out << " x " << number(info.spacing.xyz[2]);
    out << ' ' << info.spacing.unit;
  }
  if (info.stats && info.stats->count() > 0) {
    out << "\n  stats    min " << number(info.stats->min()) << "  max " << number(info.stats->max())
        << "  mean " << number(info.stats->mean()) << "  std " << number(info.stats->std());
    if (info.stats->non_finite()) out << "  (" << info.stats->non_finite() << " NaN/Inf)";
  }
  for (const auto& [key, value] : info.extra) out << "\n  " << key << ": " << extra_text(value);
  out << '\n';
  return out.str();
}

} // namespace atelier::cli

// XYZ / CSV reader: column layout from an optional header line or from the
// column count, then one point per line.
#include "core/formats/pointcloud/xyz_reader.h"

#include "core/base/error.h"
#include "core/formats/pointcloud/point_cloud_builder.h"
#include "core/formats/pointcloud/text_tokens.h"

#include <optional>

namespace atelier {
namespace {

using namespace pointcloud;

bool is_comment(std::string_view line) {
  return line.starts_with("#") || line.starts_with("//");
}

// Commas (CSV) or semicolons separate columns when present, else whitespace.
void split_row(std::string_view line, std::vector<std::string_view>& out) {
  const char sep = line.find(',') != std::string_view::npos   ? ','
                   : line.find(';') != std::string_view::npos ? ';'
                                                              : '\0';
  if (!sep) {
    split_whitespace(line, out);
    return;
  }
  out.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find(sep, start);
    out.push_back(trim(line.substr(start, end == std::string_view::npos ? end : end - start)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

std::vector<std::string> default_columns(std::size_t n) {
  switch (n) {
  case 3: return {"x", "y", "z"};
  case 4: return {"x", "y", "z", "intensity"};
  case 6: return {"x", "y", "z", "r", "g", "b"};
  case 7: return {"x", "y", "z", "intensity", "r", "g", "b"};
  default: break;
  }
  std::vector<std::string> out = {"x", "y", "z"};
  for (std::size_t i = 3; i < n; ++i)
    out.push_back("col" + std::to_string(i));
  return out;
}

} // namespace

PointCloud read_xyz(const ByteSource& src) {
  const auto bytes = src.read_rest(0);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::vector<std::string_view> tok;
  std::vector<std::string> columns;
  std::optional<PointCloudBuilder> builder;
  std::vector<double> row;
  std::size_t pos = 0;
  std::uint64_t line_no = 0;
  bool first = true;
  bool has_header = false;
  std::string_view line;
  while (next_line(text, pos, line)) {
    ++line_no;
    line = trim(line);
    if (line.empty() || is_comment(line)) continue;
    split_row(line, tok);
    if (first) {
      first = false;
      std::uint64_t count = 0;
      // PTS files open with the point count alone on a line.
      if (tok.size() == 1 && parse_u64(tok[0], count)) continue;
      double v = 0.0;
      if (!tok.empty() && !parse_double(tok[0], v)) {
        for (auto t : tok)
          columns.emplace_back(t);
        has_header = true;
        builder.emplace(src.name(), columns);
        row.resize(columns.size());
        continue;
      }
    }
    if (!builder) {
      if (tok.size() < 3)
        src.fail("line " + std::to_string(line_no) + " has " + std::to_string(tok.size()) +
                 " columns; at least x, y and z are needed");
      columns = default_columns(tok.size());
      builder.emplace(src.name(), columns);
      builder->reserve(bytes.size() / (6 * tok.size()) + 1);
      row.resize(columns.size());
    }
    if (tok.size() != columns.size())
      src.fail("line " + std::to_string(line_no) + " has " + std::to_string(tok.size()) +
               " columns, expected " + std::to_string(columns.size()));
    for (std::size_t c = 0; c < tok.size(); ++c) {
      if (!parse_double(tok[c], row[c]))
        src.fail("line " + std::to_string(line_no) + ": '" + std::string(tok[c]) +
                 "' is not a number");
    }
    builder->add(row.data());
  }
  if (!builder) src.fail("no points");
  const std::uint64_t skipped = builder->skipped();
  PointCloud cloud = builder->finish(columns);
  if (skipped) cloud.metadata.set("nan_points_skipped", std::to_string(skipped));
  cloud.metadata.set("header", has_header ? "true" : "false");
  pointcloud::set_bounds_metadata(cloud);
  return cloud;
}

PointCloud read_xyz(const std::string& path) {
  return read_xyz(FileSource(path));
}

FileInfo inspect_xyz(const std::string& path) {
  const PointCloud cloud = read_xyz(path);
  FileInfo info;
  info.points = cloud.size();
  info.fields = cloud.stored_fields;
  pointcloud::add_bounds_extra(cloud, info);
  return info;
}

} // namespace atelier

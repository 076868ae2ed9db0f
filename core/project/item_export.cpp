// STAR, CSV and path-list exporters (see item_export.h).
#include "core/project/item_export.h"

#include "core/base/error.h"
#include "core/formats/star/star_file.h"
#include "core/formats/star/star_micrograph_columns.h"
#include "core/formats/star/star_writer.h"
#include "core/io/atomic_file.h"
#include "core/project/filter_expr.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

namespace atelier::project {
namespace {

// Every readable item matching the filter, paged so memory stays flat.
template <typename Fn>
void for_each_item(const Project& project, const ExportOptions& o, Fn&& fn) {
  const std::string filter = filter_and(o.filter, "import = ok");
  constexpr std::int64_t kPage = 5000;
  for (std::int64_t offset = 0;; offset += kPage) {
    const auto rows = project.query_items(filter, o.sort, kPage, offset);
    for (const ItemRow& r : rows)
      fn(r);
    if (static_cast<std::int64_t>(rows.size()) < kPage) break;
  }
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

ExportSummary write_list(const Project& project, const std::string& path, const ExportOptions& o) {
  const ItemPaths paths(project);
  std::string text;
  ExportSummary sum;
  for_each_item(project, o, [&](const ItemRow& r) {
    text += paths.absolute(r) + "\n";
    ++sum.items;
  });
  write_file_atomic(path, text);
  return sum;
}

ExportSummary write_csv(const Project& project, const std::string& path, const ExportOptions& o) {
  const ItemPaths paths(project);
  std::map<std::int64_t, std::string> dataset_names;
  for (const auto& d : project.datasets())
    dataset_names[d.id] = d.name;
  // Two passes: the metric columns are the union over the exported items.
  std::set<std::string> names;
  for_each_item(project, o, [&](const ItemRow& r) {
    for (const auto& [name, value] : project.item_metrics(r.id))
      names.insert(name);
  });
  std::string text =
      "id,path,dataset,format,kind,width,height,frames,dtype,pixel_size_A,status,split,labels";
  for (const auto& n : names)
    text += "," + csv_field(n);
  text += "\n";
  ExportSummary sum;
  for_each_item(project, o, [&](const ItemRow& r) {
    std::string labels;
    for (const auto& l : project.labels(r.id))
      labels += (labels.empty() ? "" : ";") + l;
    text += std::to_string(r.id) + "," + csv_field(paths.absolute(r)) + "," +
            csv_field(dataset_names[r.dataset_id]) + "," + csv_field(r.format) + "," +
            csv_field(r.kind) + "," + std::to_string(r.width) + "," + std::to_string(r.height) +
            "," + std::to_string(r.frames) + "," + csv_field(r.dtype) + "," +
            (r.pixel_size_A > 0 ? number_text(r.pixel_size_A) : "") + "," + to_string(r.status) +
            "," + to_string(r.split) + "," + csv_field(labels);
    const auto metrics = project.item_metrics(r.id);
    for (const auto& n : names) {
      const auto it = metrics.find(n);
      text += "," + (it == metrics.end() ? std::string() : number_text(it->second));
    }
    text += "\n";
    ++sum.items;
  });
  write_file_atomic(path, text);
  return sum;
}

ExportSummary write_star_file(const Project& project, const std::string& path,
                              const ExportOptions& o) {
  const ItemPaths paths(project);
  struct Row {
    std::string name;
    double pixel_size;
    std::map<std::string, double> metrics;
  };
  std::vector<Row> rows;
  for_each_item(project, o, [&](const ItemRow& r) {
    const double px = r.pixel_size_A > 0 ? r.pixel_size_A : o.pixel_size_A;
    if (!(px > 0))
      throw Error("export star: " + paths.absolute(r) +
                  " has no pixel size; pass --pixel-size (Å) or set it for its dataset");
    rows.push_back({paths.absolute(r), px, project.item_metrics(r.id)});
  });

  // One optics group per distinct pixel size, in order of appearance.
  std::vector<double> groups;
  for (const Row& r : rows)
    if (std::find(groups.begin(), groups.end(), r.pixel_size) == groups.end())
      groups.push_back(r.pixel_size);

  StarFile star;
  star.version = "30001";
  StarTable& optics = star.add_block("optics", true);
  for (const char* label : {"rlnOpticsGroupName", "rlnOpticsGroup", "rlnMicrographPixelSize",
                            "rlnVoltage", "rlnSphericalAberration", "rlnAmplitudeContrast"})
    optics.add_column(label);
  for (std::size_t g = 0; g < groups.size(); ++g)
    optics.add_row({"opticsGroup" + std::to_string(g + 1), std::to_string(g + 1),
                    number_text(groups[g]), number_text(o.voltage_kV),
                    number_text(o.spherical_aberration_mm), number_text(o.amplitude_contrast)});

  // Metric columns that every exported item carries.
  std::vector<StarMetricColumn> columns;
  for (const auto& c : kStarMetricColumns) {
    const bool all = !rows.empty() && std::all_of(rows.begin(), rows.end(), [&](const Row& r) {
      return r.metrics.count(std::string(c.metric)) > 0;
    });
    if (all) columns.push_back(c);
  }
  StarTable& mics = star.add_block("micrographs", true);
  mics.add_column("rlnMicrographName");
  mics.add_column("rlnOpticsGroup");
  for (const auto& c : columns)
    mics.add_column(std::string(c.label));
  for (const Row& r : rows) {
    const auto g = std::find(groups.begin(), groups.end(), r.pixel_size) - groups.begin();
    std::vector<std::string> values{r.name, std::to_string(g + 1)};
    for (const auto& c : columns)
      values.push_back(number_text(r.metrics.at(std::string(c.metric))));
    mics.add_row(std::move(values));
  }
  write_file_atomic(path, format_star(star));
  return {rows.size(), groups.size()};
}

} // namespace

ExportFormat parse_export_format(const std::string& text) {
  if (text == "star") return ExportFormat::star;
  if (text == "csv") return ExportFormat::csv;
  if (text == "list") return ExportFormat::list;
  throw Error("unknown export format '" + text + "' (star, csv or list)");
}

ExportSummary export_items(const Project& project, ExportFormat format, const std::string& path,
                           const ExportOptions& options) {
  switch (format) {
  case ExportFormat::star: return write_star_file(project, path, options);
  case ExportFormat::csv: return write_csv(project, path, options);
  case ExportFormat::list: return write_list(project, path, options);
  }
  throw Error("export: unknown format");
}

} // namespace atelier::project

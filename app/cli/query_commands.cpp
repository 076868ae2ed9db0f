// `atelier-cli ls` and `atelier-cli stats`: read-only views of a project's
// items, as a tab-separated table for people and awk, or as JSON.
#include "app/cli/cli_options.h"
#include "app/cli/commands.h"
#include "app/cli/item_query_options.h"
#include "core/base/error.h"
#include "core/io/json_writer.h"
#include "core/project/project.h"

#include <iostream>
#include <map>

namespace atelier::cli {
namespace {

void write_item_json(JsonWriter& j, const project::Project& p, const project::ItemRow& r,
                     const project::ItemPaths& paths,
                     const std::map<std::int64_t, std::string>& dataset_names) {
  const auto d = dataset_names.find(r.dataset_id);
  j.begin_object();
  j.key("id").value(r.id);
  j.key("path").value(paths.absolute(r));
  j.key("rel_path").value(r.rel_path);
  j.key("dataset").value(d == dataset_names.end() ? std::string() : d->second);
  j.key("format").value(r.format);
  j.key("kind").value(r.kind);
  j.key("width").value(r.width);
  j.key("height").value(r.height);
  j.key("depth").value(r.depth);
  j.key("frames").value(r.frames);
  j.key("channels").value(r.channels);
  j.key("dtype").value(r.dtype);
  if (r.pixel_size_A > 0)
    j.key("pixel_size_A").value(r.pixel_size_A);
  else
    j.key("pixel_size_A").null();
  j.key("pixel_size_source").value(project::to_string(r.pixel_size_source));
  j.key("size_bytes").value(r.size_bytes);
  j.key("status").value(project::to_string(r.status));
  j.key("split").value(project::to_string(r.split));
  j.key("labels").begin_array();
  for (const auto& l : p.labels(r.id))
    j.value(l);
  j.end_array();
  j.key("import_ok").value(r.import_ok);
  if (!r.import_ok) j.key("import_error").value(r.import_error);
  j.key("metrics").begin_object();
  for (const auto& [name, value] : p.item_metrics(r.id))
    j.key(name).value(value);
  j.end_object();
  j.end_object();
}

} // namespace

int run_ls(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli ls PROJECT [--where EXPR] [--sort KEY | --sort -KEY] [--limit N]\n"
      "                      [--offset N] [--json]\n"
      "  Lists items (id, status, split, sort value, path; tab-separated) or, with --json,\n"
      "  a JSON array of item objects with their labels and metrics. EXPR is the filter\n"
      "  language, e.g. 'ctf_max_resolution_A < 6 and status != reject'.\n";
  try {
    const CliOptions o =
        parse_options(args, {"where", "sort", "limit", "offset"}, {"json", "help"});
    if (o.flag("help")) {
      std::cout << usage;
      return kExitOk;
    }
    if (o.positional().size() != 1) throw UsageError("give one project");
    const ItemQuery q = item_query(o);
    const std::int64_t limit = o.integer("limit", -1, -1, std::int64_t{1} << 40);
    const std::int64_t offset = o.integer("offset", 0, 0, std::int64_t{1} << 40);
    const project::Project p = project::Project::open(o.positional()[0]);
    const project::ItemPaths paths(p);
    std::map<std::int64_t, std::string> dataset_names;
    for (const auto& d : p.datasets())
      dataset_names[d.id] = d.name;
    const bool json = o.flag("json");
    if (json) std::cout << "[";
    // Pages keep memory flat however many items match.
    constexpr std::int64_t kPage = 2000;
    std::int64_t shown = 0;
    for (std::int64_t at = offset;; at += kPage) {
      const std::int64_t want = limit < 0 ? kPage : std::min(kPage, limit - shown);
      if (want <= 0) break;
      const auto rows = p.query_items(q.filter, q.sort, want, at);
      for (const auto& r : rows) {
        if (json) {
          JsonWriter j;
          write_item_json(j, p, r, paths, dataset_names);
          std::cout << (shown ? ",\n" : "\n") << j.str();
        } else {
          std::cout << r.id << '\t' << project::to_string(r.status) << '\t'
                    << (r.split == project::Split::none ? "-" : project::to_string(r.split));
          if (q.sorted_by_metric)
            std::cout << '\t' << (r.sort_value ? std::to_string(*r.sort_value) : "-");
          std::cout << '\t' << paths.absolute(r) << '\n';
        }
        ++shown;
      }
      if (static_cast<std::int64_t>(rows.size()) < want) break;
    }
    if (json) std::cout << (shown ? "\n]\n" : "]\n");
    return kExitOk;
  } catch (const UsageError& e) {
    std::cerr << "error: ls: " << e.what() << '\n' << usage;
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "error: ls: " << e.what() << '\n';
    return kExitFileError;
  }
}

int run_stats(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli stats PROJECT [--where EXPR] [--json]\n"
      "  Counts by status, split, dataset, kind and label, each metric's range, and the\n"
      "  datasets' normalisation records (per band mean, std, p01, p50, p99).\n";
  try {
    const CliOptions o = parse_options(args, {"where"}, {"json", "help"});
    if (o.flag("help")) {
      std::cout << usage;
      return kExitOk;
    }
    if (o.positional().size() != 1) throw UsageError("give one project");
    const project::Project p = project::Project::open(o.positional()[0]);
    const project::ProjectStats s = p.stats(o.text("where", ""));
    if (o.flag("json")) {
      JsonWriter j(2);
      j.begin_object();
      j.key("items").value(s.items);
      j.key("import_errors").value(s.import_errors);
      j.key("status").begin_object();
      j.key("accept").value(s.accepted).key("reject").value(s.rejected);
      j.key("none").value(s.unset).end_object();
      j.key("split").begin_object();
      j.key("train").value(s.train).key("val").value(s.val).key("test").value(s.test);
      j.key("none").value(s.unsplit).end_object();
      for (const auto& [key, groups] :
           {std::pair{"datasets", &s.datasets}, {"kinds", &s.kinds}, {"labels", &s.labels}}) {
        j.key(key).begin_object();
        for (const auto& [name, n] : *groups)
          j.key(name).value(n);
        j.end_object();
      }
      j.key("normalisation").begin_object();
      for (const auto& d : p.datasets()) {
        const auto bands = p.normalisation(d.id);
        if (bands.empty()) continue;
        j.key(d.name).begin_array();
        for (const auto& n : bands) {
          j.begin_object().key("band").value(n.band).key("items").value(n.items);
          j.key("mean").value(n.mean).key("std").value(n.std).key("p01").value(n.p01);
          j.key("p50").value(n.p50).key("p99").value(n.p99).end_object();
        }
        j.end_array();
      }
      j.end_object();
      j.key("metrics").begin_object();
      for (const auto& m : s.metrics) {
        j.key(m.name).begin_object();
        j.key("count").value(m.count).key("min").value(m.min).key("max").value(m.max);
        j.key("mean").value(m.mean).end_object();
      }
      j.end_object();
      j.end_object();
      std::cout << j.str() << '\n';
      return kExitOk;
    }
    std::cout << "items " << s.items << " (" << s.import_errors << " unreadable)\n"
              << "status accept " << s.accepted << ", reject " << s.rejected << ", none " << s.unset
              << "\n"
              << "split train " << s.train << ", val " << s.val << ", test " << s.test << ", none "
              << s.unsplit << "\n";
    for (const auto& [title, groups] :
         {std::pair{"datasets", &s.datasets}, {"kinds", &s.kinds}, {"labels", &s.labels}}) {
      if (groups->empty()) continue;
      std::cout << title << ":";
      for (const auto& [name, n] : *groups)
        std::cout << ' ' << name << '=' << n;
      std::cout << '\n';
    }
    for (const auto& d : p.datasets())
      for (const auto& n : p.normalisation(d.id))
        std::cout << "normalisation " << d.name << " band " << n.band << ": mean " << n.mean
                  << ", std " << n.std << ", p01 " << n.p01 << ", p50 " << n.p50 << ", p99 "
                  << n.p99 << " (" << n.items << " items)\n";
    if (!s.metrics.empty()) std::cout << "metric\tcount\tmin\tmean\tmax\n";
    for (const auto& m : s.metrics)
      std::cout << m.name << '\t' << m.count << '\t' << m.min << '\t' << m.mean << '\t' << m.max
                << '\n';
    return kExitOk;
  } catch (const UsageError& e) {
    std::cerr << "error: stats: " << e.what() << '\n' << usage;
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "error: stats: " << e.what() << '\n';
    return kExitFileError;
  }
}

} // namespace atelier::cli

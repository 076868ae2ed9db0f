// `atelier-cli import PROJECT PATH... [--include GLOB] [--exclude GLOB]`:
// indexes files into a project with metrics and thumbnails; SIGINT/SIGTERM
// cancel cleanly (what is done stays, the next run does the rest).
#include "app/cli/commands.h"
#include "app/cli/open_in_app.h"
#include "core/base/error.h"
#include "core/import/importer.h"
#include "core/run/progress_bar.h"
#include "core/run/stop_signal.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <thread>

namespace atelier::cli {

int run_import(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli import PROJECT PATH... [--include GLOB]... [--exclude GLOB]...\n"
      "                          [--threads N] [--dataset NAME] [--no-thumbnails] [--quiet]\n"
      "                          [--watch [--interval S] [--settle S]]\n"
      "  Adds new or changed files (size, mtime) under PATH to PROJECT; unreadable files\n"
      "  become error items, files that are not images are counted and skipped.\n"
      "  --watch keeps looking for new files every S seconds (default 5) until Ctrl+C or\n"
      "  SIGTERM; files modified in the last --settle seconds (default 10 when watching)\n"
      "  are still being written and wait for a later round.\n";
  import::ImportOptions options;
  options.threads = int(std::max(1u, std::min(8u, std::thread::hardware_concurrency())));
  std::vector<std::string> positional;
  bool quiet = false, watch = false;
  double interval = 5.0, settle = -1.0;
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= args.size()) throw Error("option " + a + " needs a value");
        return args[++i];
      };
      if (a == "--help" || a == "-h") {
        std::cout << usage;
        return kExitOk;
      } else if (a == "--include") {
        options.include_globs.push_back(value());
      } else if (a == "--exclude") {
        options.exclude_globs.push_back(value());
      } else if (a == "--threads") {
        options.threads = std::max(1, std::atoi(value().c_str()));
      } else if (a == "--dataset") {
        options.dataset_name = value();
      } else if (a == "--no-thumbnails") {
        options.compute_thumbnails = false;
      } else if (a == "--quiet") {
        quiet = true;
      } else if (a == "--watch") {
        watch = true;
      } else if (a == "--interval" || a == "--settle") {
        const std::string v = value();
        char* end = nullptr;
        const double seconds = std::strtod(v.c_str(), &end);
        if (end == v.c_str() || *end != '\0' || !(seconds >= 0) || seconds > 86400)
          throw Error(a + " needs seconds (0 .. 86400), not '" + v + "'");
        (a == "--interval" ? interval : settle) = seconds;
      } else if (a.rfind("--", 0) == 0) {
        throw Error("unknown option " + a);
      } else {
        positional.push_back(a);
      }
    }
    if (positional.size() < 2) throw Error("give a project and at least one path");
    options.settle_seconds = settle >= 0 ? settle : (watch ? 10.0 : 0.0);
  } catch (const std::exception& e) {
    std::cerr << "error: import: " << e.what() << '\n' << usage;
    return kExitUsage;
  }
  try {
    project::Project p = project::Project::open(positional[0]);
    note_if_open_in_app(positional[0]);
    if (!p.warning().empty()) std::cerr << "warning: " << p.warning() << '\n';
    run::StopSignalGuard guard; // installs the SIGTERM/SIGINT handlers
    std::atomic<bool> cancel{false};
    std::optional<run::ProgressPrinter> bar;
    const auto progress = [&](const import::ImportProgress& pr) {
      if (run::stop_requested()) cancel = true;
      if (quiet || pr.done == pr.skipped_unchanged) return; // nothing read yet
      if (!bar) bar.emplace(std::int64_t(pr.total));
      char extra[96];
      std::snprintf(extra, sizeof extra, "%.1f items/s  %zu errors", pr.items_per_s, pr.errors);
      bar->update(std::int64_t(pr.done), extra);
    };
    const std::vector<std::string> paths(positional.begin() + 1, positional.end());
    for (bool first = true;; first = false) {
      bar.reset();
      const import::ImportSummary s = import::import_paths(p, paths, options, progress, &cancel);
      if (bar) bar->finish();
      // While watching, rounds that found nothing new stay silent.
      if (!watch || first || s.imported || s.errors || s.cancelled) {
        std::cout << (s.cancelled ? "cancelled: " : "") << s.imported << " imported, " << s.errors
                  << " errors, " << s.skipped_unchanged << " unchanged, " << s.skipped_not_images
                  << " not images, " << s.excluded << " excluded";
        if (s.unsettled) std::cout << ", " << s.unsettled << " still being written";
        if (s.thumbnail_errors) std::cout << ", " << s.thumbnail_errors << " without thumbnails";
        std::cout << " in " << s.seconds << " s\n";
        if (s.star_tables)
          std::cout << s.star_tables << " STAR table" << (s.star_tables == 1 ? "" : "s") << ": "
                    << s.star_rows_matched << " micrographs matched, " << s.star_rows_unmatched
                    << " unmatched\n";
        for (const std::string& m : s.error_messages)
          std::cerr << "error: " << m << '\n';
        std::cout.flush();
      }
      if (!watch || s.cancelled || run::stop_requested()) break;
      // Sleep in short steps so a stop request is answered at once.
      const auto until = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(static_cast<std::int64_t>(interval * 1000));
      while (std::chrono::steady_clock::now() < until && !run::stop_requested())
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (run::stop_requested()) break;
    }
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "error: import: " << e.what() << '\n';
    return kExitFileError;
  }
}

} // namespace atelier::cli

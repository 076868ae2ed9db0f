// `atelier-cli movies align PATH... --out DIR`: drift-corrected sums and
// odd/even half sums of cryo-EM movies (core/movies/movie_align.h), the
// pairs the denoiser trains on, with each movie's drift trajectory.
#include "app/cli/commands.h"
#include "app/cli/item_query_options.h"
#include "core/base/error.h"
#include "core/import/item_class.h"
#include "core/import/scan.h"
#include "core/movies/movie_align.h"
#include "core/run/progress_bar.h"
#include "core/run/stop_signal.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace atelier::cli {
namespace {

namespace fs = std::filesystem;

// The movies among paths: files named explicitly are taken as they are
// (align_movie says why one is not a movie); folders are searched for MRC
// and TIFF stacks that import would call movies.
std::vector<std::string> find_movies(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      if (!fs::exists(p, ec)) throw Error(p + ": no such file or folder");
      out.push_back(p);
      continue;
    }
    for (const auto& f : import::scan_paths({p}, {}, {}).candidates) {
      if (f.format != "mrc" && f.format != "tiff") continue;
      try {
        if (import::classify_item(import::read_item_facts(f.abs_path, f.format)).kind == "movie")
          out.push_back(f.abs_path);
      } catch (const std::exception&) {
        out.push_back(f.abs_path); // unreadable: align_movie reports it
      }
    }
  }
  return out;
}

} // namespace

int run_movies(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli movies align PATH... --out DIR [--pixel-size A] [--threads N]\n"
      "                 [--dose-per-frame E [--pre-exposure E] [--voltage KV]]\n"
      "                 [--force] [--quiet]\n"
      "  Drift-corrects cryo-EM movies (MRC or TIFF stacks; folders are searched for\n"
      "  them) into DIR/STEM_sum.mrc, STEM_odd.mrc and STEM_even.mrc (float32; odd holds\n"
      "  frames 1, 3, 5, ...: the denoiser's training pairs) and STEM_drift.json (each\n"
      "  frame's shift). --pixel-size overrides the files' (A). With --dose-per-frame\n"
      "  (e-/A^2 per frame; --pre-exposure before the first, --voltage 300 kV) also\n"
      "  STEM_sum_dw.mrc, exposure-weighted (Grant & Grigorieff 2015). Movies whose\n"
      "  outputs exist are skipped unless --force. Exits 1 when a movie could not be\n"
      "  aligned.\n";
  const bool help = std::any_of(args.begin(), args.end(),
                                [](const std::string& a) { return a == "--help" || a == "-h"; });
  if (args.empty() || help) {
    (help ? std::cout : std::cerr) << usage;
    return help ? kExitOk : kExitUsage;
  }
  std::vector<std::string> inputs;
  std::string out_dir;
  movies::AlignOptions align;
  int threads = 1;
  bool force = false, quiet = false;
  try {
    if (args[0] != "align") throw UsageError("unknown movies command '" + args[0] + "'");
    const CliOptions o =
        parse_options(std::vector<std::string>(args.begin() + 1, args.end()),
                      {"out", "pixel-size", "threads", "dose-per-frame", "pre-exposure", "voltage"},
                      {"force", "quiet"});
    inputs = o.positional();
    if (inputs.empty()) throw UsageError("give at least one movie or folder");
    if (!o.has("out")) throw UsageError("give the output folder with --out");
    out_dir = o.text("out", "");
    align.pixel_size_A = o.number("pixel-size", 0.0, 0.0, 1000.0);
    align.dose.dose_per_frame_e_per_A2 = o.number("dose-per-frame", 0.0, 0.0, 1000.0);
    align.dose.pre_exposure_e_per_A2 = o.number("pre-exposure", 0.0, 0.0, 10000.0);
    align.dose.voltage_kV = o.number("voltage", 300.0, 60.0, 1000.0);
    if ((o.has("pre-exposure") || o.has("voltage")) && !o.has("dose-per-frame"))
      throw UsageError("--pre-exposure and --voltage weight by exposure: give --dose-per-frame");
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads = static_cast<int>(o.integer("threads", std::min(cores, 2), 1, 256));
    force = o.flag("force");
    quiet = o.flag("quiet");
  } catch (const Error& e) {
    std::cerr << "error: movies: " << e.what() << '\n' << usage;
    return kExitUsage;
  }

  try {
    const std::vector<std::string> found = find_movies(inputs);
    fs::create_directories(out_dir);
    std::vector<std::string> todo;
    std::size_t skipped = 0;
    // Outputs are named after the movie's stem: a path given twice is
    // aligned once, and a second movie of the same name (another folder)
    // is refused rather than overwriting the first one's outputs.
    std::set<std::string> seen_paths;
    std::map<std::string, std::string> stems; // stem -> first movie
    std::size_t refused = 0;
    for (const std::string& m : found) {
      std::error_code ec;
      const fs::path canonical = fs::weakly_canonical(m, ec);
      if (!seen_paths.insert(ec ? m : canonical.string()).second) continue;
      const auto [it, fresh] = stems.emplace(movies::movie_stem(m), m);
      if (!fresh) {
        std::cerr << "error: " << m << ": its outputs would overwrite those of " << it->second
                  << " (same name); align it into another --out folder\n";
        ++refused;
        continue;
      }
      if (!force && movies::aligned_outputs_exist(out_dir, m, align.dose))
        ++skipped;
      else
        todo.push_back(m);
    }

    run::StopSignalGuard guard; // SIGINT / SIGTERM: finish nothing half-written, stop
    std::atomic<bool> cancel{false};
    std::atomic<std::size_t> next{0}, done{0}, aligned{0}, failed{refused};
    std::mutex print_mutex;
    std::optional<run::ProgressPrinter> bar;
    if (!quiet && !todo.empty()) bar.emplace(static_cast<std::int64_t>(todo.size()));
    const auto worker = [&] {
      for (;;) {
        if (run::stop_requested()) cancel = true;
        const std::size_t i = next++;
        if (i >= todo.size() || cancel) return;
        const std::string& movie = todo[i];
        std::string line;
        bool ok = true;
        try {
          // Ctrl-C / SIGTERM reach the alignment at its next frame.
          const auto frame_done = [&](int, int) {
            if (run::stop_requested()) cancel = true;
          };
          const movies::AlignedMovie a = movies::align_movie(movie, align, frame_done, &cancel);
          movies::write_aligned(out_dir, movie, a);
          char buf[160];
          if (a.pixel_size_A > 0)
            std::snprintf(buf, sizeof buf, "drift %.2f A (net %.2f A)",
                          a.drift.total_px * a.pixel_size_A, a.drift.net_px * a.pixel_size_A);
          else
            std::snprintf(buf, sizeof buf, "drift %.2f px (net %.2f px)", a.drift.total_px,
                          a.drift.net_px);
          line = movie + ": " + buf;
          ++aligned;
        } catch (const movies::AlignCancelled&) {
          return;
        } catch (const std::exception& e) {
          ++failed;
          ok = false;
          line = "error: " + std::string(e.what());
        }
        const std::size_t d = ++done;
        std::lock_guard lock(print_mutex);
        if (!ok)
          std::cerr << line << '\n';
        else if (!quiet)
          std::cout << line << '\n';
        if (bar) bar->update(static_cast<std::int64_t>(d), "movies");
      }
    };
    std::vector<std::thread> pool;
    const int n = std::min<int>(threads, static_cast<int>(std::max<std::size_t>(todo.size(), 1)));
    for (int t = 0; t < n; ++t)
      pool.emplace_back(worker);
    for (auto& t : pool)
      t.join();
    if (bar) bar->finish();
    std::cout << aligned.load() << " aligned, " << failed.load() << " failed, " << skipped
              << " already done";
    if (cancel) std::cout << ", stopped before " << todo.size() - done.load() << " more";
    std::cout << '\n';
    if (cancel) return kExitFileError;
    return failed.load() ? kExitFileError : kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "error: movies: " << e.what() << '\n';
    return kExitFileError;
  }
}

} // namespace atelier::cli

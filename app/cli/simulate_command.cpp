// `atelier-cli simulate micrographs OUT`: cryo-EM movies with known truth
// (CTF, drift, shot noise), their aligned sums, odd/even halves and clean
// images; `simulate denoise-pairs DIR`: simple noisy pairs and a pair list
// for trying the denoiser.
#include "app/cli/cli_options.h"
#include "app/cli/commands.h"
#include "core/base/error.h"
#include "core/recipes/denoise/simulate_pairs.h"
#include "core/run/progress_bar.h"
#include "core/simulate/micrograph_simulator.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

namespace atelier::cli {
namespace {

// A simulation writes many files: a folder with anything in it is left
// alone unless --overwrite.
void require_empty_output(const std::string& dir, bool overwrite) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (overwrite || !fs::exists(dir, ec)) return;
  if (!fs::is_directory(dir, ec)) throw Error(dir + " exists and is not a folder");
  if (!fs::is_empty(dir, ec))
    throw Error(dir + " is not empty; simulations write into a new or empty folder "
                      "(--overwrite replaces the files they write)");
}

} // namespace

int run_simulate(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli simulate micrographs OUT [--count 10] [--size 1024] [--frames 20]\n"
      "                 [--seed 0] [--pixel-size 1.0] [--dose 40] [--no-movies] [--int8]\n"
      "                 [--ice 400] [--ice-structure 1] [--drift 6] [--threads N] [--quiet]\n"
      "                 [--overwrite]\n"
      "  Writes OUT/sim_NNNN_{movie.mrcs,sum,odd,even,clean}.mrc and OUT/truth.json.\n"
      "  --ice: ice thickness in A; --ice-structure: scale of the amorphous ice's\n"
      "  potential fluctuations (0: a uniform slab); --drift: largest path length\n"
      "  of a movie's drift in pixels (each movie's is 0.3 to 1 times it).\n"
      "       atelier-cli simulate denoise-pairs DIR [--count 8] [--size 512] [--seed 0]\n"
      "                 [--noise 1.5] [--pixel-size 1.0] [--overwrite]\n"
      "  Writes DIR/{odd,even,clean}_NNN.mrc and DIR/pairs.txt; prints the list's path.\n"
      "  Both write into a new or empty folder, or over its files with --overwrite.\n";
  const bool help = std::find_if(args.begin(), args.end(), [](const std::string& a) {
                      return a == "--help" || a == "-h";
                    }) != args.end();
  if (args.empty() || help) {
    (args.empty() ? std::cerr : std::cout) << usage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  try {
    if (args[0] == "micrographs") {
      const CliOptions o(std::vector<std::string>(args.begin() + 1, args.end()),
                         {"count", "size", "frames", "seed", "pixel-size", "dose", "threads", "ice",
                          "ice-structure", "drift"},
                         {"no-movies", "int8", "quiet", "overwrite"});
      if (o.positional().size() != 1) throw Error("give one output folder");
      simulate::SimulationOptions sim;
      sim.count = int(o.integer("count", 10, 1, 1000000));
      sim.size = int(o.integer("size", sim.size, 16, 16384));
      sim.frames = int(o.integer("frames", sim.frames, 1, 10000));
      sim.seed = std::uint64_t(o.integer("seed", 0, 0, 1LL << 62));
      sim.pixel_size_A = o.number("pixel-size", sim.pixel_size_A, 0.01, 100);
      sim.total_dose_e_per_A2 = o.number("dose", sim.total_dose_e_per_A2, 0.001, 1e5);
      sim.ice_thickness_A = o.number("ice", sim.ice_thickness_A, 1, 1e5);
      sim.ice_structure = o.number("ice-structure", sim.ice_structure, 0, 100);
      sim.drift_max_px = o.number("drift", sim.drift_max_px, 0, 1000);
      sim.threads = int(o.integer("threads", 0, 0, 1024));
      sim.no_movies = o.flag("no-movies");
      if (o.flag("int8")) sim.movie_storage = simulate::MovieStorage::int8;
      simulate::validate_options(sim);
      require_empty_output(o.positional()[0], o.flag("overwrite"));
      run::ProgressPrinter bar(sim.count);
      simulate::simulate_micrographs(o.positional()[0], sim, [&](int done, int) {
        if (!o.flag("quiet")) bar.update(done, "micrographs");
      });
      if (!o.flag("quiet")) bar.finish();
      std::cout << o.positional()[0] << "/truth.json\n";
      return kExitOk;
    }
    if (args[0] != "denoise-pairs") throw Error("unknown simulation '" + args[0] + "'");
    const CliOptions o(std::vector<std::string>(args.begin() + 1, args.end()),
                       {"count", "size", "seed", "noise", "pixel-size"}, {"overwrite"});
    if (o.positional().size() != 1) throw Error("give one output folder");
    denoise::SimOptions sim;
    sim.noise_sigma = o.number("noise", sim.noise_sigma, 0, 1e3);
    sim.pixel_size_A = o.number("pixel-size", sim.pixel_size_A, 1e-3, 1e4);
    const int size = int(o.integer("size", 512, 16, 16384));
    const int count = int(o.integer("count", 8, 1, 100000));
    const auto seed = std::uint64_t(o.integer("seed", 0, 0, 1LL << 62));
    require_empty_output(o.positional()[0], o.flag("overwrite"));
    std::cout << denoise::write_simulated_pairs(o.positional()[0], count, size, size, seed, sim)
              << '\n';
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "error: simulate: " << e.what() << '\n' << usage;
    return kExitFileError;
  }
}

} // namespace atelier::cli

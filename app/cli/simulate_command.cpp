// `atelier-cli simulate denoise-pairs DIR`: writes simulated micrograph
// pairs (odd/even halves and the clean truth) and their pair list, for
// trying the denoiser and for end-to-end tests.
#include "app/cli/cli_options.h"
#include "app/cli/commands.h"
#include "core/base/error.h"
#include "core/recipes/denoise/simulate_pairs.h"

#include <iostream>

namespace atelier::cli {

int run_simulate(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli simulate denoise-pairs DIR [--count 8] [--size 512] [--seed 0]\n"
      "                                              [--noise 1.5] [--pixel-size 1.0]\n"
      "  Writes DIR/{odd,even,clean}_NNN.mrc and DIR/pairs.txt; prints the list's path.\n";
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout) << usage;
    return args.empty() ? kExitUsage : kExitOk;
  }
  try {
    if (args[0] != "denoise-pairs") throw Error("unknown simulation '" + args[0] + "'");
    const CliOptions o(std::vector<std::string>(args.begin() + 1, args.end()),
                       {"count", "size", "seed", "noise", "pixel-size"});
    if (o.positional().size() != 1) throw Error("give one output folder");
    denoise::SimOptions sim;
    sim.noise_sigma = o.number("noise", sim.noise_sigma, 0, 1e3);
    sim.pixel_size_A = o.number("pixel-size", sim.pixel_size_A, 1e-3, 1e4);
    const int size = int(o.integer("size", 512, 16, 16384));
    std::cout << denoise::write_simulated_pairs(
                     o.positional()[0], int(o.integer("count", 8, 1, 100000)), size, size,
                     std::uint64_t(o.integer("seed", 0, 0, 1LL << 62)), sim)
              << '\n';
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "error: simulate: " << e.what() << '\n' << usage;
    return kExitFileError;
  }
}

} // namespace atelier::cli

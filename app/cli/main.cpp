// atelier-cli entry point: dispatches to subcommands.
#include "app/cli/commands.h"
#include "core/io/file_inspect.h"

#include <iostream>
#include <string>
#include <vector>

namespace {

void print_usage(std::ostream& out) {
  out << "usage: atelier-cli <command> [args]\n"
         "commands:\n"
         "  info [--json] FILE...   format, dimensions, type, pixel size and statistics\n"
         "  formats                 the formats this build reads\n"
         "  train --recipe denoise  train the Noise2Noise denoiser into a run directory\n"
         "  denoise --checkpoint C IN... --out DIR   denoise micrographs\n"
         "  project create|info DIR.atelier   make or describe a project\n"
         "  import PROJECT PATH...        index files with metrics and thumbnails\n"
         "  simulate micrographs OUT      cryo-EM movies, sums and halves with known truth\n"
         "  simulate denoise-pairs DIR   simulated micrograph pairs and their pair list\n"
         "  bench denoise-train|denoise-infer   time the denoiser's training step or inference\n"
         "options:\n"
         "  --version               print the version\n"
         "  --help                  this text\n";
}

} // namespace

int main(int argc, char** argv) {
  using namespace atelier::cli;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_usage(std::cerr);
    return kExitUsage;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "--version" || command == "version") {
    std::cout << "atelier-cli " << ATELIER_VERSION << '\n';
    return kExitOk;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    print_usage(std::cout);
    return kExitOk;
  }
  if (command == "info") return run_info(args);
  if (command == "bench") return run_bench(args);
  if (command == "train") return run_train(args);
  if (command == "denoise") return run_denoise(args);
  if (command == "simulate") return run_simulate(args);
#if ATELIER_WITH_FORMAT_LIBS
  if (command == "project") return run_project(args);
  if (command == "import") return run_import(args);
#endif
  if (command == "formats") {
    for (const auto& f : atelier::supported_formats())
      std::cout << f << '\n';
    return kExitOk;
  }
  std::cerr << "atelier-cli: unknown command '" << command << "'\n";
  print_usage(std::cerr);
  return kExitUsage;
}

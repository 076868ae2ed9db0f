// atelier-cli entry point: dispatches to subcommands.
#include "app/cli/commands.h"
#include "core/io/file_inspect.h"
#if ATELIER_WITH_FORMAT_LIBS
#include "plugins/builtin_plugins.h"
#endif

#include <iostream>
#include <string>
#include <vector>

namespace {

void print_usage(std::ostream& out) {
  out << "usage: atelier-cli <command> [args]\n"
         "commands:\n"
         "  info [--json] FILE...   format, dimensions, type, pixel size and statistics\n"
         "  formats                 the formats this build reads\n"
         "  plugins                 the domain plugins and metric providers\n"
         "  train --recipe denoise  train the Noise2Noise denoiser into a run directory\n"
         "  denoise --checkpoint C IN... --out DIR   denoise micrographs\n"
         "  project create|info DIR.atelier   make or describe a project\n"
         "  import PROJECT PATH...        index files with metrics and thumbnails\n"
         "  ls PROJECT [--where EXPR] [--sort KEY] [--json]   list items\n"
         "  stats PROJECT [--where EXPR] [--json]   counts and metric ranges\n"
         "  set PROJECT --status accept|reject|none --where EXPR   curate in bulk\n"
         "  label PROJECT NAME --where EXPR [--remove]   add or remove a label (--rename NEW)\n"
         "  split PROJECT --train F --val F --test F [--seed S] [--group-by KEY]\n"
         "  undo PROJECT | redo PROJECT   step through the curation history\n"
         "  export PROJECT --format star|csv|list [--where EXPR] OUT\n"
         "  relink PROJECT OLD_ROOT NEW_ROOT   point items at a moved data folder\n"
         "  render FILE --out PNG [--mode iso|volume|slices|points]   draw a volume or point "
         "cloud\n"
         "  thumbnails PROJECT [--where EXPR]   3D-rendered grid thumbnails of the volumes\n"
         "  movies align PATH... --out DIR   drift-corrected sums and odd/even halves of movies\n"
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
#if ATELIER_WITH_FORMAT_LIBS
  atelier::plugins::register_builtin_plugins(atelier::metrics::default_metric_registry());
#endif
  if (command == "info") return run_info(args);
  if (command == "bench") return run_bench(args);
  if (command == "train") return run_train(args);
  if (command == "denoise") return run_denoise(args);
  if (command == "simulate") return run_simulate(args);
#if ATELIER_WITH_FORMAT_LIBS
  if (command == "project") return run_project(args);
  if (command == "import") return run_import(args);
  if (command == "ls") return run_ls(args);
  if (command == "stats") return run_stats(args);
  if (command == "set") return run_set(args);
  if (command == "label") return run_label(args);
  if (command == "split") return run_split(args);
  if (command == "undo") return run_undo(args);
  if (command == "redo") return run_redo(args);
  if (command == "export") return run_export(args);
  if (command == "relink") return run_relink(args);
  if (command == "render") return run_render(args);
  if (command == "thumbnails") return run_thumbnails(args);
  if (command == "movies") return run_movies(args);
#endif
#if ATELIER_WITH_FORMAT_LIBS
  if (command == "plugins") {
    for (const auto& p : atelier::plugins::builtin_plugins())
      std::cout << p.name << "\t(plugin API " << p.api_version << ")\t" << p.description << '\n';
    std::cout << "metric providers:";
    for (const auto& m : atelier::metrics::default_metric_registry().providers())
      std::cout << ' ' << m.name << " v" << m.version;
    std::cout << '\n';
    return kExitOk;
  }
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

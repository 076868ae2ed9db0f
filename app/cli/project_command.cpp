// `atelier-cli project create DIR.atelier` / `project info DIR.atelier`: the
// project folder and its database (more curation commands follow the
// importer).
#include "app/cli/commands.h"
#include "app/cli/open_in_app.h"
#include "core/base/error.h"
#include "core/io/json_writer.h"
#include "core/project/project.h"

#include <cmath>
#include <cstdlib>
#include <iostream>

namespace atelier::cli {

int run_project(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli project create DIR.atelier\n"
      "       atelier-cli project info DIR.atelier\n"
      "       atelier-cli project pixel-size DIR.atelier DATASET ANGSTROM\n"
      "         (the dataset's pixel size, for files whose headers lack or misstate it)\n";
  if (args.size() == 4 && args[0] == "pixel-size") {
    try {
      char* end = nullptr;
      const double px = std::strtod(args[3].c_str(), &end);
      if (end == args[3].c_str() || *end != '\0' || !(px > 0) || !std::isfinite(px)) {
        std::cerr << "error: project pixel-size: '" << args[3]
                  << "' is not a positive number of Å\n"
                  << usage;
        return kExitUsage;
      }
      project::Project p = project::Project::open(args[1]);
      note_if_open_in_app(args[1]);
      for (const auto& d : p.datasets())
        if (d.name == args[2]) {
          const std::size_t n = p.set_dataset_pixel_size(d.id, px);
          std::cout << "dataset " << d.name << ": " << px << " Å per pixel on " << n << " items\n";
          return kExitOk;
        }
      std::cerr << "error: project pixel-size: no dataset named '" << args[2] << "'\n";
      return kExitFileError;
    } catch (const std::exception& e) {
      std::cerr << "error: project pixel-size: " << e.what() << '\n';
      return kExitFileError;
    }
  }
  if (args.size() != 2) {
    std::cerr << usage;
    return kExitUsage;
  }
  try {
    if (args[0] == "create") {
      const project::Project p = project::Project::create(args[1]);
      if (!p.warning().empty()) std::cerr << "warning: " << p.warning() << '\n';
      std::cout << p.database_path().string() << '\n';
      return kExitOk;
    }
    if (args[0] == "info") {
      project::Project p = project::Project::open(args[1]);
      JsonWriter j(2);
      j.begin_object();
      j.key("project").value(p.dir().string());
      j.key("schema_version").value(p.schema_version());
      j.key("journal_mode").value(p.journal_mode());
      j.key("datasets").value(std::uint64_t(p.datasets().size()));
      j.key("items").value(std::int64_t(p.count_items("")));
      j.end_object();
      std::cout << j.str() << '\n';
      return kExitOk;
    }
    std::cerr << "atelier-cli project: unknown action '" << args[0] << "'\n" << usage;
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "error: project " << args[0] << ": " << e.what() << '\n';
    return kExitFileError;
  }
}

int run_relink(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli relink PROJECT OLD_ROOT NEW_ROOT\n"
      "  Points the datasets under OLD_ROOT at NEW_ROOT after checking that their files\n"
      "  are there with the same sizes.\n";
  if (args.size() != 3 || args[0].rfind("--", 0) == 0) {
    std::cerr << usage;
    return args.size() == 1 && (args[0] == "--help" || args[0] == "-h") ? kExitOk : kExitUsage;
  }
  try {
    project::Project p = project::Project::open(args[0]);
    note_if_open_in_app(args[0]);
    const std::size_t n = p.relink(args[1], args[2]);
    std::cout << n << " dataset" << (n == 1 ? "" : "s") << " relinked\n";
    return kExitOk;
  } catch (const std::exception& e) {
    std::cerr << "error: relink: " << e.what() << '\n';
    return kExitFileError;
  }
}

} // namespace atelier::cli

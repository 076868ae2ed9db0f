// `atelier-cli export PROJECT --format star|csv|list [--where EXPR] OUT`.
#include "app/cli/commands.h"
#include "app/cli/item_query_options.h"
#include "core/project/item_export.h"

#include <iostream>

namespace atelier::cli {

int run_export(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli export PROJECT --format star|csv|list [--where EXPR] [--sort KEY]\n"
      "                          [--pixel-size A] [--voltage KV] [--cs MM]\n"
      "                          [--amplitude-contrast F] OUT\n"
      "  star: a RELION 3.1 micrographs STAR file (data_optics + data_micrographs with CTF\n"
      "  and motion columns when every item has them) that RELION and cryoSPARC import;\n"
      "  csv: one row per item with every metric; list: one path per line.\n";
  try {
    const CliOptions o = parse_options(
        args, {"format", "where", "sort", "pixel-size", "voltage", "cs", "amplitude-contrast"},
        {"help"});
    if (o.flag("help")) {
      std::cout << usage;
      return kExitOk;
    }
    if (o.positional().size() != 2) throw UsageError("give a project and an output file");
    project::ExportFormat format;
    try {
      format = project::parse_export_format(o.required("format"));
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
    const ItemQuery q = item_query(o);
    project::ExportOptions eo;
    eo.filter = q.filter;
    eo.sort = q.sort;
    eo.pixel_size_A = o.number("pixel-size", 0.0, 0.0, 1e6);
    eo.voltage_kV = o.number("voltage", 300.0, 1.0, 5000.0);
    eo.spherical_aberration_mm = o.number("cs", 2.7, 0.0, 100.0);
    eo.amplitude_contrast = o.number("amplitude-contrast", 0.1, 0.0, 1.0);
    try {
      const project::Project p = project::Project::open(o.positional()[0]);
      const auto s = project::export_items(p, format, o.positional()[1], eo);
      std::cout << s.items << " items written to " << o.positional()[1];
      if (format == project::ExportFormat::star)
        std::cout << " (" << s.optics_groups << " optics group" << (s.optics_groups == 1 ? "" : "s")
                  << ")";
      std::cout << '\n';
      return kExitOk;
    } catch (const std::exception& e) {
      std::cerr << "error: export: " << e.what() << '\n';
      return kExitFileError;
    }
  } catch (const std::exception& e) {
    std::cerr << "error: export: " << e.what() << '\n' << usage;
    return kExitUsage;
  }
}

} // namespace atelier::cli

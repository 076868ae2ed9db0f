// Exporters over a project's items (the CLI's `export` and the GUI's export
// dialog): a RELION micrographs STAR file that RELION and cryoSPARC import,
// a CSV with every metric as a column, or a plain list of paths. Output is
// written atomically (a temp file renamed over the target).
#pragma once

#include "core/project/project.h"

#include <string>

namespace atelier::project {

enum class ExportFormat { star, csv, list };
// "star", "csv" or "list"; Error naming the accepted values otherwise.
ExportFormat parse_export_format(const std::string& text);

struct ExportOptions {
  std::string filter; // the filter language of filter_expr.h; empty: every item
  ItemSort sort;
  // STAR only: the optics of the data (RELION needs them to import), and a
  // pixel size for items with none (0: such items are an error).
  double voltage_kV = 300.0;
  double spherical_aberration_mm = 2.7;
  double amplitude_contrast = 0.1;
  double pixel_size_A = 0.0;
};

struct ExportSummary {
  std::size_t items = 0;
  std::size_t optics_groups = 0; // STAR: one per distinct pixel size
};

// Items whose import failed are left out (their files cannot be read).
// STAR: RELION 3.1 style, data_optics plus data_micrographs with absolute
// rlnMicrographName, rlnOpticsGroup and the CTF/motion columns of
// star_micrograph_columns.h that every exported item has as metrics.
// CSV: id, path, dataset, format, kind, width, height, frames, dtype,
// pixel_size_A, status, split, labels (';'-joined), then one column per
// metric (sorted; empty where an item lacks it), RFC 4180 quoting.
// list: one absolute path per line.
// Throws Error for a bad filter, an item without pixel size in a STAR
// export (naming it and --pixel-size), or an unwritable path.
ExportSummary export_items(const Project& project, ExportFormat format, const std::string& path,
                           const ExportOptions& options = {});

} // namespace atelier::project

// The item-selecting options shared by ls, set, label and export: --where
// (the filter language, checked before anything runs) and --sort KEY
// (ascending) or --sort -KEY (descending).
#pragma once

#include "app/cli/cli_options.h"
#include "core/base/error.h"
#include "core/project/project.h"

#include <string>

namespace atelier::cli {

// A mistake in how the command was called (exit code 2, with the usage).
struct UsageError : Error {
  using Error::Error;
};

struct ItemQuery {
  std::string filter;
  project::ItemSort sort;
  bool sorted_by_metric = false;
};

// Throws UsageError for a malformed --where expression or an empty --sort key.
ItemQuery item_query(const CliOptions& options);

// Parses args into CliOptions, turning its errors into UsageError.
CliOptions parse_options(const std::vector<std::string>& args, const std::set<std::string>& valued,
                         const std::set<std::string>& flags);

} // namespace atelier::cli

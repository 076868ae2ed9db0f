// --where / --sort handling shared by the curation commands.
#include "app/cli/item_query_options.h"

#include "core/project/filter_expr.h"

namespace atelier::cli {

ItemQuery item_query(const CliOptions& options) {
  ItemQuery q;
  q.filter = options.text("where", "");
  try {
    project::compile_filter(q.filter);
  } catch (const std::exception& e) {
    throw UsageError("--where: " + std::string(e.what()));
  }
  std::string key = options.text("sort", "id");
  if (!key.empty() && key[0] == '-') {
    q.sort.descending = true;
    key.erase(0, 1);
  }
  if (key.empty()) throw UsageError("--sort needs a column or metric name");
  q.sort.key = key;
  q.sorted_by_metric = !project::is_item_column(key);
  return q;
}

CliOptions parse_options(const std::vector<std::string>& args, const std::set<std::string>& valued,
                         const std::set<std::string>& flags) {
  try {
    return CliOptions(args, valued, flags);
  } catch (const UsageError&) {
    throw;
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
}

} // namespace atelier::cli

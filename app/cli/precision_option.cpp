#include "app/cli/precision_option.h"

#include "core/engine/backend_factory.h"

#include <iostream>

namespace atelier::cli {

std::string precision_option(const CliOptions& o, const std::string& device) {
  const std::string precision = o.text("precision", "bf16");
  const std::string note = engine::precision_note(device, precision);
  if (o.has("precision") && !note.empty()) std::cerr << "note: " << note << '\n';
  return precision;
}

} // namespace atelier::cli

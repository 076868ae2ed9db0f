// The domain plugins built with Atelier, and one call that registers them
// (the CLI and the GUI make it at start-up, before any import).
#pragma once

#include "core/metrics/metric_registry.h"
#include "core/plugin/plugin_api.h"

#include <vector>

namespace atelier::plugins {

// remote_sensing (geo rasters) and radiography (projection X-rays).
std::vector<plugin::Plugin> builtin_plugins();
// Registers builtin_plugins() into registry, once per registry.
void register_builtin_plugins(metrics::MetricRegistry& registry);

} // namespace atelier::plugins

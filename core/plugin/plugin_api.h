// The plugin API: how a domain module (plugins/remote_sensing,
// plugins/radiography, ...) extends core without core knowing it. Version 1
// lets a plugin add metric providers; readers' kinds and exporters join in
// later versions. A plugin states the version it was built against, and a
// mismatch is refused by name instead of misbehaving.
#pragma once

#include "core/metrics/metric_registry.h"

#include <functional>
#include <string>
#include <vector>

namespace atelier::plugin {

inline constexpr int kPluginApiVersion = 1;

// What a plugin may extend.
struct PluginContext {
  metrics::MetricRegistry& metrics;
};

struct Plugin {
  std::string name;                    // "remote_sensing"
  int api_version = kPluginApiVersion; // the API the plugin was built against
  std::string description;             // one line, for `atelier-cli plugins`
  std::function<void(PluginContext&)> register_into;
};

// Registers every plugin in order. Throws Error naming the first plugin that
// has no name or register function, or was built for another API version.
void register_plugins(const std::vector<Plugin>& plugins, PluginContext& context);

} // namespace atelier::plugin

// Plugin registration with version checks.
#include "core/plugin/plugin_api.h"

#include "core/base/error.h"

namespace atelier::plugin {

void register_plugins(const std::vector<Plugin>& plugins, PluginContext& context) {
  for (const Plugin& p : plugins) {
    if (p.name.empty() || !p.register_into)
      throw Error("plugin: a plugin needs a name and a register function");
    if (p.api_version != kPluginApiVersion)
      throw Error("plugin " + p.name + " was built for plugin API " +
                  std::to_string(p.api_version) + "; this Atelier has API " +
                  std::to_string(kPluginApiVersion));
    p.register_into(context);
  }
}

} // namespace atelier::plugin

// The remote-sensing and radiography plugins: their metric providers.
#include "plugins/builtin_plugins.h"

#include "plugins/radiography/radiography_metrics.h"
#include "plugins/remote_sensing/remote_sensing_metrics.h"

namespace atelier::plugins {

std::vector<plugin::Plugin> builtin_plugins() {
  using metrics::ItemInfo;
  using metrics::ItemKind;
  plugin::Plugin remote{"remote_sensing",
                        plugin::kPluginApiVersion,
                        "nodata and cloud fractions of multiband rasters",
                        {}};
  remote.register_into = [](plugin::PluginContext& c) {
    c.metrics.register_provider({"remote_sensing", 1,
                                 [](const ItemInfo& i) { return i.kind == ItemKind::geo; },
                                 [](const Image& image, const ItemInfo& i) {
                                   return remote_sensing_metrics(image, i.number("nodata"));
                                 }});
  };
  plugin::Plugin xray{"radiography",
                      plugin::kPluginApiVersion,
                      "bits used, body exposure, windowed contrast and collimation of X-rays",
                      {}};
  xray.register_into = [](plugin::PluginContext& c) {
    c.metrics.register_provider(
        {"radiography", 1, [](const ItemInfo& i) { return i.kind == ItemKind::xray; },
         [](const Image& image, const ItemInfo& i) {
           RadiographFacts f;
           f.bits_stored = static_cast<int>(i.number("bits_stored").value_or(0));
           f.monochrome1 = i.text("photometric") == "MONOCHROME1";
           return radiography_metrics(image, f);
         }});
  };
  return {remote, xray};
}

void register_builtin_plugins(metrics::MetricRegistry& registry) {
  plugin::PluginContext context{registry};
  plugin::register_plugins(builtin_plugins(), context);
}

} // namespace atelier::plugins

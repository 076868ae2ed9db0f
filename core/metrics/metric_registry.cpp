// The metric provider registry and its built-in providers.
#include "core/metrics/metric_registry.h"

#include "core/base/error.h"
#include "core/metrics/cryoem_metrics.h"
#include "core/metrics/generic_metrics.h"

#include <algorithm>
#include <cstdlib>

namespace atelier::metrics {

std::string_view item_kind_name(ItemKind kind) {
  switch (kind) {
  case ItemKind::unknown: return "unknown";
  case ItemKind::micrograph: return "micrograph";
  case ItemKind::movie: return "movie";
  case ItemKind::raster: return "raster";
  case ItemKind::xray: return "xray";
  case ItemKind::medical: return "medical";
  case ItemKind::geo: return "geo";
  case ItemKind::volume: return "volume";
  }
  return "unknown";
}

std::optional<double> ItemInfo::number(const std::string& key) const {
  const auto it = facts.find(key);
  if (it == facts.end() || it->second.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (end != it->second.c_str() + it->second.size()) return std::nullopt;
  return v;
}

std::string ItemInfo::text(const std::string& key) const {
  const auto it = facts.find(key);
  return it == facts.end() ? std::string() : it->second;
}

void MetricRegistry::register_provider(MetricProvider provider) {
  if (provider.name.empty() || !provider.applies || !provider.compute)
    throw Error("metric provider needs a name, applies and compute");
  auto it = std::find_if(providers_.begin(), providers_.end(),
                         [&](const MetricProvider& p) { return p.name == provider.name; });
  if (it != providers_.end())
    *it = std::move(provider);
  else
    providers_.push_back(std::move(provider));
}

std::vector<const MetricProvider*> MetricRegistry::providers_for(const ItemInfo& info) const {
  std::vector<const MetricProvider*> out;
  for (const auto& p : providers_)
    if (p.applies(info)) out.push_back(&p);
  return out;
}

std::vector<ProviderResult> MetricRegistry::compute(const Image& image,
                                                    const ItemInfo& info) const {
  std::vector<ProviderResult> out;
  for (const auto* p : providers_for(info))
    out.push_back({p->name, p->version, p->compute(image, info)});
  return out;
}

void register_builtin_providers(MetricRegistry& registry) {
  registry.register_provider(
      {"generic", 1, [](const ItemInfo&) { return true; },
       [](const Image& image, const ItemInfo&) { return generic_metrics(image); }});
  registry.register_provider({"cryoem", 3,
                              [](const ItemInfo& info) {
                                return info.kind == ItemKind::micrograph ||
                                       info.kind == ItemKind::movie;
                              },
                              [](const Image& image, const ItemInfo& info) {
                                if (std::min(image.width(), image.height()) < 32)
                                  return std::vector<Metric>{};
                                return cryoem_metrics(image, info.pixel_size_A);
                              }});
}

MetricRegistry& default_metric_registry() {
  static MetricRegistry registry = [] {
    MetricRegistry r;
    register_builtin_providers(r);
    return r;
  }();
  return registry;
}

} // namespace atelier::metrics

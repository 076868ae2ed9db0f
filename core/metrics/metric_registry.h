// MetricRegistry: named, versioned metric providers chosen per item kind, so
// import can compute what applies and recompute when a provider's version
// changes. The built-in registry holds the generic and cryo-EM providers.
#pragma once

#include "core/data/image.h"
#include "core/metrics/metric.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atelier::metrics {

constexpr int kMetricApiVersion = 1;

enum class ItemKind : unsigned char {
  unknown = 1,
  micrograph,
  movie, // the caller passes a frame sum or a single frame
  raster,
  xray,
  medical,
  geo,
  volume, // the caller passes a central slice
};
std::string_view item_kind_name(ItemKind kind);

struct ItemInfo {
  std::string format; // as in FileInfo::format ("mrc", "tiff", ...)
  ItemKind kind = ItemKind::unknown;
  double pixel_size_A = 0.0; // 0 when unknown
  // The header's other facts as text ("nodata", "modality", "photometric",
  // "bits_stored", ...), for providers that need them.
  std::map<std::string, std::string> facts;

  // The fact's value as a number, or nullopt when absent or not a number.
  std::optional<double> number(const std::string& key) const;
  std::string text(const std::string& key) const; // "" when absent
};

struct MetricProvider {
  std::string name;
  int version = 1;
  std::function<bool(const ItemInfo&)> applies;
  std::function<std::vector<Metric>(const Image&, const ItemInfo&)> compute;
};

struct ProviderResult {
  std::string provider;
  int version = 0;
  std::vector<Metric> metrics;
};

class MetricRegistry {
public:
  // Replaces a provider of the same name. Throws Error for an empty name or
  // missing functions.
  void register_provider(MetricProvider provider);
  std::vector<const MetricProvider*> providers_for(const ItemInfo& info) const;
  const std::vector<MetricProvider>& providers() const { return providers_; }
  // Runs every applicable provider, in registration order.
  std::vector<ProviderResult> compute(const Image& image, const ItemInfo& info) const;

private:
  std::vector<MetricProvider> providers_;
};

// "generic" (every kind) and "cryoem" (micrographs and movies).
void register_builtin_providers(MetricRegistry& registry);
// A process-wide registry with the built-ins; not synchronised: register
// extra providers at start-up, before threads use it.
MetricRegistry& default_metric_registry();

} // namespace atelier::metrics

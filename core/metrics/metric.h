// Metric: one named scalar measured on an item (stats, sharpness, noise ...).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atelier::metrics {

struct Metric {
  std::string name;
  double value = 0.0;
};

// The value of the metric called name, if present.
std::optional<double> find_metric(const std::vector<Metric>& metrics, std::string_view name);

} // namespace atelier::metrics

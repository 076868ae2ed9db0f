// Seeded uniform initialisation of conv weights and biases.
#include "core/engine/param_init.h"

#include <cmath>
#include <random>

namespace atelier::engine {

std::vector<float> init_params(const Graph& g, std::uint64_t seed) {
  std::vector<float> flat(g.param_count(), 0.0f);
  std::mt19937_64 rng(seed);
  for (const Param& p : g.params()) {
    const float bound = 1.0f / std::sqrt(float(p.fan_in));
    std::uniform_real_distribution<float> u(-bound, bound);
    for (std::size_t i = 0; i < p.count; ++i)
      flat[p.offset + i] = u(rng);
  }
  return flat;
}

} // namespace atelier::engine

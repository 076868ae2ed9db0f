// Initial parameter values with PyTorch's default Conv2d initialisation
// bounds (kaiming_uniform_(a=sqrt(5)) for weights and the matching uniform
// bias: both U(-1/sqrt(fan_in), 1/sqrt(fan_in))), drawn from a seeded
// generator (the values differ from PyTorch's; the distribution is the same).
#pragma once

#include "core/engine/graph.h"

#include <cstdint>
#include <vector>

namespace atelier::engine {

// The flat canonical parameter buffer of g (graph.h), padding zero.
std::vector<float> init_params(const Graph& g, std::uint64_t seed);

} // namespace atelier::engine

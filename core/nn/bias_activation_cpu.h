// Bias + activation for the CPU backend (f32, NCHW): the reference's double
// arithmetic per element, so the same float results as
// bias_activation_reference.h, but without a per-element channel division or
// activation switch, and with the image-channel planes spread over the CPU
// pool. GELU goes to the reference.
#pragma once

#include "core/nn/bias_activation_reference.h"

#include <span>

namespace atelier::nn {

// y = act(x + bias[c]); y may be x.
void bias_activation_forward_cpu(const Nchw& shape, std::span<const float> x,
                                 std::span<const float> bias, std::span<float> y, Activation act,
                                 float slope);

// dx = dy * act'(x + bias[c]) (dx may be dy); db[c] = sum of dx over the
// channel when db is not empty, summed per plane and then over the images in
// order (deterministic whatever the threads).
void bias_activation_backward_cpu(const Nchw& shape, std::span<const float> x,
                                  std::span<const float> bias, std::span<const float> dy,
                                  std::span<float> dx, std::span<float> db, Activation act,
                                  float slope);

} // namespace atelier::nn

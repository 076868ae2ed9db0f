// Fused bias + activation epilogue on the GPU, NHWC (channel fastest), in any
// storage (kernels/storage.h; math in f32). Bias, db and the workspace are
// f32 in every case. CPU reference:
// core/nn/bias_activation_reference.h (same activations; GELU is PyTorch's
// approximate='tanh').
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

#include <cstddef>

namespace atelier::kernels {

enum class Activation { identity, relu, leaky_relu, gelu_tanh };

// y = act(x + bias[c]) for pixels x channels values (pixels = n h w), x and
// y in storage s. bias may be nullptr (no bias); y may be x. Asynchronous on
// stream.
void bias_activation_forward(Storage s, const void* x, const float* bias, void* y,
                             std::size_t pixels, int channels, Activation act, float slope,
                             gpu_stream stream);

// Bytes of device workspace the backward needs for db (0 when db is not
// wanted is also fine: pass nullptr then).
std::size_t bias_activation_backward_workspace_bytes(std::size_t pixels, int channels);

// From the forward input x: dx = dy * act'(x + bias[c]) (dx may be dy) and,
// when db is not nullptr, db[c] = sum over pixels of dx in f32 before dx is
// rounded to its storage type (overwritten; a deterministic two-stage
// reduction through workspace, no atomics), times *db_scale when db_scale
// is not null (one device float read when the kernel runs: a loss scale's
// inverse). Asynchronous on stream.
void bias_activation_backward(Storage s, const void* x, const float* bias, const void* dy, void* dx,
                              float* db, void* workspace, std::size_t pixels, int channels,
                              Activation act, float slope, gpu_stream stream,
                              const float* db_scale = nullptr);

} // namespace atelier::kernels

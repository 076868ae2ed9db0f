// Fused bias + activation epilogue on the GPU, NHWC (channel fastest), f32 or
// bf16 storage (bf16 as std::uint16_t bits; math in f32). Bias, db and the
// workspace are f32 in both cases. CPU reference:
// core/nn/bias_activation_reference.h (same activations; GELU is PyTorch's
// approximate='tanh').
#pragma once

#include "kernels/gpu_stream.h"

#include <cstddef>
#include <cstdint>

namespace atelier::kernels {

enum class Activation { identity, relu, leaky_relu, gelu_tanh };

// y = act(x + bias[c]) for pixels x channels values (pixels = n h w). bias may
// be nullptr (no bias); y may be x. Asynchronous on stream.
void bias_activation_forward_f32(const float* x, const float* bias, float* y, std::size_t pixels,
                                 int channels, Activation act, float slope, gpu_stream stream);
void bias_activation_forward_bf16(const std::uint16_t* x, const float* bias, std::uint16_t* y,
                                  std::size_t pixels, int channels, Activation act, float slope,
                                  gpu_stream stream);

// Bytes of device workspace the backward needs for db (0 when db is not
// wanted is also fine: pass nullptr then).
std::size_t bias_activation_backward_workspace_bytes(std::size_t pixels, int channels);

// From the forward input x: dx = dy * act'(x + bias[c]) (dx may be dy) and,
// when db is not nullptr, db[c] = sum over pixels of dx in f32 before dx is
// rounded to its storage type (overwritten; a deterministic two-stage
// reduction through workspace, no atomics). Asynchronous on stream.
void bias_activation_backward_f32(const float* x, const float* bias, const float* dy, float* dx,
                                  float* db, void* workspace, std::size_t pixels, int channels,
                                  Activation act, float slope, gpu_stream stream);
void bias_activation_backward_bf16(const std::uint16_t* x, const float* bias,
                                   const std::uint16_t* dy, std::uint16_t* dx, float* db,
                                   void* workspace, std::size_t pixels, int channels,
                                   Activation act, float slope, gpu_stream stream);

} // namespace atelier::kernels

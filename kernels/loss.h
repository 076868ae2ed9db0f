// MSE and L1 losses on the GPU, mean over all elements, f32 or bf16 storage
// of pred (bf16 as std::uint16_t bits), the target f32 in both (as PyTorch's
// autocast computes the loss: the target is not rounded to bf16); math in
// f32, sums in double. The forward leaves the scalar in device memory (no host sync);
// the backward writes dL/dpred = 2 (p - t) / N or sign(p - t) / N with
// sign(0) = 0, in pred's storage type. CPU reference: core/nn/loss_reference.h.
#pragma once

#include "kernels/gpu_stream.h"

#include <cstddef>
#include <cstdint>

namespace atelier::kernels {

enum class Loss { mse, l1 };

// Device workspace bytes the forward needs (a constant: the partial sums of a
// fixed-size grid, added in a fixed order so the result is deterministic).
std::size_t loss_workspace_bytes();

// *loss (one device float) = mean loss over count > 0 elements. Asynchronous.
void loss_forward_f32(Loss kind, const float* pred, const float* target, std::size_t count,
                      float* loss, void* workspace, gpu_stream stream);
void loss_forward_bf16(Loss kind, const std::uint16_t* pred, const float* target, std::size_t count,
                       float* loss, void* workspace, gpu_stream stream);

// dpred = dL/dpred (may be pred). Asynchronous.
void loss_backward_f32(Loss kind, const float* pred, const float* target, float* dpred,
                       std::size_t count, gpu_stream stream);
void loss_backward_bf16(Loss kind, const std::uint16_t* pred, const float* target,
                        std::uint16_t* dpred, std::size_t count, gpu_stream stream);

} // namespace atelier::kernels

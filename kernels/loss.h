// MSE and L1 losses on the GPU, mean over all elements, pred in any storage,
// the target f32 in all (as PyTorch's autocast computes the loss: the target
// is not rounded to 16 bits); math in
// f32, sums in double. The forward leaves the scalar in device memory (no host sync);
// the backward writes dL/dpred = 2 (p - t) / N or sign(p - t) / N with
// sign(0) = 0, in pred's storage type. CPU reference: core/nn/loss_reference.h.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

#include <cstddef>

namespace atelier::kernels {

enum class Loss { mse, l1 };

// Device workspace bytes the forward needs (a constant: the partial sums of a
// fixed-size grid, added in a fixed order so the result is deterministic).
std::size_t loss_workspace_bytes();

// *loss (one device float) = mean loss over count > 0 elements, pred in
// storage s. Asynchronous.
void loss_forward(Loss kind, Storage s, const void* pred, const float* target, std::size_t count,
                  float* loss, void* workspace, gpu_stream stream);

// dpred = dL/dpred (may be pred), in storage s, times *grad_scale when
// grad_scale is not null (one device float read when the kernel runs: the
// loss scale of f16 training). Asynchronous.
void loss_backward(Loss kind, Storage s, const void* pred, const float* target, void* dpred,
                   std::size_t count, gpu_stream stream, const float* grad_scale = nullptr);

} // namespace atelier::kernels

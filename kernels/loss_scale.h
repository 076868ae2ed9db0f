// Dynamic loss scaling for f16 training, as torch.amp.GradScaler does it.
// f16 stops at 65504 and its smallest normal value is 6.1e-5, while the
// loss gradient of a mean over a million pixels is about 1e-6 per pixel:
// the loss gradient is multiplied by a power of two (the scale) so small
// gradients survive the backward pass in f16, and the weight gradients are
// multiplied by its inverse (exact) before the update. A step whose
// gradients overflowed (a non-finite global norm) is skipped and the scale
// halved; after `interval` finite steps in a row it doubles. The state lives
// in device memory, so a captured CUDA graph reads the current scale and
// nothing waits for the host.
#pragma once

#include "kernels/gpu_stream.h"

#include <cstdint>

namespace atelier::kernels {

struct LossScaleState {
  float scale = 65536.0f; // 2^16, GradScaler's default
  float inverse = 1.0f / 65536.0f;
  std::int32_t good_steps = 0;    // finite steps since the last change
  std::int32_t skipped_steps = 0; // in all
};

// The bounds the scale stays within (inverse and scale both exact in f32).
inline constexpr float kMinLossScale = 1.0f / 16777216.0f; // 2^-24
inline constexpr float kMaxLossScale = 16777216.0f;        // 2^24

// *state = a fresh state with this scale (a power of two within the bounds;
// std::invalid_argument otherwise). Asynchronous on stream.
void loss_scale_init(LossScaleState* state, float scale, gpu_stream stream);

// After a step: *sum_squares is the global sum of squares of the unscaled
// gradients. Not finite: halve the scale, count a skipped step; finite: one
// more good step, and after `interval` (>= 1) of them the scale doubles.
// Asynchronous on stream.
void loss_scale_update(LossScaleState* state, const double* sum_squares, int interval,
                       gpu_stream stream);

// Copies the state to the host and waits (for logs and tests).
LossScaleState read_loss_scale(const LossScaleState* state, gpu_stream stream);

} // namespace atelier::kernels

// Learning-rate schedules as pure functions of the step: constant, linear
// warmup + cosine decay to a floor, and warmup-stable-decay (WSD).
//
// `step` is the number of optimizer steps already taken (0 for the first
// step); lr_at(step) is the rate that step uses. With W = warmup_steps,
// T = total_steps, base = base_lr, floor = min_lr:
//
//   warmup (every kind), s < W:  base * (s + 1) / W       (reaches base at s = W - 1)
//   constant,     s >= W:        base
//   warmup_cosine, W <= s < T:   floor + (base - floor) * (1 + cos(pi * (s - W) / (T - W))) / 2
//   warmup_stable_decay, with D = decay_steps() = llround(decay_fraction * T), S = T - D:
//                  W <= s < S:   base
//                  S <= s < T:   q = (s - S) / D
//                                linear: base + (floor - base) * q
//                                cosine: floor + (base - floor) * (1 + cos(pi * q)) / 2
//   warmup_cosine and warmup_stable_decay, s >= T:  floor
//
// Decay starts at the top (s = W or s = S gives base) and reaches the floor
// at s = T, one step after the last step of a T-step run, as Hugging Face's
// get_cosine_schedule_with_warmup does.
#pragma once

#include <cstdint>

namespace atelier::nn {

struct LrSchedule {
  enum class Kind { constant, warmup_cosine, warmup_stable_decay };
  enum class DecayShape { linear, cosine };

  Kind kind = Kind::constant;
  double base_lr = 1e-3;
  double min_lr = 0.0;                         // floor of the decays; unused by constant
  std::int64_t warmup_steps = 0;               // W; 0: no warmup
  std::int64_t total_steps = 0;                // T; unused by constant
  double decay_fraction = 0.1;                 // WSD: fraction of T spent decaying
  DecayShape decay_shape = DecayShape::linear; // WSD's decay

  // WSD's D = llround(decay_fraction * total_steps).
  std::int64_t decay_steps() const;

  // Throws atelier::Error: negative or NaN rates, min_lr > base_lr, negative
  // steps, decaying kinds with W >= T (W > T - D for WSD), a decay fraction
  // outside (0, 1] or one that gives D = 0.
  void validate() const;

  // The rate of step `step` (>= 0; Error otherwise). Validates.
  double lr_at(std::int64_t step) const;
};

// Shorthands.
LrSchedule constant_schedule(double lr, std::int64_t warmup_steps = 0);
LrSchedule warmup_cosine_schedule(double base_lr, double min_lr, std::int64_t warmup_steps,
                                  std::int64_t total_steps);
LrSchedule warmup_stable_decay_schedule(double base_lr, double min_lr, std::int64_t warmup_steps,
                                        std::int64_t total_steps, double decay_fraction,
                                        LrSchedule::DecayShape shape);

} // namespace atelier::nn

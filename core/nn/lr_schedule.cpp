// The schedule formulas (documented in the header), in double.
#include "core/nn/lr_schedule.h"

#include "core/base/error.h"

#include <cmath>
#include <numbers>
#include <string>

namespace atelier::nn {
namespace {

double cosine_between(double top, double floor, double q) {
  return floor + (top - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * q));
}

} // namespace

std::int64_t LrSchedule::decay_steps() const {
  if (!(decay_fraction > 0.0 && decay_fraction <= 1.0)) return 0;
  return static_cast<std::int64_t>(std::llround(decay_fraction * static_cast<double>(total_steps)));
}

void LrSchedule::validate() const {
  if (!(base_lr >= 0.0)) throw Error("LR schedule: invalid base_lr " + std::to_string(base_lr));
  if (warmup_steps < 0)
    throw Error("LR schedule: negative warmup_steps " + std::to_string(warmup_steps));
  if (kind == Kind::constant) return;
  if (!(min_lr >= 0.0 && min_lr <= base_lr))
    throw Error("LR schedule: min_lr " + std::to_string(min_lr) + " outside [0, base_lr]");
  if (total_steps <= warmup_steps)
    throw Error("LR schedule: total_steps " + std::to_string(total_steps) +
                " must exceed warmup_steps " + std::to_string(warmup_steps));
  if (kind == Kind::warmup_stable_decay) {
    if (!(decay_fraction > 0.0 && decay_fraction <= 1.0))
      throw Error("LR schedule: decay_fraction " + std::to_string(decay_fraction) +
                  " outside (0, 1]");
    const std::int64_t d = decay_steps();
    if (d <= 0) throw Error("LR schedule: decay_fraction gives no decay steps");
    if (warmup_steps > total_steps - d)
      throw Error("LR schedule: warmup (" + std::to_string(warmup_steps) +
                  " steps) overlaps the decay (last " + std::to_string(d) + " steps)");
  }
}

double LrSchedule::lr_at(std::int64_t step) const {
  validate();
  if (step < 0) throw Error("LR schedule: negative step " + std::to_string(step));
  if (step < warmup_steps)
    return base_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  switch (kind) {
  case Kind::constant: return base_lr;
  case Kind::warmup_cosine:
    if (step >= total_steps) return min_lr;
    return cosine_between(base_lr, min_lr,
                          static_cast<double>(step - warmup_steps) /
                              static_cast<double>(total_steps - warmup_steps));
  case Kind::warmup_stable_decay: {
    if (step >= total_steps) return min_lr;
    const std::int64_t d = decay_steps();
    const std::int64_t start = total_steps - d;
    if (step < start) return base_lr;
    const double q = static_cast<double>(step - start) / static_cast<double>(d);
    return decay_shape == DecayShape::linear ? base_lr + (min_lr - base_lr) * q
                                             : cosine_between(base_lr, min_lr, q);
  }
  }
  return base_lr;
}

LrSchedule constant_schedule(double lr, std::int64_t warmup_steps) {
  LrSchedule s;
  s.kind = LrSchedule::Kind::constant;
  s.base_lr = lr;
  s.warmup_steps = warmup_steps;
  return s;
}

LrSchedule warmup_cosine_schedule(double base_lr, double min_lr, std::int64_t warmup_steps,
                                  std::int64_t total_steps) {
  LrSchedule s;
  s.kind = LrSchedule::Kind::warmup_cosine;
  s.base_lr = base_lr;
  s.min_lr = min_lr;
  s.warmup_steps = warmup_steps;
  s.total_steps = total_steps;
  return s;
}

LrSchedule warmup_stable_decay_schedule(double base_lr, double min_lr, std::int64_t warmup_steps,
                                        std::int64_t total_steps, double decay_fraction,
                                        LrSchedule::DecayShape shape) {
  LrSchedule s;
  s.kind = LrSchedule::Kind::warmup_stable_decay;
  s.base_lr = base_lr;
  s.min_lr = min_lr;
  s.warmup_steps = warmup_steps;
  s.total_steps = total_steps;
  s.decay_fraction = decay_fraction;
  s.decay_shape = shape;
  return s;
}

} // namespace atelier::nn

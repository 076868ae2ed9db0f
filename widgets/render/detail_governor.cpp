// DetailGovernor: level of detail while moving, from frame times.
#include "widgets/render/detail_governor.h"

#include <algorithm>
#include <cmath>

namespace atelier::render {

DetailGovernor::DetailGovernor(int levels, int start, double finer_cost)
    : levels_(std::max(1, levels)), level_(std::clamp(start, 0, std::max(1, levels) - 1)),
      finer_cost_(finer_cost > 1 ? finer_cost : 4.0), retry_at_(std::size_t(levels_), 0) {}

bool DetailGovernor::frame(double ms) {
  if (!std::isfinite(ms) || ms < 0) return false;
  ++frames_;
  const bool can_refine =
      level_ > 0 && (ms * finer_cost_ < 0.8 * kBudgetMs ||
                     (ms < 0.5 * kBudgetMs && frames_ >= retry_at_[std::size_t(level_ - 1)]));
  if (ms > 1.5 * kBudgetMs && level_ + 1 < levels_)
    streak_ = std::max(streak_, 0) + 1;
  else if (can_refine)
    streak_ = std::min(streak_, 0) - 1;
  else
    streak_ = 0;
  if (streak_ < 2 && streak_ > -2) return false;
  if (streak_ > 0) retry_at_[std::size_t(level_)] = frames_ + kRetryFrames;
  level_ += streak_ > 0 ? 1 : -1;
  streak_ = 0;
  return true;
}

} // namespace atelier::render

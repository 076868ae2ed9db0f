// DetailGovernor: picks the level of detail a scene draws while the camera
// moves from how long its moving frames take, so rotating stays near 30
// frames a second on a workstation GPU (where it can afford the full
// detail) and on a software renderer over VNC (where it needs far less).
// Two frames in a row must agree before the level changes, so one slow
// frame (an upload, a shader compile) does not coarsen the view.
#pragma once

#include <vector>

namespace atelier::render {

class DetailGovernor {
public:
  // The moving-frame budget: 30 frames a second.
  static constexpr double kBudgetMs = 1000.0 / 30.0;
  // Frames before a level found too slow is tried again.
  static constexpr long kRetryFrames = 90;

  // levels >= 1, level 0 the finest; start is clamped to them. finer_cost:
  // how many times longer a frame at the next finer level is expected to
  // take (4 for a quarter of the points, less where fixed costs dominate).
  explicit DetailGovernor(int levels = 1, int start = 0, double finer_cost = 4.0);

  int level() const { return level_; }
  int levels() const { return levels_; }

  // Reports that a frame drawn at level() took ms. Coarser after two frames
  // in a row over 1.5 budgets. Finer after two in a row that would fit in
  // 0.8 budgets even at finer_cost times the time, or that take under half
  // the budget (a try: a finer level found too slow is not tried again for
  // kRetryFrames frames). Returns whether level() changed.
  bool frame(double ms);

private:
  int levels_ = 1, level_ = 0;
  double finer_cost_ = 4.0;
  int streak_ = 0; // > 0: frames in a row too slow; < 0: fast enough to refine
  long frames_ = 0;
  std::vector<long> retry_at_; // per level: the frame from which it may be tried
};

} // namespace atelier::render

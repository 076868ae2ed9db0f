// Following a run directory from the outside (the GUI's run list and
// monitor): status.json, new lines of metrics.jsonl only (a torn last line
// waits for its newline), the metric series by step and time, progress, ETA,
// the best validation loss, and a run whose process died without saying so.
#pragma once

#include "core/run/run_status.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace atelier::run {

// One metric over a run: x by step and by seconds since the start.
struct MetricSeries {
  std::vector<double> step, time_s, value;
};

// What a run list shows.
struct RunSummary {
  std::string dir, name;             // name: the folder's name
  std::string recipe, device;        // from run.json ("" when unreadable)
  RunStatus status;                  // as written (state queued when missing)
  RunState state = RunState::queued; // effective: failed when the process vanished
  std::string problem;               // why state differs from status.json, or a read error
  std::int64_t step = 0, total_steps = 0;
  std::optional<double> eta_s, best_val_loss, images_per_s;
  double pixels_per_image = 0; // crop^2 from run.json: images/s -> megapixels_per_s
};

// True when a process with this id exists on this machine.
bool process_alive(std::int64_t pid);
// Run folders under runs_dir (those holding run.json), sorted by name.
std::vector<std::string> list_run_dirs(const std::string& runs_dir);
// The last `lines` lines of the run's log.txt ("" when absent).
std::string log_tail(const std::string& run_dir, std::size_t lines = 20);

class RunFollower {
public:
  explicit RunFollower(std::string run_dir);

  // Reads what changed since the last poll; true when anything did. Never
  // throws: unreadable files become summary().problem.
  bool poll();

  const RunSummary& summary() const { return summary_; }
  // Series by metric name (loss, val_loss, lr, grad_norm, images_per_s, ...,
  // and megapixels_per_s when run.json gives the crop).
  const std::map<std::string, MetricSeries>& series() const { return series_; }
  std::size_t records() const { return records_; }
  std::size_t skipped_lines() const { return skipped_; }
  // Seconds without a status update after which a run on another host is
  // reported as not responding.
  static constexpr double stale_after_s = 600;

private:
  void read_run_json();
  void update_state();

  std::string dir_;
  RunSummary summary_;
  std::map<std::string, MetricSeries> series_;
  std::uint64_t offset_ = 0;
  std::size_t records_ = 0, skipped_ = 0;
  std::string last_status_text_;
  std::string status_problem_, metrics_problem_;
  bool have_run_json_ = false;
};

} // namespace atelier::run

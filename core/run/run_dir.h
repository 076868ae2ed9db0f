// The run directory: the contract between the GUI and a training job, the same
// for a local process, an SSH host and a Slurm job (DESIGN.md):
//   runs/<run-id>/run.json       recipe + frozen dataset manifest + code version; written once
//                 status.json    RunStatus, replaced atomically
//                 metrics.jsonl  one JSON object per line, append-only
//                 log.txt        timestamped human-readable lines
//                 checkpoints/   step-000100.safetensors (written to a temp name, then renamed)
// One job writes a run directory at a time; any number of readers may poll it.
#pragma once

#include "core/run/metrics_log.h"
#include "core/run/run_json.h"
#include "core/run/run_status.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atelier::run {

class RunDirectory {
public:
  // Creates path (and missing parents), checkpoints/ and run.json holding
  // run_json_text, which must be a JSON object. An existing non-empty folder is
  // refused with an Error (resume it with open_for_resume instead).
  static RunDirectory create(const std::string& path, const std::string& run_json_text);
  // The check create() makes first: Error when path exists and is not an
  // empty folder. For callers with long work to do before creating it.
  static void require_new(const std::string& path);
  // Opens an existing run to continue it: run.json must exist and be a JSON
  // object (FormatError otherwise); a missing checkpoints/ is recreated.
  static RunDirectory open_for_resume(const std::string& path);

  RunDirectory(RunDirectory&& other) noexcept;
  RunDirectory& operator=(RunDirectory&& other) noexcept;
  RunDirectory(const RunDirectory&) = delete;
  RunDirectory& operator=(const RunDirectory&) = delete;
  ~RunDirectory();

  const std::string& path() const { return path_; }
  const std::string& run_json() const { return run_json_; }
  std::string status_path() const { return path_ + "/status.json"; }
  std::string metrics_path() const { return path_ + "/metrics.jsonl"; }
  std::string log_path() const { return path_ + "/log.txt"; }
  std::string checkpoints_dir() const { return path_ + "/checkpoints"; }

  // For a run that failed before it saved anything: closes its files and
  // removes what the run wrote (run.json, status, metrics, log, an empty
  // checkpoints/), nothing else, then the folder when remove_folder and it is
  // empty. Best effort; the object is unusable afterwards.
  void discard(bool remove_folder) noexcept;

  // Replaces status.json atomically. A zero pid, empty host or zero
  // updated_unix_s is filled with this process's id, host name and the time.
  void write_status(const RunStatus& status);

  // Appends one line and hands it to the kernel at once, so a killed job
  // loses at most the line being written. A torn last line left by an earlier
  // kill is ended first, so it cannot glue onto the new one.
  void append_metrics(const MetricsRecord& record);

  // Drops metrics lines whose step is greater than step (they will be redone
  // after resuming from that checkpoint) and lines that do not parse; other
  // lines are kept byte for byte. The file is replaced atomically. Dropped
  // lines are appended to metrics.dropped.jsonl first, so no curve is lost;
  // returns how many were dropped.
  std::size_t truncate_metrics_after(std::int64_t step);
  std::string dropped_metrics_path() const { return path_ + "/metrics.dropped.jsonl"; }

  // Renames a checkpoint that resume passed over to NAME.unreadable (or
  // NAME.unreadable-2 ...), so a later checkpoint of that step does not
  // replace it and it is not tried again; returns the new path. Error when
  // the rename fails.
  std::string set_aside(const std::string& checkpoint);

  // Appends "2024-05-01T12:34:56Z <line>" to log.txt; each line of a
  // multi-line text gets its own timestamp.
  void log(std::string_view line);

  // checkpoints/step-000100.safetensors (at least 6 digits). Negative steps
  // throw Error.
  std::string checkpoint_path(std::int64_t step) const;

  // The checkpoint with the highest step whose file is a valid Atelier
  // checkpoint (header checked, step metadata matching the name); temp files
  // left by a killed job and corrupt files are skipped.
  std::optional<std::string> latest_checkpoint() const;
  // Every file named like a checkpoint (step-NNNNNN.safetensors), highest
  // step first, whether it reads or not.
  std::vector<std::string> checkpoint_files() const;

private:
  explicit RunDirectory(std::string path, std::string run_json);
  int metrics_fd();
  void close_files() noexcept;

  std::string path_;
  std::string run_json_;
  int metrics_fd_ = -1;
  int log_fd_ = -1;
};

// Readers for the GUI, given the run directory's path.
// run.json parsed; FormatError when missing or invalid.
JsonNode read_run_json(const std::string& run_dir);
// status.json; FormatError when missing or invalid.
RunStatus read_status(const std::string& run_dir);
// metrics.jsonl; see read_metrics in metrics_log.h (tolerant of torn lines).
std::vector<MetricsRecord> read_run_metrics(const std::string& run_dir,
                                            std::size_t* skipped_lines = nullptr);

// The checkpoint to use a run for: the one written at the step with the
// lowest validation loss in metrics.jsonl; the latest when no checkpoint's
// step has a validation loss; nullopt when there is none.
std::optional<std::string> best_checkpoint(const std::string& run_dir);
// The checkpoint with the highest step by name (nullopt when none).
std::optional<std::string> last_checkpoint_file(const std::string& run_dir);

// The step in a checkpoint file name "step-000100.safetensors"; nullopt for
// anything else (temp files, other names).
std::optional<std::int64_t> checkpoint_step_from_name(std::string_view file_name);

} // namespace atelier::run

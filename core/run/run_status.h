// status.json: where a training job stands (queued, running, done, failed,
// stopped), which process runs it and how far it got. The job replaces the
// file atomically; the GUI polls it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace atelier::run {

enum class RunState : std::uint8_t { queued = 1, running, done, failed, stopped };

std::string_view run_state_name(RunState state);
std::optional<RunState> parse_run_state(std::string_view name);

struct RunStatus {
  RunState state = RunState::queued;
  std::int64_t pid = 0; // or a batch system's job id
  std::string host;
  std::int64_t step = 0;
  std::int64_t total_steps = 0;
  std::string message;       // e.g. the error of a failed run
  double updated_unix_s = 0; // seconds since 1970 (UTC)
};

// Pretty-printed JSON: {"state", "pid", "host", "step", "total_steps",
// "message", "updated" (ISO 8601 UTC text for people), "updated_unix_s"}.
std::string format_status_json(const RunStatus& status);

// Parses status.json text. "state" is required; other fields default when
// absent. Wrong types or an unknown state throw FormatError(source_name, reason).
RunStatus parse_status_json(std::string_view text, const std::string& source_name);

// This machine's host name ("" when it cannot be read): what RunStatus.host
// holds for local runs.
std::string host_name();

// "2024-05-01T12:34:56Z" (milliseconds are dropped).
std::string format_utc_time(double unix_s);

} // namespace atelier::run

// metrics.jsonl: one JSON object per line, appended by a training job and read
// by the GUI while the job runs. A record is an ordered list of fields so each
// recipe adds its own (step, time_s, loss, val_loss, lr, grad_norm, ...).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace atelier::run {

// Non-finite doubles are written as JSON null and read back as NaN.
using MetricValue = std::variant<std::int64_t, double, std::string>;

struct MetricsRecord {
  std::vector<std::pair<std::string, MetricValue>> fields;

  MetricsRecord& add(std::string key, std::int64_t v);
  MetricsRecord& add(std::string key, int v) { return add(std::move(key), std::int64_t{v}); }
  MetricsRecord& add(std::string key, double v);
  MetricsRecord& add(std::string key, std::string_view v);
  MetricsRecord& add(std::string key, const char* v) {
    return add(std::move(key), std::string_view(v));
  }
  MetricsRecord& add(std::string key, bool v) = delete; // say 0/1 or a string

  // The field's value (the last one if a key repeats); nullptr when absent.
  const MetricValue* find(std::string_view key) const;
  // The field as a number (integers converted); nullopt when absent or a string.
  std::optional<double> number(std::string_view key) const;
  // The integer "step" field; nullopt when absent or not an integer.
  std::optional<std::int64_t> step() const;
};

// The record as one JSON object line, without the newline.
std::string format_metrics_line(const MetricsRecord& record);

// Parses one line. Booleans become 0/1, null becomes NaN; nested arrays and
// objects are skipped. Anything but a JSON object throws FormatError(source_name, ...).
MetricsRecord parse_metrics_line(std::string_view line, const std::string& source_name);

// All records of a metrics.jsonl file, in file order; empty when the file does
// not exist yet. Lines that do not parse (a final line cut by a kill, or a torn
// line a resumed job wrote after) are skipped and counted in *skipped_lines.
std::vector<MetricsRecord> read_metrics(const std::string& metrics_path,
                                        std::size_t* skipped_lines = nullptr);

// For readers that poll a growing file: the records of complete lines
// (newline-terminated) starting at byte offset, and the offset just past the
// last complete line, where the next call should start. A file now shorter
// than offset was rewritten (truncate_metrics_after on resume): it is read
// from the start and `restarted` is set, so the caller drops what it had.
struct MetricsChunk {
  std::vector<MetricsRecord> records;
  std::uint64_t next_offset = 0;
  std::size_t skipped_lines = 0;
  bool restarted = false;
};
MetricsChunk read_metrics_since(const std::string& metrics_path, std::uint64_t offset);

} // namespace atelier::run

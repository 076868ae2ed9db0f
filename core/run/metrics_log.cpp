// Writing and tolerant reading of metrics.jsonl lines; see metrics_log.h.
#include "core/run/metrics_log.h"

#include "core/base/error.h"
#include "core/io/json_writer.h"
#include "core/io/atomic_file.h"
#include "core/run/run_json.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

namespace atelier::run {

MetricsRecord& MetricsRecord::add(std::string key, std::int64_t v) {
  fields.emplace_back(std::move(key), v);
  return *this;
}

MetricsRecord& MetricsRecord::add(std::string key, double v) {
  fields.emplace_back(std::move(key), v);
  return *this;
}

MetricsRecord& MetricsRecord::add(std::string key, std::string_view v) {
  fields.emplace_back(std::move(key), std::string(v));
  return *this;
}

const MetricValue* MetricsRecord::find(std::string_view key) const {
  for (std::size_t i = fields.size(); i-- > 0;)
    if (fields[i].first == key) return &fields[i].second;
  return nullptr;
}

std::optional<double> MetricsRecord::number(std::string_view key) const {
  const MetricValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(v)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(v)) return *d;
  return std::nullopt;
}

std::optional<std::int64_t> MetricsRecord::step() const {
  const MetricValue* v = find("step");
  if (v == nullptr) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(v)) return *i;
  return std::nullopt;
}

std::string format_metrics_line(const MetricsRecord& record) {
  JsonWriter w;
  w.begin_object();
  for (const auto& [key, value] : record.fields) {
    w.key(key);
    std::visit([&](const auto& v) { w.value(v); }, value); // JsonWriter writes NaN/Inf as null
  }
  w.end_object();
  return w.str();
}

MetricsRecord parse_metrics_line(std::string_view line, const std::string& source_name) {
  const JsonNode node = parse_json(line, source_name);
  if (node.kind != JsonNode::Kind::object)
    throw FormatError(source_name, "metrics line is not a JSON object");
  MetricsRecord r;
  for (std::size_t i = 0; i < node.keys.size(); ++i) {
    const JsonNode& v = node.items[i];
    switch (v.kind) {
    case JsonNode::Kind::null: r.add(node.keys[i], std::numeric_limits<double>::quiet_NaN()); break;
    case JsonNode::Kind::boolean: r.add(node.keys[i], std::int64_t{v.boolean ? 1 : 0}); break;
    case JsonNode::Kind::integer: r.add(node.keys[i], v.integer); break;
    case JsonNode::Kind::number: r.add(node.keys[i], v.number); break;
    case JsonNode::Kind::string: r.add(node.keys[i], std::string_view(v.text)); break;
    case JsonNode::Kind::array:
    case JsonNode::Kind::object: break;
    }
  }
  return r;
}

namespace {

// Parses the lines of text[begin, end); a final line without a newline is
// taken only when complete_lines_only is false.
MetricsChunk parse_lines(const std::string& text, std::size_t begin, bool complete_lines_only,
                         const std::string& path) {
  MetricsChunk out;
  std::size_t pos = begin;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos && complete_lines_only) break;
    const std::size_t end = nl == std::string::npos ? text.size() : nl;
    std::string_view line(text.data() + pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) {
      try {
        out.records.push_back(parse_metrics_line(line, path));
      } catch (const FormatError&) {
        ++out.skipped_lines;
      }
    }
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  out.next_offset = pos;
  return out;
}

} // namespace

std::vector<MetricsRecord> read_metrics(const std::string& metrics_path,
                                        std::size_t* skipped_lines) {
  const std::optional<std::string> text = read_file_if_exists(metrics_path);
  if (skipped_lines != nullptr) *skipped_lines = 0;
  if (!text) return {};
  MetricsChunk chunk = parse_lines(*text, 0, false, metrics_path);
  if (skipped_lines != nullptr) *skipped_lines = chunk.skipped_lines;
  return std::move(chunk.records);
}

MetricsChunk read_metrics_since(const std::string& metrics_path, std::uint64_t offset) {
  const int fd = ::open(metrics_path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK); // no wait on a pipe
  if (fd < 0) {
    if (errno == ENOENT) return {};
    throw FormatError(metrics_path, std::string("cannot open: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw FormatError(metrics_path, "not a regular file");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const bool restarted = offset > size;
  const std::uint64_t begin = restarted ? 0 : offset;
  // Only what lies past the offset is read, so polling a long run stays cheap.
  std::string text;
  char buf[65536];
  for (std::uint64_t at = begin;;) {
    const ssize_t got = ::pread(fd, buf, sizeof buf, static_cast<off_t>(at));
    if (got < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::string("read error: ") + std::strerror(errno);
      ::close(fd);
      throw FormatError(metrics_path, reason);
    }
    if (got == 0) break;
    text.append(buf, static_cast<std::size_t>(got));
    at += static_cast<std::uint64_t>(got);
  }
  ::close(fd);
  MetricsChunk chunk = parse_lines(text, 0, true, metrics_path);
  chunk.next_offset += begin;
  chunk.restarted = restarted;
  return chunk;
}

} // namespace atelier::run

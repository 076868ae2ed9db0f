// status.json writing and parsing; see run_status.h.
#include "core/run/run_status.h"

#include <unistd.h>

#include "core/base/error.h"
#include "core/io/json_writer.h"
#include "core/run/run_json.h"

#include <array>
#include <cmath>
#include <ctime>

namespace atelier::run {

namespace {
constexpr std::array<std::string_view, 5> kStateNames = {"queued", "running", "done", "failed",
                                                         "stopped"};
}

std::string_view run_state_name(RunState state) {
  const auto i = static_cast<std::size_t>(state) - 1;
  return i < kStateNames.size() ? kStateNames[i] : std::string_view("unknown");
}

std::optional<RunState> parse_run_state(std::string_view name) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i)
    if (kStateNames[i] == name) return static_cast<RunState>(i + 1);
  return std::nullopt;
}

std::string format_utc_time(double unix_s) {
  if (!std::isfinite(unix_s)) return "";
  const auto t = static_cast<std::time_t>(std::floor(unix_s));
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return "";
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string format_status_json(const RunStatus& s) {
  JsonWriter w(2);
  w.begin_object();
  w.key("state").value(run_state_name(s.state));
  w.key("pid").value(s.pid);
  w.key("host").value(s.host);
  w.key("step").value(s.step);
  w.key("total_steps").value(s.total_steps);
  w.key("message").value(s.message);
  w.key("updated").value(format_utc_time(s.updated_unix_s));
  w.key("updated_unix_s").value(s.updated_unix_s);
  w.end_object();
  return w.str() + "\n";
}

RunStatus parse_status_json(std::string_view text, const std::string& source_name) {
  const JsonNode root = parse_json(text, source_name);
  if (root.kind != JsonNode::Kind::object)
    throw FormatError(source_name, "status is not a JSON object");
  auto typed = [&](const char* key, JsonNode::Kind kind, const char* what) -> const JsonNode* {
    const JsonNode* v = root.find(key);
    if (v == nullptr) return nullptr;
    const bool ok = kind == JsonNode::Kind::number ? v->is_number() : v->kind == kind;
    if (!ok) throw FormatError(source_name, std::string("\"") + key + "\" is not " + what);
    return v;
  };
  RunStatus s;
  const JsonNode* state = typed("state", JsonNode::Kind::string, "a string");
  if (state == nullptr) throw FormatError(source_name, "no \"state\"");
  const auto parsed = parse_run_state(state->text);
  if (!parsed) throw FormatError(source_name, "unknown state \"" + state->text + "\"");
  s.state = *parsed;
  if (const JsonNode* v = typed("pid", JsonNode::Kind::integer, "an integer")) s.pid = v->integer;
  if (const JsonNode* v = typed("host", JsonNode::Kind::string, "a string")) s.host = v->text;
  if (const JsonNode* v = typed("step", JsonNode::Kind::integer, "an integer")) s.step = v->integer;
  if (const JsonNode* v = typed("total_steps", JsonNode::Kind::integer, "an integer"))
    s.total_steps = v->integer;
  if (const JsonNode* v = typed("message", JsonNode::Kind::string, "a string")) s.message = v->text;
  if (const JsonNode* v = typed("updated_unix_s", JsonNode::Kind::number, "a number"))
    s.updated_unix_s = v->number;
  return s;
}

std::string host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) return {};
  return host;
}

} // namespace atelier::run

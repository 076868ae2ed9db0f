// The run directory's writer side and the GUI's readers; see run_dir.h.
#include "core/run/run_dir.h"

#include "core/base/error.h"
#include "core/io/atomic_file.h"
#include "core/run/checkpoint.h"
#include "core/run/run_json.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <map>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace fs = std::filesystem;

namespace atelier::run {

namespace {

double now_unix_s() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// run.json must at least be a JSON object; its schema belongs to the recipes.
void check_run_json(std::string_view text, const std::string& source) {
  const JsonNode root = parse_json(text, source);
  if (root.kind != JsonNode::Kind::object)
    throw FormatError(source, "run.json is not a JSON object");
}

// Whether the file at path ends with block (read from its end only).
bool ends_with_block(const std::string& path, const std::string& block) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const off_t size = ::lseek(fd, 0, SEEK_END);
  bool same = false;
  if (size >= static_cast<off_t>(block.size())) {
    std::string tail(block.size(), '\0');
    const off_t at = size - static_cast<off_t>(block.size());
    same = ::pread(fd, tail.data(), tail.size(), at) == static_cast<ssize_t>(tail.size()) &&
           tail == block;
  }
  ::close(fd);
  return same;
}

// Read access too: the metrics writer checks the last byte before appending.
int open_append(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    throw FormatError(path, std::string("cannot open for appending: ") + std::strerror(errno));
  return fd;
}

// One write() per call, so concurrent readers and a kill -9 see whole lines
// or a single torn tail, never interleaved fragments.
void write_all(int fd, std::string_view bytes, const std::string& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t put = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (put < 0) {
      if (errno == EINTR) continue;
      throw FormatError(path, std::string("write error: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(put);
  }
}

void make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw FormatError(path, "cannot create folder: " + ec.message());
}

} // namespace

RunDirectory::RunDirectory(std::string path, std::string run_json)
    : path_(std::move(path)), run_json_(std::move(run_json)) {}

RunDirectory::RunDirectory(RunDirectory&& other) noexcept
    : path_(std::move(other.path_)), run_json_(std::move(other.run_json_)),
      metrics_fd_(std::exchange(other.metrics_fd_, -1)), log_fd_(std::exchange(other.log_fd_, -1)) {
}

RunDirectory& RunDirectory::operator=(RunDirectory&& other) noexcept {
  if (this != &other) {
    close_files();
    path_ = std::move(other.path_);
    run_json_ = std::move(other.run_json_);
    metrics_fd_ = std::exchange(other.metrics_fd_, -1);
    log_fd_ = std::exchange(other.log_fd_, -1);
  }
  return *this;
}

RunDirectory::~RunDirectory() {
  close_files();
}

void RunDirectory::close_files() noexcept {
  if (metrics_fd_ >= 0) ::close(metrics_fd_);
  if (log_fd_ >= 0) ::close(log_fd_);
  metrics_fd_ = -1;
  log_fd_ = -1;
}

void RunDirectory::discard(bool remove_folder) noexcept {
  close_files();
  std::error_code ec;
  for (const std::string& file :
       {path_ + "/run.json", status_path(), metrics_path(), log_path(), checkpoints_dir()})
    fs::remove(file, ec);                   // checkpoints/ only when empty
  if (remove_folder) fs::remove(path_, ec); // only when nothing else is left
}

void RunDirectory::require_new(const std::string& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    if (!fs::is_directory(path, ec)) throw Error(path + ": exists and is not a folder");
    if (!fs::is_empty(path, ec))
      throw Error(path + ": run directory already exists and is not empty; resume it or choose "
                         "another run id");
  }
}

RunDirectory RunDirectory::create(const std::string& path, const std::string& run_json_text) {
  require_new(path);
  check_run_json(run_json_text, path + "/run.json");
  make_dirs(path + "/checkpoints");
  write_file_atomic(path + "/run.json", run_json_text);
  return RunDirectory(path, run_json_text);
}

RunDirectory RunDirectory::open_for_resume(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) throw FormatError(path, "not a run directory (no such folder)");
  const std::string run_json_path = path + "/run.json";
  std::optional<std::string> text = read_file_if_exists(run_json_path);
  if (!text) throw FormatError(path, "not a run directory (no run.json)");
  check_run_json(*text, run_json_path);
  make_dirs(path + "/checkpoints");
  return RunDirectory(path, std::move(*text));
}

void RunDirectory::write_status(const RunStatus& status) {
  RunStatus s = status;
  if (s.pid == 0) s.pid = ::getpid();
  if (s.host.empty()) s.host = host_name();
  if (s.updated_unix_s == 0) s.updated_unix_s = now_unix_s();
  write_file_atomic(status_path(), format_status_json(s));
}

int RunDirectory::metrics_fd() {
  if (metrics_fd_ >= 0) return metrics_fd_;
  const std::string path = metrics_path();
  const int fd = open_append(path);
  // A job killed mid-line leaves a tail without a newline: end it, so the
  // torn line stays one unparseable line that readers skip.
  const off_t size = ::lseek(fd, 0, SEEK_END);
  if (size > 0) {
    char last = '\n';
    if (::pread(fd, &last, 1, size - 1) == 1 && last != '\n') {
      try {
        write_all(fd, "\n", path);
      } catch (...) {
        ::close(fd);
        throw;
      }
    }
  }
  metrics_fd_ = fd;
  return fd;
}

void RunDirectory::append_metrics(const MetricsRecord& record) {
  const int fd = metrics_fd();
  write_all(fd, format_metrics_line(record) + "\n", metrics_path());
}

std::size_t RunDirectory::truncate_metrics_after(std::int64_t step) {
  const std::string path = metrics_path();
  const std::optional<std::string> text = read_file_if_exists(path);
  if (!text) return 0;
  std::string kept, dropped;
  std::size_t dropped_lines = 0;
  kept.reserve(text->size());
  std::size_t pos = 0;
  while (pos < text->size()) {
    const std::size_t nl = text->find('\n', pos);
    const std::size_t end = nl == std::string::npos ? text->size() : nl;
    const std::string_view line(text->data() + pos, end - pos);
    pos = nl == std::string::npos ? text->size() : nl + 1;
    bool keep = true;
    try {
      const MetricsRecord r = parse_metrics_line(line, path);
      const auto s = r.step();
      keep = !(s && *s > step);
    } catch (const FormatError&) {
      keep = false;
    }
    std::string& to = keep ? kept : dropped;
    to.append(line);
    to.push_back('\n');
    dropped_lines += keep ? 0 : 1;
  }
  if (dropped_lines == 0) return 0;
  // Kept before the file is cut: the appending write lands whole or the
  // cut does not happen. A resume that stopped between the two finds its
  // block already at the end of the side file and does not add it twice.
  if (!ends_with_block(dropped_metrics_path(), dropped)) {
    const int dropped_fd = open_append(dropped_metrics_path());
    try {
      write_all(dropped_fd, dropped, dropped_metrics_path());
    } catch (...) {
      ::close(dropped_fd);
      throw;
    }
    ::close(dropped_fd);
  }
  // The appending descriptor would keep writing to the replaced file.
  if (metrics_fd_ >= 0) {
    ::close(metrics_fd_);
    metrics_fd_ = -1;
  }
  write_file_atomic(path, kept);
  return dropped_lines;
}

std::string RunDirectory::set_aside(const std::string& checkpoint) {
  std::string target = checkpoint + ".unreadable";
  std::error_code ec;
  for (int i = 2; fs::exists(target, ec); ++i)
    target = checkpoint + ".unreadable-" + std::to_string(i);
  fs::rename(checkpoint, target, ec);
  if (ec) throw Error("cannot move " + checkpoint + " aside to " + target + ": " + ec.message());
  return target;
}

void RunDirectory::log(std::string_view text) {
  if (log_fd_ < 0) log_fd_ = open_append(log_path());
  const std::string stamp = format_utc_time(now_unix_s()) + " ";
  std::string out;
  std::size_t pos = 0;
  for (bool first = true;; first = false) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {
      if (pos < text.size() || first) out += stamp + std::string(text.substr(pos)) + "\n";
      break;
    }
    out += stamp + std::string(text.substr(pos, nl - pos)) + "\n";
    pos = nl + 1;
  }
  write_all(log_fd_, out, log_path());
}

std::string RunDirectory::checkpoint_path(std::int64_t step) const {
  if (step < 0) throw Error("negative checkpoint step " + std::to_string(step));
  char name[48];
  std::snprintf(name, sizeof name, "step-%06lld.safetensors", static_cast<long long>(step));
  return checkpoints_dir() + "/" + name;
}

std::optional<std::int64_t> checkpoint_step_from_name(std::string_view name) {
  constexpr std::string_view prefix = "step-";
  constexpr std::string_view suffix = ".safetensors";
  if (name.size() < prefix.size() + 6 + suffix.size()) return std::nullopt;
  if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
  if (name.substr(name.size() - suffix.size()) != suffix) return std::nullopt;
  const std::string_view digits =
      name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

namespace {
// Checkpoint-named files of folder with their steps, highest first.
std::vector<std::pair<std::int64_t, std::string>> named_checkpoints(const std::string& folder) {
  std::vector<std::pair<std::int64_t, std::string>> found;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const auto step = checkpoint_step_from_name(name);
    if (step) found.emplace_back(*step, it->path().string());
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  return found;
}
} // namespace

std::optional<std::string> RunDirectory::latest_checkpoint() const {
  for (const auto& [step, path] : named_checkpoints(checkpoints_dir())) {
    const auto stored = probe_checkpoint_step(path);
    if (stored && *stored == step) return path;
  }
  return std::nullopt;
}

std::vector<std::string> RunDirectory::checkpoint_files() const {
  std::vector<std::string> out;
  for (auto& [step, path] : named_checkpoints(checkpoints_dir()))
    out.push_back(std::move(path));
  return out;
}

JsonNode read_run_json(const std::string& run_dir) {
  const std::string path = run_dir + "/run.json";
  const std::optional<std::string> text = read_file_if_exists(path);
  if (!text) throw FormatError(path, "no run.json");
  return parse_json(*text, path);
}

RunStatus read_status(const std::string& run_dir) {
  const std::string path = run_dir + "/status.json";
  const std::optional<std::string> text = read_file_if_exists(path);
  if (!text) throw FormatError(path, "no status.json");
  return parse_status_json(*text, path);
}

std::vector<MetricsRecord> read_run_metrics(const std::string& run_dir,
                                            std::size_t* skipped_lines) {
  return read_metrics(run_dir + "/metrics.jsonl", skipped_lines);
}

namespace {

// Checkpoint files of a run by step (names only; temp files are skipped).
std::map<std::int64_t, std::string> checkpoint_files(const std::string& run_dir) {
  std::map<std::int64_t, std::string> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir + "/checkpoints", ec))
    if (const auto step = checkpoint_step_from_name(entry.path().filename().string()))
      out[*step] = entry.path().string();
  return out;
}

} // namespace

std::optional<std::string> last_checkpoint_file(const std::string& run_dir) {
  const auto files = checkpoint_files(run_dir);
  if (files.empty()) return std::nullopt;
  return files.rbegin()->second;
}

std::optional<std::string> best_checkpoint(const std::string& run_dir) {
  const auto files = checkpoint_files(run_dir);
  if (files.empty()) return std::nullopt;
  std::optional<std::pair<double, std::string>> best;
  for (const MetricsRecord& r : read_run_metrics(run_dir)) {
    const auto step = r.step();
    const auto val = r.number("val_loss");
    if (!step || !val || !std::isfinite(*val)) continue;
    const auto file = files.find(*step);
    if (file != files.end() && (!best || *val < best->first)) best = {{*val, file->second}};
  }
  return best ? best->second : files.rbegin()->second;
}

} // namespace atelier::run

// RunFollower: incremental reading of a run directory.
#include "core/run/run_follower.h"

#include "core/base/error.h"
#include "core/io/atomic_file.h"
#include "core/run/metrics_log.h"
#include "core/run/run_dir.h"
#include "core/run/run_json.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>

namespace atelier::run {
namespace fs = std::filesystem;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

} // namespace

bool process_alive(std::int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::vector<std::string> list_run_dirs(const std::string& runs_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(runs_dir, ec))
    if (entry.is_directory(ec) && fs::exists(entry.path() / "run.json", ec))
      out.push_back(entry.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string log_tail(const std::string& run_dir, std::size_t lines) {
  std::ifstream in(run_dir + "/log.txt");
  if (!in) return {};
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& l : tail)
    out += l + "\n";
  return out;
}

RunFollower::RunFollower(std::string run_dir) : dir_(std::move(run_dir)) {
  summary_.dir = dir_;
  summary_.name = fs::path(dir_).filename().string();
  if (summary_.name.empty()) summary_.name = fs::path(dir_).parent_path().filename().string();
}

void RunFollower::read_run_json() {
  try {
    const JsonNode root = run::read_run_json(dir_);
    if (const JsonNode* r = root.find("recipe"); r && r->kind == JsonNode::Kind::string)
      summary_.recipe = r->text;
    if (const JsonNode* o = root.find("options")) {
      if (const JsonNode* d = o->find("device"); d && d->kind == JsonNode::Kind::string)
        summary_.device = d->text;
      if (const JsonNode* c = o->find("crop"); c && c->is_number() && c->number > 0)
        summary_.pixels_per_image = c->number * c->number;
    }
    have_run_json_ = true;
  } catch (const Error&) {
    // Written once at launch; a run without it is shown by name only.
  }
}

bool RunFollower::poll() {
  bool changed = false;
  if (!have_run_json_) read_run_json();
  // status.json: small, re-read every poll (time stamps are too coarse to
  // tell two quick rewrites apart).
  const std::string status_path = dir_ + "/status.json";
  try {
    if (const auto text = read_file_if_exists(status_path)) { // absent: still queued
      if (*text != last_status_text_) {
        summary_.status = parse_status_json(*text, status_path);
        last_status_text_ = *text;
        changed = true;
      }
      status_problem_.clear();
    }
  } catch (const Error& e) {
    status_problem_ = e.what();
  }
  // metrics.jsonl: complete new lines only.
  try {
    MetricsChunk chunk = read_metrics_since(dir_ + "/metrics.jsonl", offset_);
    if (chunk.restarted) { // rewritten on resume: start over
      series_.clear();
      records_ = 0;
      summary_.best_val_loss.reset();
      changed = true;
    }
    offset_ = chunk.next_offset;
    skipped_ += chunk.skipped_lines;
    for (const MetricsRecord& r : chunk.records) {
      const auto step = r.step();
      if (!step) continue;
      const double t = r.number("time_s").value_or(NAN);
      for (const auto& [key, value] : r.fields) {
        if (key == "step" || key == "time_s") continue;
        const auto v = r.number(key);
        if (!v) continue;
        MetricSeries& s = series_[key];
        s.step.push_back(double(*step));
        s.time_s.push_back(t);
        s.value.push_back(*v);
        if (key == "images_per_s" && summary_.pixels_per_image > 0) {
          MetricSeries& mp = series_["megapixels_per_s"];
          mp.step.push_back(double(*step));
          mp.time_s.push_back(t);
          mp.value.push_back(*v * summary_.pixels_per_image / 1e6);
        }
      }
      if (const auto v = r.number("val_loss"); v && std::isfinite(*v))
        if (!summary_.best_val_loss || *v < *summary_.best_val_loss) summary_.best_val_loss = *v;
      if (const auto v = r.number("images_per_s"); v && std::isfinite(*v))
        summary_.images_per_s = *v;
      ++records_;
      changed = true;
    }
    metrics_problem_.clear();
  } catch (const Error& e) {
    metrics_problem_ = e.what();
  }
  const auto before = summary_.state;
  const auto before_problem = summary_.problem;
  summary_.problem = status_problem_.empty() ? metrics_problem_ : status_problem_;
  update_state();
  return changed || before != summary_.state || before_problem != summary_.problem;
}

void RunFollower::update_state() {
  const RunStatus& s = summary_.status;
  summary_.state = s.state;
  summary_.total_steps = s.total_steps;
  summary_.step = s.step;
  // The latest step in the metrics may be ahead of status.json.
  for (const auto& [name, series] : series_)
    if (!series.step.empty())
      summary_.step = std::max<std::int64_t>(summary_.step, std::int64_t(series.step.back()));
  const bool live = s.state == RunState::running || s.state == RunState::queued;
  if (live && s.pid > 0) {
    if (s.host.empty() || s.host == host_name()) {
      if (!process_alive(s.pid)) {
        summary_.state = RunState::failed;
        summary_.problem = "the training process (pid " + std::to_string(s.pid) +
                           ") ended without writing a final status";
      }
    } else if (s.updated_unix_s > 0 && now_s() - s.updated_unix_s > stale_after_s) {
      summary_.problem = "no word from " + s.host + " for " +
                         std::to_string(int((now_s() - s.updated_unix_s) / 60)) + " min";
    }
  }
  // ETA from the pace so far.
  summary_.eta_s.reset();
  if (summary_.state == RunState::running && summary_.total_steps > summary_.step &&
      summary_.step > 0) {
    for (const auto& [name, series] : series_) {
      if (series.time_s.empty() || !std::isfinite(series.time_s.back())) continue;
      const double per_step = series.time_s.back() / series.step.back();
      summary_.eta_s = per_step * double(summary_.total_steps - summary_.step);
      break;
    }
  }
}

} // namespace atelier::run

// Progress line formatting and the throttled printer; see progress_bar.h.
#include "core/run/progress_bar.h"

#include <algorithm>
#include <cmath>
#include <unistd.h>

namespace atelier::run {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds >= 100.0 * 86400) return ">99d";
  const auto s = static_cast<std::int64_t>(seconds);
  const std::int64_t days = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  char buf[48];
  if (days > 0)
    std::snprintf(buf, sizeof buf, "%lldd %lld:%02lld:%02lld", static_cast<long long>(days),
                  static_cast<long long>(h), static_cast<long long>(m),
                  static_cast<long long>(sec));
  else if (h > 0)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(h),
                  static_cast<long long>(m), static_cast<long long>(sec));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(m),
                  static_cast<long long>(sec));
  return buf;
}

std::string format_progress(std::int64_t done, std::int64_t total, double elapsed_s,
                            std::string_view extra, int width) {
  done = std::max<std::int64_t>(done, 0);
  const bool rate_known = std::isfinite(elapsed_s) && elapsed_s > 0 && done > 0;
  const double rate = rate_known ? static_cast<double>(done) / elapsed_s : 0.0;
  char buf[64];
  if (!rate_known)
    std::snprintf(buf, sizeof buf, "? it/s");
  else if (rate >= 1.0)
    std::snprintf(buf, sizeof buf, "%.1f it/s", rate);
  else
    std::snprintf(buf, sizeof buf, "%.1f s/it", 1.0 / rate);
  const std::string rate_text = buf;

  std::string out;
  if (total <= 0) {
    out = std::to_string(done) + " it  " + rate_text;
  } else {
    const std::int64_t shown = std::min(done, total);
    // long double: done * 100 or done * width must not overflow for huge counts.
    const auto frac = static_cast<long double>(shown) / static_cast<long double>(total);
    if (width > 0) {
      const auto filled = std::min<std::int64_t>(
          width, static_cast<std::int64_t>(std::floor(frac * static_cast<long double>(width))));
      out = "[" + std::string(static_cast<std::size_t>(filled), '#') +
            std::string(static_cast<std::size_t>(width - filled), '.') + "]  ";
    }
    const auto pct = static_cast<int>(std::floor(frac * 100.0L));
    std::string eta = "?";
    if (done >= total)
      eta = format_duration(0);
    else if (rate_known)
      eta = format_duration(static_cast<double>(total - done) / rate);
    out += std::to_string(done) + "/" + std::to_string(total) + "  " + std::to_string(pct) + "%  " +
           rate_text + "  ETA " + eta;
  }
  if (!extra.empty()) {
    out += "  ";
    out += extra;
  }
  return out;
}

ProgressPrinter::ProgressPrinter(std::int64_t total, std::FILE* out, Mode mode, int bar_width,
                                 int plain_every_percent)
    : total_(total), out_(out), bar_width_(bar_width),
      plain_every_percent_(std::clamp(plain_every_percent, 1, 100)),
      start_(std::chrono::steady_clock::now()) {
  tty_ =
      mode == Mode::tty || (mode == Mode::automatic && out != nullptr && ::isatty(::fileno(out)));
}

void ProgressPrinter::update(std::int64_t done, std::string_view extra) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  update_at(done, elapsed, extra);
}

void ProgressPrinter::draw(const std::string& line) {
  if (out_ == nullptr) return;
  if (tty_) {
    // Blank out what a longer previous line left behind.
    const std::size_t pad = last_len_ > line.size() ? last_len_ - line.size() : 0;
    std::fprintf(out_, "\r%s%s", line.c_str(), std::string(pad, ' ').c_str());
    last_len_ = line.size();
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

void ProgressPrinter::update_at(std::int64_t done, double elapsed_s, std::string_view extra) {
  if (finished_) return;
  done_ = done;
  elapsed_s_ = elapsed_s;
  extra_.assign(extra);
  have_update_ = true;
  bool show = false;
  if (tty_) {
    const bool complete = total_ > 0 && done >= total_;
    show = last_draw_s_ < 0 || elapsed_s - last_draw_s_ >= 0.1 || complete;
  } else {
    std::int64_t bucket = 0;
    if (total_ > 0) {
      const auto frac = static_cast<long double>(std::clamp<std::int64_t>(done, 0, total_)) /
                        static_cast<long double>(total_);
      bucket = static_cast<std::int64_t>(std::floor(frac * 100.0L)) / plain_every_percent_;
    } else {
      bucket = static_cast<std::int64_t>(std::max(0.0, elapsed_s) / 30.0);
    }
    show = bucket > last_bucket_;
    if (show) last_bucket_ = bucket;
  }
  if (show) {
    draw(format_progress(done_, total_, elapsed_s_, extra_, bar_width_));
    last_draw_s_ = elapsed_s;
  }
  shown_last_update_ = show;
}

void ProgressPrinter::finish() {
  if (finished_) return;
  finished_ = true;
  if (have_update_ && !shown_last_update_)
    draw(format_progress(done_, total_, elapsed_s_, extra_, bar_width_));
  if (tty_ && have_update_ && out_ != nullptr) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
}

} // namespace atelier::run

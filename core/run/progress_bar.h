// A one-line progress display for the command line: redrawn in place on a
// terminal, printed as plain lines every few percent when output goes to a
// log file (a Slurm job's stdout, a pipe).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace atelier::run {

// "[########..........]  450/1000  45%  12.3 it/s  ETA 0:44  loss 0.0123":
// width cells of bar ('#' done, '.' to do; no bar when width <= 0), percent
// rounded down, rate as "x it/s" or "x s/it" below one step a second, ETA as
// M:SS, H:MM:SS or "Nd H:MM:SS" ("?" while unknown, ">99d" beyond), then
// extra. With total <= 0 (unknown) only "450 it  12.3 it/s  <extra>".
std::string format_progress(std::int64_t done, std::int64_t total, double elapsed_s,
                            std::string_view extra, int width);

// Seconds as M:SS / H:MM:SS / "Nd H:MM:SS"; "?" when negative or not finite, ">99d" beyond.
std::string format_duration(double seconds);

class ProgressPrinter {
public:
  enum class Mode : std::uint8_t { automatic = 1, tty, plain };

  // automatic: tty when out is a terminal (isatty), plain otherwise. In tty
  // mode the line is redrawn with '\r' at most every 100 ms; in plain mode a
  // line is printed each time progress passes another plain_every_percent
  // (every 30 s when the total is unknown).
  explicit ProgressPrinter(std::int64_t total, std::FILE* out = stderr, Mode mode = Mode::automatic,
                           int bar_width = 30, int plain_every_percent = 10);

  // Elapsed time measured from construction.
  void update(std::int64_t done, std::string_view extra = {});
  // Elapsed time given (tests, replays).
  void update_at(std::int64_t done, double elapsed_s, std::string_view extra = {});
  // Shows the last update if it was held back, and ends the line.
  void finish();

  bool tty() const { return tty_; }

private:
  void draw(const std::string& line);

  std::int64_t total_ = 0;
  std::FILE* out_ = nullptr;
  bool tty_ = false;
  int bar_width_ = 30;
  int plain_every_percent_ = 10;
  std::chrono::steady_clock::time_point start_;
  // Last update, and what was last shown.
  std::int64_t done_ = 0;
  double elapsed_s_ = 0;
  std::string extra_;
  bool have_update_ = false;
  bool shown_last_update_ = true;
  double last_draw_s_ = -1;
  std::int64_t last_bucket_ = -1;
  std::size_t last_len_ = 0;
  bool finished_ = false;
};

} // namespace atelier::run

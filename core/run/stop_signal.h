// Graceful stop of a training job: SIGTERM (Slurm, kill, the GUI's stop
// button) and SIGINT (Ctrl-C) set a flag the training loop polls, so it can
// write a checkpoint and status "stopped" before exiting. A second Ctrl-C
// gets the default action, so a user can always force-quit.
#pragma once

#include <csignal>

namespace atelier::run {

// Installs the handlers (SIGINT with SA_RESETHAND). Does not clear the flag.
void install_stop_handlers();
// True once SIGTERM or SIGINT arrived since the last clear.
bool stop_requested();
// The signal that requested the stop (the first one); 0 when none.
int stop_signal_number();
void clear_stop_request();

// Installs the handlers and clears the flag; the destructor puts back the
// handlers that were there before. Not for nesting across threads.
class StopSignalGuard {
public:
  StopSignalGuard();
  ~StopSignalGuard();
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;

private:
  struct sigaction old_term_ {};
  struct sigaction old_int_ {};
};

} // namespace atelier::run

// The app's log file and crash reports, in the user's data folder:
// logs/atelier.log (Qt messages and the jobs' log; the previous file kept as
// atelier.log.1 once it passes 4 MiB) and crashes/crash-<pid>.txt (the
// signal and a backtrace, written from the signal handler).
#pragma once

#include <QString>

namespace atelier {

struct LogPaths {
  QString log_file, crash_dir;
};
LogPaths log_paths();

// Routes Qt's messages to the log file (and stderr) and installs the crash
// handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT; each writes its
// report and re-raises with the default action.
void install_app_log();

} // namespace atelier

// Log file and crash reports (see app_log.h).
#include "app/gui/app_log.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QStandardPaths>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>

#include <execinfo.h>
#include <fcntl.h>
#include <unistd.h>

namespace atelier {
namespace {

constexpr qint64 kRotateBytes = qint64{4} << 20;
QFile* g_log = nullptr;
QMutex g_log_mutex;
char g_crash_path[4096] = {};

void write_text(int fd, const char* text) {
  ssize_t unused = ::write(fd, text, std::strlen(text));
  (void)unused;
}

// Async-signal-safe: open, write and backtrace_symbols_fd only (backtrace
// itself was warmed up at install time, so it does not allocate here).
extern "C" void on_crash(int sig) {
  const int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    write_text(fd, "Atelier " ATELIER_VERSION " crashed with signal ");
    char number[16];
    int n = 0;
    for (int v = sig; v > 0 && n < 15; v /= 10)
      number[n++] = char('0' + v % 10);
    for (int i = n - 1; i >= 0; --i) {
      const char c[2] = {number[i], 0};
      write_text(fd, c);
    }
    write_text(fd, " (");
    write_text(fd, sig == SIGSEGV   ? "SIGSEGV"
                   : sig == SIGBUS  ? "SIGBUS"
                   : sig == SIGFPE  ? "SIGFPE"
                   : sig == SIGILL  ? "SIGILL"
                   : sig == SIGABRT ? "SIGABRT"
                                    : "signal");
    write_text(fd, ")\nbacktrace:\n");
    void* frames[64];
    const int depth = backtrace(frames, 64);
    backtrace_symbols_fd(frames, depth, fd);
    ::close(fd);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void message_handler(QtMsgType type, const QMessageLogContext&, const QString& message) {
  static const char* names[] = {"debug", "warning", "critical", "fatal", "info"};
  const QByteArray line = (QDateTime::currentDateTime().toString(Qt::ISODateWithMs) + ' ' +
                           names[std::min<int>(type, 4)] + ": " + message + '\n')
                              .toUtf8();
  std::fputs(line.constData() + 24, stderr); // without the date
  QMutexLocker lock(&g_log_mutex);
  if (g_log) {
    g_log->write(line);
    g_log->flush();
  }
}

} // namespace

LogPaths log_paths() {
  const QString base = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation);
  return {base + "/logs/atelier.log", base + "/crashes"};
}

void install_app_log() {
  const LogPaths paths = log_paths();
  QDir().mkpath(QFileInfo(paths.log_file).path());
  QDir().mkpath(paths.crash_dir);
  if (QFileInfo(paths.log_file).size() > kRotateBytes) {
    QFile::remove(paths.log_file + ".1");
    QFile::rename(paths.log_file, paths.log_file + ".1");
  }
  static QFile log(paths.log_file);
  if (log.open(QIODevice::Append | QIODevice::Text)) g_log = &log;
  qInstallMessageHandler(message_handler);

  const QByteArray crash =
      (paths.crash_dir + QString("/crash-%1.txt").arg(QCoreApplication::applicationPid()))
          .toLocal8Bit();
  std::snprintf(g_crash_path, sizeof g_crash_path, "%s", crash.constData());
  void* warm[1];
  backtrace(warm, 1); // loads libgcc now, not inside the handler
  for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
    std::signal(sig, on_crash);
}

} // namespace atelier

// Signal handlers for a graceful stop; see stop_signal.h. The handler only
// touches lock-free atomics, which is async-signal-safe.
#include "core/run/stop_signal.h"

#include <atomic>

namespace atelier::run {

namespace {

std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  int expected = 0;
  // Keep the first signal: a SIGINT after SIGTERM should not hide why we stopped.
  g_stop_signal.compare_exchange_strong(expected, sig, std::memory_order_relaxed);
}

void install_one(int sig, struct sigaction* old) {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  // SA_RESETHAND on SIGINT: the first Ctrl-C asks, the second one kills.
  sa.sa_flags = SA_RESTART | (sig == SIGINT ? SA_RESETHAND : 0);
  ::sigaction(sig, &sa, old);
}

} // namespace

void install_stop_handlers() {
  install_one(SIGTERM, nullptr);
  install_one(SIGINT, nullptr);
}

bool stop_requested() {
  return g_stop_signal.load(std::memory_order_relaxed) != 0;
}

int stop_signal_number() {
  return g_stop_signal.load(std::memory_order_relaxed);
}

void clear_stop_request() {
  g_stop_signal.store(0, std::memory_order_relaxed);
}

StopSignalGuard::StopSignalGuard() {
  clear_stop_request();
  install_one(SIGTERM, &old_term_);
  install_one(SIGINT, &old_int_);
}

StopSignalGuard::~StopSignalGuard() {
  ::sigaction(SIGTERM, &old_term_, nullptr);
  ::sigaction(SIGINT, &old_int_, nullptr);
}

} // namespace atelier::run

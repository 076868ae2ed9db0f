#include "core/io/file_mapping.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <sys/mman.h>
#include <unistd.h>

namespace atelier {
namespace {

// The live mappings, read by the signal handler without locks: a slot is
// claimed through `used`, then its range published (end first, begin last);
// released in the reverse order.
struct Slot {
  std::atomic<bool> used{false};
  std::atomic<std::uintptr_t> begin{0}, end{0};
  std::atomic<bool> damaged{false};
};
Slot slots[FileMapping::kSlots];
static_assert(std::atomic<std::uintptr_t>::is_always_lock_free);

struct sigaction previous_action;
std::once_flag install_once;
bool installed = false;
std::uintptr_t page_bytes = 4096; // set before the handler is installed

// SIGBUS raised by the kernel for an access inside a live mapping (a page
// past the end of a file cut short): the page is replaced by a zero page,
// the mapping marked damaged, and the access retried. Anything else goes to
// the previous disposition, or ends the process as SIGBUS does by default.
void on_sigbus(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  if (info && info->si_code == BUS_ADRERR) {
    const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
    for (Slot& s : slots) {
      // begin is read again after end: a slot released and claimed again in
      // between is skipped rather than read as a torn range.
      const std::uintptr_t b = s.begin.load(std::memory_order_acquire);
      if (b == 0 || addr < b) continue;
      const std::uintptr_t e = s.end.load(std::memory_order_acquire);
      if (addr >= e || s.begin.load(std::memory_order_acquire) != b) continue;
      void* at = reinterpret_cast<void*>(addr & ~(page_bytes - 1));
      if (::mmap(at, page_bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
          MAP_FAILED)
        break;
      s.damaged.store(true, std::memory_order_relaxed);
      errno = saved_errno;
      return;
    }
  }
  errno = saved_errno;
  if (previous_action.sa_flags & SA_SIGINFO) {
    if (previous_action.sa_sigaction) return previous_action.sa_sigaction(sig, info, context);
  } else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN) {
    return previous_action.sa_handler(sig);
  }
  ::signal(SIGBUS, SIG_DFL);
  ::raise(SIGBUS);
}

void install_handler() {
  page_bytes = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  // The previous disposition is read before ours replaces it, so a SIGBUS
  // arriving meanwhile never finds it unset.
  if (::sigaction(SIGBUS, nullptr, &previous_action) != 0) return;
  struct sigaction sa {};
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  installed = ::sigaction(SIGBUS, &sa, nullptr) == 0;
}

int claim_slot() {
  for (int i = 0; i < FileMapping::kSlots; ++i) {
    bool expected = false;
    if (slots[i].used.compare_exchange_strong(expected, true, std::memory_order_acquire)) return i;
  }
  return -1;
}

} // namespace

std::shared_ptr<const FileMapping> FileMapping::map(int fd, std::uint64_t offset, std::size_t n) {
  if (n == 0) return nullptr;
  std::call_once(install_once, install_handler);
  if (!installed) return nullptr;
  // Made first: from here on its destructor releases whatever it holds.
  std::shared_ptr<FileMapping> m(new FileMapping);
  m->slot_ = claim_slot();
  if (m->slot_ < 0) return nullptr;
  const std::uint64_t start = offset - offset % page_bytes;
  const auto length = static_cast<std::size_t>(offset - start) + n;
  // Populated up front: one call maps every page already in the page cache,
  // instead of a fault per page.
  void* base =
      ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, static_cast<off_t>(start));
  if (base == MAP_FAILED) return nullptr;
  m->base_ = base;
  m->length_ = length;
  m->data_ = static_cast<const std::uint8_t*>(base) + (offset - start);
  m->size_ = n;
  Slot& s = slots[m->slot_];
  s.damaged.store(false, std::memory_order_relaxed);
  s.end.store(reinterpret_cast<std::uintptr_t>(base) + length, std::memory_order_release);
  s.begin.store(reinterpret_cast<std::uintptr_t>(base), std::memory_order_release);
  return m;
}

bool FileMapping::intact() const {
  return !slots[slot_].damaged.load(std::memory_order_relaxed);
}

FileMapping::~FileMapping() {
  if (slot_ < 0) return;
  Slot& s = slots[slot_];
  s.begin.store(0, std::memory_order_release);
  if (base_) ::munmap(base_, length_);
  s.used.store(false, std::memory_order_release);
}

} // namespace atelier

// The project writer lock (see writer_lock.h).
#include "core/project/writer_lock.h"

#include "core/base/error.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sstream>
#include <sys/file.h>
#include <unistd.h>
#include <utility>

namespace atelier::project {

namespace {

constexpr const char* kLockFile = "writer.lock";

std::string now_iso() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown host";
  return name;
}

// "key=value" lines; unknown keys are ignored. At most 4 KiB is read.
LockHolder parse_holder(const std::string& text) {
  LockHolder h;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "pid")
      h.pid = std::strtoll(value.c_str(), nullptr, 10);
    else if (key == "host")
      h.host = value;
    else if (key == "program")
      h.program = value;
    else if (key == "since")
      h.since = value;
  }
  return h;
}

std::string read_small(int fd) {
  std::string text(4096, '\0');
  const ssize_t n = pread(fd, text.data(), text.size(), 0);
  text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return text;
}

} // namespace

std::string LockHolder::describe() const {
  std::string out = program.empty() ? std::string("another Atelier") : program;
  out += " (pid " + std::to_string(pid);
  if (!host.empty()) out += " on " + host;
  if (!since.empty()) out += ", since " + since;
  return out + ")";
}

std::optional<WriterLock> WriterLock::try_acquire(const std::filesystem::path& dir,
                                                  const std::string& program) {
  const std::string path = (dir / kLockFile).string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw Error("cannot create the writer lock " + path + ": " + std::strerror(errno));
  WriterLock lock(fd);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return std::nullopt;
    throw Error("cannot lock " + path + ": " + std::strerror(errno));
  }
  const std::string text = "pid=" + std::to_string(getpid()) + "\nhost=" + host_name() +
                           "\nprogram=" + program + "\nsince=" + now_iso() + "\n";
  // The text is informative only: a failure to write it leaves the lock held.
  const bool written = ftruncate(fd, 0) == 0 &&
                       pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size());
  (void)written;
  return lock;
}

std::optional<LockHolder> WriterLock::holder(const std::filesystem::path& dir) {
  const std::string path = (dir / kLockFile).string();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt; // never locked
  std::optional<LockHolder> out;
  // A shared lock we can take means no writer holds it.
  if (flock(fd, LOCK_SH | LOCK_NB) == 0)
    flock(fd, LOCK_UN);
  else if (errno == EWOULDBLOCK)
    out = parse_holder(read_small(fd));
  ::close(fd);
  return out;
}

WriterLock::WriterLock(WriterLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

WriterLock& WriterLock::operator=(WriterLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

WriterLock::~WriterLock() {
  if (fd_ >= 0) ::close(fd_); // closing the last descriptor drops the lock
}

std::string why_read_only(const std::filesystem::path& dir) {
  if (const auto h = WriterLock::holder(dir))
    return dir.string() + " is open for writing in " + h->describe();
  return why_unwritable(dir);
}

std::string why_unwritable(const std::filesystem::path& dir) {
  if (::access(dir.c_str(), W_OK) != 0)
    return dir.string() + " is in a folder this account cannot write";
  if (::access((dir / "project.sqlite").c_str(), W_OK) != 0)
    return (dir / "project.sqlite").string() + " is not writable";
  return {};
}

} // namespace atelier::project

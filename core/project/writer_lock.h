// The writer lock of a project folder: one interactive Atelier edits a
// project at a time; another opens it read-only and can say who holds it.
// An advisory flock() on NAME.atelier/writer.lock, which the kernel drops
// with the process (a crash leaves no stale lock); the file's text names the
// holder (pid, host, program, since). Command-line writes and job processes
// do not take it: SQLite's own locking keeps them consistent.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace atelier::project {

struct LockHolder {
  std::int64_t pid = 0;
  std::string host, program, since; // since: ISO 8601 UTC
  // "atelier (pid 4242 on hostname, since 2026-11-23T12:00:00Z)"
  std::string describe() const;
};

class WriterLock {
public:
  // Takes the lock for this process, or nullopt when another holder has it
  // (another process, or another WriterLock of this one). Throws Error
  // naming the file when it cannot be created (a read-only folder).
  static std::optional<WriterLock> try_acquire(const std::filesystem::path& project_dir,
                                               const std::string& program);
  // Who holds the lock now, or nullopt when it is free (or unreadable).
  static std::optional<LockHolder> holder(const std::filesystem::path& project_dir);

  WriterLock(WriterLock&& other) noexcept;
  WriterLock& operator=(WriterLock&& other) noexcept;
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;
  ~WriterLock();

private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Why a project cannot be opened for writing here, or "" when it can: its
// lock is held (by whom), or its folder or database is not writable.
std::string why_read_only(const std::filesystem::path& project_dir);
// The second half of that: why the folder or database is not writable.
std::string why_unwritable(const std::filesystem::path& project_dir);

} // namespace atelier::project

#include "core/io/byte_source.h"

#include "core/base/error.h"
#include "core/io/file_mapping.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace atelier {

std::vector<std::uint8_t> ByteSource::read_vector(std::uint64_t offset, std::size_t n) const {
  check_range(offset, n);
  std::vector<std::uint8_t> out(n);
  if (n) read_at(offset, out.data(), n);
  return out;
}

std::vector<std::uint8_t> ByteSource::read_rest(std::uint64_t offset) const {
  if (offset > size()) fail("truncated: offset " + std::to_string(offset) + " is past the end");
  return read_vector(offset, static_cast<std::size_t>(size() - offset));
}

void ByteSource::check_range(std::uint64_t offset, std::size_t n) const {
  if (offset > size() || n > size() - offset)
    fail("truncated: needs " + std::to_string(n) + " bytes at offset " + std::to_string(offset) +
         " but only " + std::to_string(size()) + " bytes exist");
}

void ByteSource::fail(const std::string& reason) const {
  throw FormatError(name(), reason);
}

std::shared_ptr<const FileMapping> ByteSource::map(std::uint64_t offset, std::size_t n) const {
  check_range(offset, n);
  return nullptr;
}

std::shared_ptr<const FileMapping> FileSource::map(std::uint64_t offset, std::size_t n) const {
  check_range(offset, n);
  return FileMapping::map(fd_, offset, n);
}

FileSource::FileSource(std::string path) : path_(std::move(path)) {
  // O_NONBLOCK: a named pipe opens at once (and is refused below) instead of
  // waiting for a writer; regular files ignore it.
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) throw FormatError(path_, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw FormatError(path_, "not a regular file");
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

void FileSource::read_at(std::uint64_t offset, void* dst, std::size_t n) const {
  check_range(offset, n);
  auto* out = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t got = ::pread(fd_, out, n, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      fail(std::string("read error: ") + std::strerror(errno));
    }
    if (got == 0) fail("truncated: file shrank while reading");
    out += got;
    offset += static_cast<std::uint64_t>(got);
    n -= static_cast<std::size_t>(got);
  }
}

MemorySource::MemorySource(std::string name, const std::uint8_t* data, std::size_t size)
    : name_(std::move(name)), data_(data), size_(size) {}

MemorySource::MemorySource(std::string name, std::vector<std::uint8_t> owned)
    : name_(std::move(name)), owned_(std::move(owned)), data_(owned_.data()), size_(owned_.size()) {
}

void MemorySource::read_at(std::uint64_t offset, void* dst, std::size_t n) const {
  check_range(offset, n);
  if (n) std::memcpy(dst, data_ + offset, n);
}

std::unique_ptr<ByteSource> open_file_source(const std::string& path) {
  return std::make_unique<FileSource>(path);
}

} // namespace atelier

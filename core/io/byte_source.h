// Random-access byte sources for the readers Atelier implements itself (MRC,
// STAR, PLY, PCD, XYZ, LAS). Files are read with pread, so a frame of a large
// movie is read without loading the rest; fuzz targets and tests read from
// memory through the same interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace atelier {

class FileMapping;

class ByteSource {
public:
  virtual ~ByteSource() = default;
  // The name used in error messages (the path for files).
  virtual const std::string& name() const = 0;
  virtual std::uint64_t size() const = 0;
  // Reads exactly n bytes at offset or throws FormatError ("truncated ...").
  virtual void read_at(std::uint64_t offset, void* dst, std::size_t n) const = 0;

  // Reads [offset, offset + n) into a new buffer; n is checked against size().
  std::vector<std::uint8_t> read_vector(std::uint64_t offset, std::size_t n) const;
  // Everything from offset to the end (bounded by the source size).
  std::vector<std::uint8_t> read_rest(std::uint64_t offset) const;
  // Throws FormatError ("truncated ...") unless [offset, offset + n) lies inside.
  void check_range(std::uint64_t offset, std::size_t n) const;
  // Throws FormatError naming this source.
  [[noreturn]] void fail(const std::string& reason) const;
  // [offset, offset + n) in place (a file mapping), or null when this source
  // cannot offer it; read_at always works. n is checked against size().
  virtual std::shared_ptr<const FileMapping> map(std::uint64_t offset, std::size_t n) const;
};

// A file opened read-only; thread-safe reads (pread).
class FileSource final : public ByteSource {
public:
  explicit FileSource(std::string path); // throws FormatError if it cannot be opened
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  const std::string& name() const override { return path_; }
  std::uint64_t size() const override { return size_; }
  void read_at(std::uint64_t offset, void* dst, std::size_t n) const override;
  std::shared_ptr<const FileMapping> map(std::uint64_t offset, std::size_t n) const override;

private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// Bytes held in memory (fuzzing, tests, decompressed payloads).
class MemorySource final : public ByteSource {
public:
  MemorySource(std::string name, const std::uint8_t* data, std::size_t size); // not copied
  MemorySource(std::string name, std::vector<std::uint8_t> owned);

  const std::string& name() const override { return name_; }
  std::uint64_t size() const override { return size_; }
  void read_at(std::uint64_t offset, void* dst, std::size_t n) const override;

private:
  std::string name_;
  std::vector<std::uint8_t> owned_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

std::unique_ptr<ByteSource> open_file_source(const std::string& path);

} // namespace atelier

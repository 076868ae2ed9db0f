// Read-only file mappings for pixels read in place (no copy out of the page
// cache). A mapped page whose file was truncated by another process would
// raise SIGBUS on access; a process-wide handler turns such a page of a live
// mapping into zeros instead and marks the mapping damaged, so a file
// rewritten during import fails that one item rather than the process.
#pragma once

#include "core/data/image.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace atelier {

class FileMapping final : public PixelStore {
public:
  // Maps [offset, offset + n) of the open file fd (n > 0), or returns null
  // when it cannot (mmap refused, every guard slot in use): callers then
  // read the bytes instead.
  static std::shared_ptr<const FileMapping> map(int fd, std::uint64_t offset, std::size_t n);
  ~FileMapping() override;
  FileMapping(const FileMapping&) = delete;
  FileMapping& operator=(const FileMapping&) = delete;

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool intact() const override;

  // How many mappings may be live at once (the guard's table size).
  static constexpr int kSlots = 256;

private:
  FileMapping() = default;
  void* base_ = nullptr;
  std::size_t length_ = 0;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  int slot_ = -1;
};

} // namespace atelier

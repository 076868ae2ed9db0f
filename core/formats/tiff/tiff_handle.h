// An open libtiff handle that drops libtiff's warnings and keeps its first
// error text, so every failure becomes one FormatError naming the file and
// libtiff's reason instead of chatter on stderr.
#pragma once

#include <cstdint>
#include <string>

typedef struct tiff TIFF; // as in tiffio.h, which callers of this header need not include

namespace atelier {

class TiffHandle {
public:
  // Opens path read-only; throws FormatError when libtiff cannot.
  explicit TiffHandle(const std::string& path);
  ~TiffHandle();
  TiffHandle(const TiffHandle&) = delete;
  TiffHandle& operator=(const TiffHandle&) = delete;

  TIFF* get() const { return tif_; }
  const std::string& path() const { return path_; }
  std::uint64_t file_size() const { return file_size_; }

  // Throws FormatError with libtiff's first error since the last clear, after
  // `what` ("reading strip 3"); `what` alone when libtiff said nothing.
  [[noreturn]] void fail(const std::string& what) const;
  void clear_error() { error_.clear(); }
  bool has_error() const { return !error_.empty(); }

private:
  std::string path_;
  std::string error_;
  std::uint64_t file_size_ = 0;
  TIFF* tif_ = nullptr;
};

} // namespace atelier

// A 2D raster with one or more channels (bands), stored interleaved
// (pixel-major: c fastest, then x, then y) in its original element type.
#pragma once

#include "core/base/dtype.h"
#include "core/data/metadata.h"
#include "core/data/pixel_size.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace atelier {

class Image {
public:
  Image() = default;
  // Allocates zeroed pixels; throws Error on non-positive or overflowing sizes.
  Image(std::int64_t width, std::int64_t height, std::int64_t channels, DType dtype);

  std::int64_t width() const { return width_; }
  std::int64_t height() const { return height_; }
  std::int64_t channels() const { return channels_; }
  DType dtype() const { return dtype_; }
  std::size_t pixel_count() const { return static_cast<std::size_t>(width_ * height_); }
  std::size_t value_count() const { return pixel_count() * static_cast<std::size_t>(channels_); }
  std::size_t byte_size() const { return bytes_.size(); }
  std::size_t row_bytes() const;

  std::uint8_t* bytes() { return bytes_.data(); }
  const std::uint8_t* bytes() const { return bytes_.data(); }
  template <typename T>
  std::span<T> values() {
    return {reinterpret_cast<T*>(bytes_.data()), bytes_.size() / sizeof(T)};
  }
  template <typename T>
  std::span<const T> values() const {
    return {reinterpret_cast<const T*>(bytes_.data()), bytes_.size() / sizeof(T)};
  }

  Spacing spacing;
  Metadata metadata;

private:
  std::int64_t width_ = 0;
  std::int64_t height_ = 0;
  std::int64_t channels_ = 0;
  DType dtype_ = DType::u8;
  std::vector<std::uint8_t> bytes_;
};

// Number of bytes for count elements of dtype; throws Error on overflow or
// when above max_bytes (a guard against absurd header dimensions).
std::size_t checked_byte_count(std::initializer_list<std::int64_t> dims, DType dtype);

} // namespace atelier

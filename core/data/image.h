// A 2D raster with one or more channels (bands), stored interleaved
// (pixel-major: c fastest, then x, then y) in its original element type.
#pragma once

#include "core/base/dtype.h"
#include "core/data/metadata.h"
#include "core/data/pixel_size.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

namespace atelier {

// std::allocator, except that value-less construction leaves trivial
// elements uninitialised (vector(n) and resize(n) skip the zero fill).
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

class Image {
public:
  // Tag for pixels a reader fills completely: skips the zero fill, a
  // measurable cost at import rates (4 MiB per 1k x 1k float micrograph).
  struct Uninitialized {};
  static constexpr Uninitialized uninitialized{};

  Image() = default;
  // Allocates zeroed pixels; throws Error on non-positive or overflowing sizes.
  Image(std::int64_t width, std::int64_t height, std::int64_t channels, DType dtype);
  // The same, with the pixels left for the caller to write, every one.
  Image(std::int64_t width, std::int64_t height, std::int64_t channels, DType dtype, Uninitialized);

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
  std::vector<std::uint8_t, DefaultInitAllocator<std::uint8_t>> bytes_;
};

// Number of bytes for count elements of dtype; throws Error on overflow or
// when above max_bytes (a guard against absurd header dimensions).
std::size_t checked_byte_count(std::initializer_list<std::int64_t> dims, DType dtype);

} // namespace atelier

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

// Memory an Image reads its pixels from without owning it (a file mapping):
// kept alive as long as some Image uses it, and never written through.
class PixelStore {
public:
  virtual ~PixelStore() = default;
  // False when part of the memory could not be read (a file that shrank
  // while mapped); those bytes read as zero.
  virtual bool intact() const { return true; }
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
  std::size_t byte_size() const { return borrowed_.data ? borrowed_.size : bytes_.size(); }
  std::size_t row_bytes() const;

  // Pixels read in place from `store`'s memory at data (byte_size() bytes
  // for these dimensions, suitably aligned for dtype), kept alive with the
  // image and its copies. The first mutable access copies them.
  static Image borrowing(std::int64_t width, std::int64_t height, std::int64_t channels,
                         DType dtype, const std::uint8_t* data,
                         std::shared_ptr<const PixelStore> store);
  // False when the pixels are borrowed and part of them could not be read
  // (see PixelStore::intact).
  bool intact() const { return !lost_ && (!borrowed_.store || borrowed_.store->intact()); }

  std::uint8_t* bytes() {
    own();
    return bytes_.data();
  }
  const std::uint8_t* bytes() const { return borrowed_.data ? borrowed_.data : bytes_.data(); }
  template <typename T>
  std::span<T> values() {
    own();
    return {reinterpret_cast<T*>(bytes_.data()), bytes_.size() / sizeof(T)};
  }
  template <typename T>
  std::span<const T> values() const {
    return {reinterpret_cast<const T*>(bytes()), byte_size() / sizeof(T)};
  }

  Spacing spacing;
  Metadata metadata;

private:
  std::int64_t width_ = 0;
  std::int64_t height_ = 0;
  std::int64_t channels_ = 0;
  DType dtype_ = DType::u8;
  std::vector<std::uint8_t, DefaultInitAllocator<std::uint8_t>> bytes_;
  // Borrowed pixels (bytes_ is empty meanwhile). A move leaves the source
  // with none, as the moved vector does.
  struct Borrowed {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    std::shared_ptr<const PixelStore> store;
    Borrowed() = default;
    Borrowed(const Borrowed&) = default;
    Borrowed& operator=(const Borrowed&) = default;
    Borrowed(Borrowed&& o) noexcept
        : data(std::exchange(o.data, nullptr)), size(std::exchange(o.size, 0)),
          store(std::move(o.store)) {}
    Borrowed& operator=(Borrowed&& o) noexcept {
      data = std::exchange(o.data, nullptr);
      size = std::exchange(o.size, 0);
      store = std::move(o.store);
      return *this;
    }
  };
  Borrowed borrowed_;
  bool lost_ = false; // borrowed pixels were not intact when copied

  // Copies borrowed pixels into bytes_ and lets go of the store.
  void own() {
    if (borrowed_.data) own_slow();
  }
  void own_slow();
};

// Number of bytes for count elements of dtype; throws Error on overflow or
// when above max_bytes (a guard against absurd header dimensions).
std::size_t checked_byte_count(std::initializer_list<std::int64_t> dims, DType dtype);

} // namespace atelier

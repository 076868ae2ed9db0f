#include "core/data/image.h"

#include "core/base/error.h"

#include <limits>
#include <string>

namespace atelier {

std::size_t checked_byte_count(std::initializer_list<std::int64_t> dims, DType dtype) {
  std::uint64_t total = dtype_size(dtype);
  for (const std::int64_t d : dims) {
    if (d <= 0) throw Error("dimension " + std::to_string(d) + " is not positive");
    if (total > std::numeric_limits<std::uint64_t>::max() / static_cast<std::uint64_t>(d))
      throw Error("dimensions overflow 64 bits");
    total *= static_cast<std::uint64_t>(d);
  }
  if (total > static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()))
    throw Error("data size overflows");
  return static_cast<std::size_t>(total);
}

Image::Image(std::int64_t width, std::int64_t height, std::int64_t channels, DType dtype)
    : width_(width), height_(height), channels_(channels), dtype_(dtype),
      bytes_(checked_byte_count({width, height, channels}, dtype), std::uint8_t{0}) {}

Image::Image(std::int64_t width, std::int64_t height, std::int64_t channels, DType dtype,
             Uninitialized)
    : width_(width), height_(height), channels_(channels), dtype_(dtype),
      bytes_(checked_byte_count({width, height, channels}, dtype)) {}

Image Image::borrowing(std::int64_t width, std::int64_t height, std::int64_t channels, DType dtype,
                       const std::uint8_t* data, std::shared_ptr<const PixelStore> store) {
  if (!data || !store) throw Error("Image::borrowing: no memory to borrow");
  Image image;
  image.width_ = width;
  image.height_ = height;
  image.channels_ = channels;
  image.dtype_ = dtype;
  image.borrowed_.size = checked_byte_count({width, height, channels}, dtype);
  image.borrowed_.data = data;
  image.borrowed_.store = std::move(store);
  return image;
}

void Image::own_slow() {
  bytes_.assign(borrowed_.data, borrowed_.data + borrowed_.size);
  lost_ = borrowed_.store && !borrowed_.store->intact();
  borrowed_ = {};
}

std::size_t Image::row_bytes() const {
  return static_cast<std::size_t>(width_ * channels_) * dtype_size(dtype_);
}

} // namespace atelier

// Byte-order helpers for readers of binary formats written on any machine.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace atelier {

enum class Endian : std::uint8_t { little = 1, big };

constexpr Endian native_endian() {
  return std::endian::native == std::endian::little ? Endian::little : Endian::big;
}

// Reverses the bytes of `count` elements of `elem_size` bytes, in place.
void byte_swap_inplace(void* data, std::size_t elem_size, std::size_t count);

// Loads a T stored with the given byte order at p (no alignment needed).
template <typename T>
T load_as(const void* p, Endian order) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if (order != native_endian()) byte_swap_inplace(&v, sizeof(T), 1);
  return v;
}

template <typename T>
void store_as(void* p, T v, Endian order) {
  if (order != native_endian()) byte_swap_inplace(&v, sizeof(T), 1);
  std::memcpy(p, &v, sizeof(T));
}

} // namespace atelier

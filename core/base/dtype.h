// Element types of pixel, voxel and tensor data. The stored type is kept end
// to end: nothing is downcast on read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace atelier {

// No valid value at 0, so an uninitialised DType is caught early.
enum class DType : std::uint8_t {
  u8 = 1,
  i8,
  u16,
  i16,
  u32,
  i32,
  f16,
  f32,
  f64,
};

std::size_t dtype_size(DType t);
// Names as in manifests and JSON: "uint8", "int8", ..., "float32".
std::string_view dtype_name(DType t);
std::optional<DType> dtype_from_name(std::string_view name);
bool dtype_is_float(DType t);
bool dtype_is_signed(DType t);

} // namespace atelier

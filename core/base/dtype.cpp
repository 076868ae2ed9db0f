#include "core/base/dtype.h"

#include "core/base/error.h"

#include <array>

namespace atelier {
namespace {
struct DTypeRow {
  DType type;
  std::size_t size;
  std::string_view name;
};
constexpr std::array<DTypeRow, 9> kRows{{
    {DType::u8, 1, "uint8"},
    {DType::i8, 1, "int8"},
    {DType::u16, 2, "uint16"},
    {DType::i16, 2, "int16"},
    {DType::u32, 4, "uint32"},
    {DType::i32, 4, "int32"},
    {DType::f16, 2, "float16"},
    {DType::f32, 4, "float32"},
    {DType::f64, 8, "float64"},
}};

const DTypeRow& row(DType t) {
  for (const auto& r : kRows)
    if (r.type == t) return r;
  throw Error("invalid DType value " + std::to_string(static_cast<int>(t)));
}
} // namespace

std::size_t dtype_size(DType t) {
  return row(t).size;
}
std::string_view dtype_name(DType t) {
  return row(t).name;
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const auto& r : kRows)
    if (r.name == name) return r.type;
  return std::nullopt;
}

bool dtype_is_float(DType t) {
  return t == DType::f16 || t == DType::f32 || t == DType::f64;
}
bool dtype_is_signed(DType t) {
  return t == DType::i8 || t == DType::i16 || t == DType::i32 || dtype_is_float(t);
}

} // namespace atelier

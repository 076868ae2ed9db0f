#include "core/base/half.h"

#include <bit>

namespace atelier {

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t mant = h & 0x3ffu;
  std::uint32_t bits = 0;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // subnormal: normalise
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      mant &= 0x3ffu;
      bits = sign | (exp << 23) | (mant << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13); // inf or nan
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(bits);
}

std::uint16_t float_to_half(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) // inf or nan (keep a quiet nan)
    return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  if (abs >= 0x477ff000u) // rounds to >= 65520: overflow to inf
    return static_cast<std::uint16_t>(sign | 0x7c00u);
  if (abs < 0x38800000u) {              // below the smallest normal half: subnormal or zero
    if (abs < 0x33000000u) return sign; // rounds to zero
    const std::uint32_t e = abs >> 23;
    const std::uint32_t m = (abs & 0x7fffffu) | 0x800000u;
    // value = m * 2^(e-150); half subnormal unit is 2^-24 -> mant = m * 2^(e-126)
    const int rshift = 126 - static_cast<int>(e);
    std::uint32_t mant = m >> rshift;
    const std::uint32_t rem = m & ((1u << rshift) - 1u);
    const std::uint32_t halfway = 1u << (rshift - 1);
    if (rem > halfway || (rem == halfway && (mant & 1u))) ++mant;
    return static_cast<std::uint16_t>(sign | mant);
  }
  std::uint32_t bits = abs - 0x38000000u; // rebias exponent 127 -> 15
  std::uint32_t mant = bits >> 13;
  const std::uint32_t rem = bits & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (mant & 1u))) ++mant;
  return static_cast<std::uint16_t>(sign | mant);
}

} // namespace atelier

// IEEE 754 binary16 <-> binary32 conversion on the CPU (MRC mode 12, f16
// tensors). Exact for every half value, round-to-nearest-even the other way.
#pragma once

#include <cstdint>

namespace atelier {

float half_to_float(std::uint16_t h);
std::uint16_t float_to_half(float f);

} // namespace atelier

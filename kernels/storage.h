// The element types device tensors are stored in: f32, or one of the two
// 16-bit floats (bf16 for its f32 range, f16 for its three more mantissa
// bits and for GPUs without bf16 tensor cores). Kernels compute in f32
// whatever the storage; 16-bit values travel as void pointers so no public
// header needs CUDA types.
#pragma once

#include <cstddef>
#include <cstdint>

namespace atelier::kernels {

enum class Storage : std::uint8_t { f32 = 1, bf16, f16 };

constexpr std::size_t storage_bytes(Storage s) {
  return s == Storage::f32 ? 4 : 2;
}

} // namespace atelier::kernels

// CUDA_CHECK: throws CudaError with the failing expression, the CUDA error
// string and file:line. For .cu files of this library only.
#pragma once

#include "kernels/cuda_error.h"

#include <cuda_runtime.h>

namespace atelier::kernels {

[[noreturn]] void throw_cuda_error(cudaError_t code, const char* expr, const char* file, int line);

} // namespace atelier::kernels

#define CUDA_CHECK(expr)                                                                           \
  do {                                                                                             \
    const cudaError_t atelier_cuda_rc_ = (expr);                                                   \
    if (atelier_cuda_rc_ != cudaSuccess)                                                           \
      ::atelier::kernels::throw_cuda_error(atelier_cuda_rc_, #expr, __FILE__, __LINE__);           \
  } while (0)

// Internal to the cuDNN translation units (cudnn_conv.cpp, cudnn_graph_conv.cpp):
// CUDNN_CHECK turns a failed cuDNN status into a CudaError naming the
// expression, cuDNN's message and file:line. Includes cudnn.h, so no public
// header may include this one.
#pragma once

#include "kernels/cuda_error.h"

#include <cudnn.h>

#include <string>

namespace atelier::kernels {

[[noreturn]] inline void throw_cudnn_error(cudnnStatus_t status, const char* expr, const char* file,
                                           int line) {
  std::string what = std::string(file) + ":" + std::to_string(line) + ": " + expr +
                     " failed: " + cudnnGetErrorString(status);
#if CUDNN_MAJOR >= 9
  char detail[512] = {};
  cudnnGetLastErrorString(detail, sizeof detail);
  if (detail[0] != '\0') what += std::string(" (") + detail + ")";
  const bool oom = status == CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED ||
                   status == CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED;
#else
  const bool oom = status == CUDNN_STATUS_ALLOC_FAILED;
#endif
  throw CudaError(what, oom);
}

} // namespace atelier::kernels

#define CUDNN_CHECK(expr)                                                                          \
  do {                                                                                             \
    const cudnnStatus_t atelier_cudnn_rc_ = (expr);                                                \
    if (atelier_cudnn_rc_ != CUDNN_STATUS_SUCCESS)                                                 \
      ::atelier::kernels::throw_cudnn_error(atelier_cudnn_rc_, #expr, __FILE__, __LINE__);         \
  } while (0)

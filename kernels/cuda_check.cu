#include "kernels/cuda_check.cuh"

#include <string>

namespace atelier::kernels {

void throw_cuda_error(cudaError_t code, const char* expr, const char* file, int line) {
  std::string what = std::string(file) + ":" + std::to_string(line) + ": " + expr +
                     " failed: " + cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ")";
  if (code == cudaErrorMemoryAllocation) {
    size_t free_bytes = 0, total_bytes = 0;
    if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess)
      what += "; GPU memory free " + std::to_string(free_bytes >> 20) + " MiB of " +
              std::to_string(total_bytes >> 20) + " MiB";
  }
  cudaGetLastError(); // clear a sticky non-fatal error so later calls can proceed
  throw CudaError(what, code == cudaErrorMemoryAllocation);
}

} // namespace atelier::kernels

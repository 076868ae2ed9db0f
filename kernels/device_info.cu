#include "kernels/cuda_check.cuh"
#include "kernels/device_info.h"

#if ATELIER_HAVE_CUDNN
#include <cudnn.h>
#endif

namespace atelier::kernels {

RuntimeVersions runtime_versions() {
  RuntimeVersions v;
  if (cudaRuntimeGetVersion(&v.cuda_runtime) != cudaSuccess) v.cuda_runtime = 0;
  if (cudaDriverGetVersion(&v.cuda_driver) != cudaSuccess) v.cuda_driver = 0;
  cudaGetLastError();
#if ATELIER_HAVE_CUDNN
  v.cudnn = static_cast<int>(cudnnGetVersion());
#else
  v.cudnn = 0; // built without cuDNN: no convolutions on the GPU
#endif
  return v;
}

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return n;
}

std::vector<DeviceInfo> list_devices() {
  std::vector<DeviceInfo> out;
  const int n = device_count();
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    CUDA_CHECK(cudaGetDeviceProperties(&p, i));
    out.push_back({i, p.name, p.totalGlobalMem, p.major, p.minor, p.multiProcessorCount});
  }
  return out;
}

namespace {
__global__ void probe_kernel() {}
} // namespace

bool kernels_run_here() {
  cudaFuncAttributes attributes{};
  if (cudaFuncGetAttributes(&attributes, probe_kernel) == cudaSuccess) return true;
  cudaGetLastError(); // no kernel image for this device
  return false;
}

const char* kernel_architectures() {
  return ATELIER_KERNEL_ARCHITECTURES;
}

} // namespace atelier::kernels

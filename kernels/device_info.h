// What GPUs this process can use: count, names, memory.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace atelier::kernels {

struct DeviceInfo {
  int index = 0;
  std::string name;
  std::size_t total_memory_bytes = 0;
  int compute_capability_major = 0;
  int compute_capability_minor = 0;
  int multiprocessors = 0;
};

// Versions as the libraries encode them (CUDA 13.0 = 13000, cuDNN 9.1.0 =
// 90100); the driver's is 0 when there is no driver.
struct RuntimeVersions {
  int cuda_runtime = 0, cuda_driver = 0, cudnn = 0;
};
RuntimeVersions runtime_versions();

// 0 when there is no driver or no device (never throws for that case).
int device_count();
std::vector<DeviceInfo> list_devices();

// Whether this build's kernels hold code the current device runs (its own
// architecture's, or PTX the driver compiles for it): false when the build
// targets newer GPUs only. Never throws.
bool kernels_run_here();
// The CUDA architectures this build's kernels were compiled for, as CMake
// lists them ("75-virtual,80-virtual,90-real"), for messages.
const char* kernel_architectures();

} // namespace atelier::kernels

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

} // namespace atelier::kernels

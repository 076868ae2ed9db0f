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

// 0 when there is no driver or no device (never throws for that case).
int device_count();
std::vector<DeviceInfo> list_devices();

} // namespace atelier::kernels

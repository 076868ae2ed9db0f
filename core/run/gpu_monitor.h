// GPU utilisation and memory for the run monitor, through NVML loaded at run
// time (libnvidia-ml.so.1 ships with the driver, not the toolkit, so nothing
// links it): without a driver the monitor says "n/a".
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace atelier::run {

struct GpuSample {
  int index = 0;
  std::string name;
  double utilisation_pct = 0; // over the driver's last sampling period
  double memory_used_gib = 0, memory_total_gib = 0;
};

// One sample per GPU; nullopt when NVML cannot be loaded or initialised.
// The library is opened once and kept.
std::optional<std::vector<GpuSample>> sample_gpus();

// "GPU 0 87% 12.3/79.6 GiB · GPU 1 ..." or "GPU n/a (no NVIDIA driver)".
std::string describe_gpus(const std::optional<std::vector<GpuSample>>& samples);

} // namespace atelier::run

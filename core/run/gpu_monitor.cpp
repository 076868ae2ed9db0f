// NVML through dlopen: only the handful of entry points the monitor needs,
// declared here with NVML's documented C signatures.
#include "core/run/gpu_monitor.h"

#include <dlfcn.h>

#include <cstdio>
#include <mutex>

namespace atelier::run {
namespace {

using NvmlDevice = void*;
struct NvmlUtilization {
  unsigned int gpu, memory;
};
struct NvmlMemory {
  unsigned long long total, free, used;
};

struct Nvml {
  int (*init)() = nullptr;
  int (*count)(unsigned int*) = nullptr;
  int (*handle)(unsigned int, NvmlDevice*) = nullptr;
  int (*utilisation)(NvmlDevice, NvmlUtilization*) = nullptr;
  int (*memory)(NvmlDevice, NvmlMemory*) = nullptr;
  int (*name)(NvmlDevice, char*, unsigned int) = nullptr;
  bool ready = false;
};

template <typename F>
bool load(void* lib, const char* symbol, F& out) {
  out = reinterpret_cast<F>(dlsym(lib, symbol));
  return out != nullptr;
}

const Nvml& nvml() {
  static Nvml n;
  static std::once_flag once;
  std::call_once(once, [] {
    void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return;
    if (load(lib, "nvmlInit_v2", n.init) && load(lib, "nvmlDeviceGetCount_v2", n.count) &&
        load(lib, "nvmlDeviceGetHandleByIndex_v2", n.handle) &&
        load(lib, "nvmlDeviceGetUtilizationRates", n.utilisation) &&
        load(lib, "nvmlDeviceGetMemoryInfo", n.memory) && load(lib, "nvmlDeviceGetName", n.name))
      n.ready = n.init() == 0; // NVML_SUCCESS
  });
  return n;
}

} // namespace

std::optional<std::vector<GpuSample>> sample_gpus() {
  const Nvml& n = nvml();
  if (!n.ready) return std::nullopt;
  unsigned int count = 0;
  if (n.count(&count) != 0) return std::nullopt;
  std::vector<GpuSample> out;
  for (unsigned int i = 0; i < count; ++i) {
    NvmlDevice device = nullptr;
    if (n.handle(i, &device) != 0) continue;
    GpuSample s;
    s.index = int(i);
    char name[96] = {};
    if (n.name(device, name, sizeof name - 1) == 0) s.name = name;
    NvmlUtilization u{};
    if (n.utilisation(device, &u) == 0) s.utilisation_pct = u.gpu;
    NvmlMemory m{};
    if (n.memory(device, &m) == 0) {
      s.memory_used_gib = double(m.used) / (1ull << 30);
      s.memory_total_gib = double(m.total) / (1ull << 30);
    }
    out.push_back(s);
  }
  return out;
}

std::string describe_gpus(const std::optional<std::vector<GpuSample>>& samples) {
  if (!samples) return "GPU n/a (no NVIDIA driver)";
  if (samples->empty()) return "GPU n/a (no devices)";
  std::string out;
  for (const GpuSample& s : *samples) {
    char text[96];
    std::snprintf(text, sizeof text, "%sGPU %d %.0f%% %.1f/%.1f GiB", out.empty() ? "" : " · ",
                  s.index, s.utilisation_pct, s.memory_used_gib, s.memory_total_gib);
    out += text;
  }
  return out;
}

} // namespace atelier::run

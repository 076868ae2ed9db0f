// Backend selection.
#include "core/engine/backend_factory.h"

#include "core/base/error.h"
#include "core/engine/cpu_backend.h"

#if ATELIER_HAVE_CUDA_BACKEND
#include "core/engine/cuda_backend.h"
#include "kernels/device_info.h"
#endif

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <thread>

namespace atelier::engine {

bool cuda_available() {
#if ATELIER_HAVE_CUDA_BACKEND
  try {
    return kernels::device_count() > 0;
  } catch (const std::exception&) {
    return false;
  }
#else
  return false;
#endif
}

std::string default_device() {
  return cuda_available() ? "cuda:0" : "cpu";
}

std::vector<ComputeDevice> compute_devices() {
  std::vector<ComputeDevice> out;
  out.push_back(
      {"cpu",
       "CPU, " + std::to_string(std::max(1u, std::thread::hardware_concurrency())) + " threads"});
#if ATELIER_HAVE_CUDA_BACKEND
  try {
    for (const kernels::DeviceInfo& d : kernels::list_devices()) {
      char memory[32];
      std::snprintf(memory, sizeof memory, "%.1f GiB", double(d.total_memory_bytes) / (1ull << 30));
      out.push_back({"cuda:" + std::to_string(d.index),
                     "cuda:" + std::to_string(d.index) + " " + d.name + ", " + memory});
    }
  } catch (const std::exception&) {
    // No driver: the CPU only.
  }
#endif
  return out;
}

std::vector<std::pair<std::string, std::string>> gpu_stack_versions() {
  std::vector<std::pair<std::string, std::string>> out;
#if ATELIER_HAVE_CUDA_BACKEND
  const auto version = [](int v, int major_unit, int minor_unit) {
    if (v <= 0) return std::string("none");
    return std::to_string(v / major_unit) + "." + std::to_string(v % major_unit / minor_unit);
  };
  const kernels::RuntimeVersions v = kernels::runtime_versions();
  out.emplace_back("CUDA runtime", version(v.cuda_runtime, 1000, 10));
  out.emplace_back("CUDA driver", v.cuda_driver ? version(v.cuda_driver, 1000, 10) : "none");
  out.emplace_back("cuDNN", std::to_string(v.cudnn / 10000) + "." +
                                std::to_string(v.cudnn % 10000 / 100) + "." +
                                std::to_string(v.cudnn % 100));
  for (const ComputeDevice& d : compute_devices())
    if (d.id != "cpu") out.emplace_back("GPU " + d.id.substr(5), d.label.substr(d.id.size() + 1));
  if (out.size() == 3) out.emplace_back("GPU", "none found");
#else
  out.emplace_back("CUDA", "not in this build");
#endif
  return out;
}

std::string default_model(const std::string& device) {
  return device == "cpu" ? "unet-small" : "unet";
}

const std::vector<std::string>& precision_names() {
  static const std::vector<std::string> names{"bf16", "fp16", "tf32", "fp32"};
  return names;
}

bool is_precision_name(const std::string& name) {
  const auto& names = precision_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string precision_choices() {
  const auto& names = precision_names();
  std::string s;
  for (std::size_t i = 0; i < names.size(); ++i)
    s += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  return s;
}

std::string effective_precision(const std::string& device, const std::string& precision) {
  return device == "cpu" ? "fp32" : precision;
}

std::string precision_note(const std::string& device, const std::string& precision) {
  if (!is_precision_name(precision) || effective_precision(device, precision) == precision)
    return {};
  return "the CPU computes in fp32; --precision " + precision + " applies to CUDA devices";
}

std::unique_ptr<Backend> make_backend(const std::string& device, const std::string& precision,
                                      bool deterministic) {
  (void)deterministic; // the CPU backend is deterministic anyway
  if (!is_precision_name(precision))
    throw Error("unknown precision '" + precision + "' (choices: " + precision_choices() + ")");
  if (device == "cpu") return std::make_unique<CpuBackend>();
  if (device == "cuda" || device.rfind("cuda:", 0) == 0) {
    int index = 0;
    if (device.size() > 5) {
      const char* b = device.data() + 5;
      const char* e = device.data() + device.size();
      const auto [p, ec] = std::from_chars(b, e, index);
      if (ec != std::errc() || p != e || index < 0)
        throw Error("bad device '" + device + "' (use cpu, cuda or cuda:N)");
    }
#if ATELIER_HAVE_CUDA_BACKEND
    return std::make_unique<CudaBackend>(index, parse_precision(precision), deterministic);
#else
    throw Error("device '" + device + "': this build has no CUDA backend (use --device cpu)");
#endif
  }
  throw Error("unknown device '" + device + "' (use cpu, cuda or cuda:N)");
}

} // namespace atelier::engine

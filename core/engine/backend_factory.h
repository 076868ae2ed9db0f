// Backends by name, as the command line gives them: "cpu", "cuda" (device 0)
// or "cuda:N", with a precision for the GPU ("bf16", "fp16", "tf32" or
// "fp32"; the CPU computes in fp32 whatever is asked).
#pragma once

#include "core/engine/backend.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace atelier::engine {

// Throws Error naming the device for an unknown name, a build without the
// CUDA backend, or a missing device.
// deterministic: on a GPU, the same inputs give the same bits run after run
// (slower: see CudaBackend); the CPU backend always does.
std::unique_ptr<Backend> make_backend(const std::string& device, const std::string& precision,
                                      bool deterministic = false);

// The --precision names, the GPU default (bf16) first: bf16, fp16, tf32,
// fp32; and "a, b, c or d" for messages.
const std::vector<std::string>& precision_names();
bool is_precision_name(const std::string& name);
std::string precision_choices();

// The precision a device computes in: fp32 on the CPU whatever was asked,
// else the precision itself.
std::string effective_precision(const std::string& device, const std::string& precision);

// For stderr when --precision asks the CPU for anything but fp32 (it
// computes in fp32); empty otherwise.
std::string precision_note(const std::string& device, const std::string& precision);

// Whether this build has the CUDA backend and a CUDA device is present.
bool cuda_available();

// The command line's defaults: "cuda:0" when available, else "cpu"; and the
// U-Net for a device ("unet-small" on the CPU, "unet" on a GPU).
std::string default_device();

// The devices a run can use here, as --device names with a label for people:
// "cpu" ("CPU, 16 threads") then "cuda:N" ("cuda:0 NVIDIA H100, 79.6 GiB").
struct ComputeDevice {
  std::string id, label;
};
std::vector<ComputeDevice> compute_devices();
// The GPU stack for Help > About: ("CUDA runtime", "13.0"), ("CUDA driver",
// ...), ("cuDNN", "9.10.2"), one ("GPU N", name and memory) per device, or
// ("CUDA", "not in this build").
std::vector<std::pair<std::string, std::string>> gpu_stack_versions();
std::string default_model(const std::string& device);

} // namespace atelier::engine

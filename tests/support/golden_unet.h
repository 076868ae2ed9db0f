// The PyTorch golden U-Net file (tests/golden/gen_unet.py) in the engine's
// flat parameter layout, for the CPU and GPU engine tests. Qt-free.
#pragma once

#include "core/engine/unet.h"
#include "core/io/safetensors.h"

#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace atelier::test {

struct GoldenUnet {
  engine::UnetConfig config;
  int size = 64;
  std::vector<float> params, grads, final_params; // flat, canonical
  std::vector<float> input, target, output, losses;
};

inline std::vector<float> golden_tensor(const SafetensorsFile& file, const std::string& name) {
  const SafetensorsInfo& info = file.info(name);
  if (info.dtype != "F32") throw std::runtime_error(name + " is not F32");
  const std::vector<std::uint8_t> bytes = file.read(name);
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

// Reads the file written with --small (the widths of UnetConfig::small()).
inline GoldenUnet load_golden_unet(const std::string& path) {
  SafetensorsFile file(path);
  GoldenUnet g;
  g.config = engine::UnetConfig::small();
  g.input = golden_tensor(file, "input");
  g.target = golden_tensor(file, "target");
  g.output = golden_tensor(file, "output");
  g.losses = golden_tensor(file, "losses");
  const engine::Graph graph = engine::build_unet(g.config, 1, g.size, g.size);
  g.params.assign(graph.param_count(), 0.0f);
  g.grads.assign(graph.param_count(), 0.0f);
  g.final_params.assign(graph.param_count(), 0.0f);
  for (const engine::Param& p : graph.params()) {
    const auto copy = [&](const std::string& prefix, std::vector<float>& flat) {
      const std::vector<float> t = golden_tensor(file, prefix + p.name);
      if (t.size() != p.count) throw std::runtime_error(prefix + p.name + ": size mismatch");
      std::copy(t.begin(), t.end(), flat.begin() + std::ptrdiff_t(p.offset));
    };
    copy("param.", g.params);
    copy("grad.", g.grads);
    copy("final.", g.final_params);
  }
  return g;
}

} // namespace atelier::test

// The Topaz-Denoise U-Net ("unet" of Topaz 0.2.x, the model of
// tests/golden/gen_unet.py and ../shared/bench/peer_unet_pytorch.py): an
// 11x11 stem, `depth` (five) 2x max-pool levels of 3x3 conv blocks, nearest 2x
// upsampling with skip concatenation (upsampled channels first), decoder
// blocks 2nf/3nf -> 2nf, and a 5x5 head 2nf+1 -> h1 -> h2 -> 1; LeakyReLU 0.1
// after every conv but the last. Parameter names are those of the PyTorch
// module's state_dict. With depth 3 and 48 filters it is Topaz's
// "unet-small" (UDenoiseNetSmall: three pooling levels, two decoder
// blocks), which loads as a "custom" model; this engine's own "unet-small"
// is the five-level U-Net with 8 filters (UnetConfig::small).
#pragma once

#include "core/engine/graph.h"

#include <string>

namespace atelier::engine {

struct UnetConfig {
  int nf = 48;   // filters per level
  int base = 11; // stem kernel
  int top = 5;   // head kernel
  int h1 = 64;   // head widths
  int h2 = 32;
  float slope = 0.1f;
  int depth = 5; // 2x max-pool levels, kMinUnetDepth..kMaxUnetDepth

  static UnetConfig full() { return {}; }
  // The CPU variant (the golden file's --small widths).
  static UnetConfig small() { return {8, 11, 5, 16, 8, 0.1f}; }
  // "unet" or "unet-small"; Error naming the choices otherwise.
  static UnetConfig named(const std::string& name);
  // The name named() gives this config under, or "custom".
  std::string name() const;
  // {"nf":..,"base":..,"top":..,"h1":..,"h2":..} as gen_unet.py writes it,
  // with "depth" only when it is not 5.
  std::string json() const;
  // Height and width must be multiples of this: 2^depth.
  int size_multiple() const { return 1 << depth; }
};

inline constexpr int kMinUnetDepth = 2;
inline constexpr int kMaxUnetDepth = 5;

// Crops and tiles are multiples of this, which suits every depth (2^5).
inline constexpr int kUnetSizeMultiple = 1 << kMaxUnetDepth;

// Builds (and finishes) the graph for input extent n x 1 x h x w; h and w
// must be positive multiples of config.size_multiple() (Error otherwise).
Graph build_unet(const UnetConfig& config, int n, int h, int w);

} // namespace atelier::engine

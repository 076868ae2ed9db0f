// U-Net graph construction, mirroring UNet.forward of gen_unet.py.
#include "core/engine/unet.h"

#include "core/base/error.h"

#include <vector>

namespace atelier::engine {

UnetConfig UnetConfig::named(const std::string& name) {
  if (name == "unet") return full();
  if (name == "unet-small") return small();
  throw Error("unknown model '" + name + "' (choices: unet, unet-small)");
}

std::string UnetConfig::name() const {
  for (const char* n : {"unet", "unet-small"})
    if (named(n).json() == json()) return n;
  return "custom";
}

std::string UnetConfig::json() const {
  const std::string depth_key = depth == 5 ? "" : "\"depth\": " + std::to_string(depth) + ", ";
  return "{\"base\": " + std::to_string(base) + ", " + depth_key + "\"h1\": " + std::to_string(h1) +
         ", \"h2\": " + std::to_string(h2) + ", \"nf\": " + std::to_string(nf) +
         ", \"top\": " + std::to_string(top) + "}";
}

Graph build_unet(const UnetConfig& c, int n, int h, int w) {
  if (c.depth < kMinUnetDepth || c.depth > kMaxUnetDepth)
    throw Error("U-Net depth " + std::to_string(c.depth) + " is outside " +
                std::to_string(kMinUnetDepth) + ".." + std::to_string(kMaxUnetDepth));
  const int multiple = c.size_multiple();
  if (n <= 0 || h <= 0 || w <= 0 || h % multiple != 0 || w % multiple != 0)
    throw Error("U-Net input " + std::to_string(h) + "x" + std::to_string(w) +
                " must be a positive multiple of " + std::to_string(multiple) +
                " in each dimension (batch " + std::to_string(n) + ")");
  if (c.nf <= 0 || c.h1 <= 0 || c.h2 <= 0 || c.base <= 0 || c.top <= 0 || c.base % 2 == 0 ||
      c.top % 2 == 0)
    throw Error("U-Net widths must be positive and kernels odd");
  const Activation lrelu = Activation::leaky_relu;
  Graph g(Nchw{n, 1, h, w});
  std::vector<int> skips{g.input()};
  int x = g.input();
  for (int level = 0; level < c.depth; ++level) {
    const std::string prefix = "enc." + std::to_string(level) + ".0";
    x = g.conv(x, c.nf, level == 0 ? c.base : 3, true, lrelu, c.slope, prefix);
    x = g.max_pool2x2(x);
    skips.push_back(x);
  }
  skips.pop_back();
  x = g.conv(x, c.nf, 3, true, lrelu, c.slope, "mid.0");
  for (int level = 0; level + 1 < c.depth; ++level) {
    const int skip = skips.back();
    skips.pop_back();
    x = g.concat(g.upsample2x(x), skip);
    const std::string prefix = "dec." + std::to_string(level);
    x = g.conv(x, 2 * c.nf, 3, true, lrelu, c.slope, prefix + ".0");
    x = g.conv(x, 2 * c.nf, 3, true, lrelu, c.slope, prefix + ".2");
  }
  x = g.concat(g.upsample2x(x), skips.back());
  x = g.conv(x, c.h1, c.top, true, lrelu, c.slope, "head.0");
  x = g.conv(x, c.h2, c.top, true, lrelu, c.slope, "head.2");
  x = g.conv(x, 1, c.top, true, Activation::identity, 0.0f, "head.4");
  g.set_output(x);
  g.finish();
  return g;
}

} // namespace atelier::engine

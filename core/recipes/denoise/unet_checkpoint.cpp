// Checkpoint <-> engine parameter layout.
#include "core/recipes/denoise/unet_checkpoint.h"

#include "core/base/error.h"

#include <algorithm>
#include <cmath>

namespace atelier::denoise {

using namespace atelier::engine;

namespace {

const char* const kStates[] = {"exp_avg", "exp_avg_sq", "momentum_buffer"};

void add_flat(run::Checkpoint& c, const Graph& g, const std::vector<float>& flat,
              const std::string& prefix) {
  for (const Param& p : g.params())
    c.tensors.push_back({prefix + p.name, p.shape,
                         std::vector<float>(flat.begin() + std::ptrdiff_t(p.offset),
                                            flat.begin() + std::ptrdiff_t(p.offset + p.count))});
}

std::vector<float> flat_from(const Graph& g, const run::Checkpoint& c, const std::string& prefix,
                             const std::string& path) {
  // Every tensor checked before the allocation, so widths read off a file
  // (unet_config_from_checkpoint) allocate no more than the file holds.
  std::vector<const run::CheckpointTensor*> found;
  for (const Param& p : g.params()) {
    const run::CheckpointTensor* t = c.find(prefix + p.name);
    if (!t) throw FormatError(path, "no tensor " + prefix + p.name);
    if (t->shape != p.shape) throw FormatError(path, prefix + p.name + " has the wrong shape");
    found.push_back(t);
  }
  std::vector<float> flat(g.param_count(), 0.0f);
  for (std::size_t i = 0; i < found.size(); ++i)
    std::copy(found[i]->values.begin(), found[i]->values.end(),
              flat.begin() + std::ptrdiff_t(g.params()[i].offset));
  return flat;
}

// "enc3.0.weight" -> "enc.2.0.weight" and so on for a Topaz U-Net of this
// depth (see read_unet_weights); names outside the mapping stay as they are.
std::string from_topaz_name(const std::string& name, int depth) {
  const std::size_t dot = name.find('.');
  if (dot != 4 || name.size() < 6) return name;
  const std::string block = name.substr(0, 3), rest = name.substr(dot);
  const int k = name[3] - '0';
  if (block == "enc" && k >= 1 && k <= depth) return "enc." + std::to_string(k - 1) + rest;
  if (block == "enc" && k == depth + 1) return "mid" + rest;
  if (block == "dec" && k >= 2 && k <= depth) return "dec." + std::to_string(depth - k) + rest;
  if (block == "dec" && k == 1) return "head" + rest;
  return name;
}

// Pooling levels of a Topaz U-Net: its encoder blocks enc1..enc<depth+1>.
int topaz_depth(const run::Checkpoint& c) {
  int blocks = 0;
  while (blocks < 9 && c.find("enc" + std::to_string(blocks + 1) + ".0.weight"))
    ++blocks;
  return blocks - 1;
}

} // namespace

bool use_engine_names(run::Checkpoint& c) {
  if (!c.find("enc1.0.weight") || c.find("enc.0.0.weight")) return false;
  const int depth = topaz_depth(c);
  for (run::CheckpointTensor& t : c.tensors)
    t.name = from_topaz_name(t.name, depth);
  return true;
}

run::Checkpoint read_unet_weights(const std::string& path) {
  run::Checkpoint c = run::read_weights(path);
  use_engine_names(c);
  return c;
}

std::optional<UnetWeightsLayout> unet_layout_of(const std::string& path) {
  run::Checkpoint c = run::read_weight_shapes(path);
  UnetWeightsLayout layout;
  layout.topaz_names = use_engine_names(c);
  try { // names or shapes of another network: not one
    layout.config = unet_config_from_checkpoint(c, path);
    const int side = layout.config.size_multiple();
    const Graph g = build_unet(layout.config, 1, side, side);
    for (const Param& p : g.params()) {
      const run::CheckpointTensor* t = c.find(p.name);
      if (!t || t->shape != p.shape) return std::nullopt;
    }
  } catch (const Error&) {
    return std::nullopt;
  }
  layout.model = layout.config.name();
  return layout;
}

run::Checkpoint make_unet_checkpoint(const Graph& g, Backend& backend, std::int64_t step,
                                     const UnetConfig& config, const std::string& recipe_json) {
  run::Checkpoint c;
  c.step = step;
  c.recipe_json = recipe_json;
  c.metadata = {{"model", config.json()}, {"backend", backend.name()}};
  std::vector<float> flat(g.param_count());
  backend.get_params(flat);
  add_flat(c, g, flat, "");
  for (const std::string& state : backend.optimizer_state_names()) {
    backend.get_optimizer_state(state, flat);
    add_flat(c, g, flat, "optim." + state + ".");
  }
  return c;
}

UnetConfig unet_config_from_checkpoint(const run::Checkpoint& c, const std::string& path) {
  const auto shape = [&](const std::string& name) {
    const run::CheckpointTensor* t = c.find(name);
    if (!t || t->shape.size() != 4)
      throw FormatError(path, "not a U-Net checkpoint: no 4-d tensor " + name);
    return t->shape;
  };
  UnetConfig config;
  const auto stem = shape("enc.0.0.weight"), head0 = shape("head.0.weight"),
             head2 = shape("head.2.weight");
  config.nf = int(stem[0]);
  config.base = int(stem[3]);
  config.top = int(head0[3]);
  config.h1 = int(head0[0]);
  config.h2 = int(head2[0]);
  config.depth = 0;
  while (config.depth <= kMaxUnetDepth &&
         c.find("enc." + std::to_string(config.depth) + ".0.weight"))
    ++config.depth;
  if (config.depth < kMinUnetDepth || config.depth > kMaxUnetDepth)
    throw FormatError(path, "a U-Net of " + std::to_string(config.depth) +
                                " pooling levels; this engine builds " +
                                std::to_string(kMinUnetDepth) + " to " +
                                std::to_string(kMaxUnetDepth));
  return config;
}

std::vector<float> unet_params_from_checkpoint(const Graph& g, const run::Checkpoint& c,
                                               const std::string& path) {
  return flat_from(g, c, "", path);
}

void require_finite_params(const Graph& g, const std::vector<float>& params,
                           const std::string& path) {
  for (const Param& p : g.params()) {
    const auto first = params.begin() + std::ptrdiff_t(p.offset);
    const auto bad = std::count_if(first, first + std::ptrdiff_t(p.count),
                                   [](float v) { return !std::isfinite(v); });
    if (bad > 0)
      throw FormatError(path, std::to_string(bad) + " of " + std::to_string(p.count) +
                                  " values of " + p.name +
                                  " are NaN or infinite (the run diverged)");
  }
}

void restore_optimizer_state(const Graph& g, Backend& backend, const run::Checkpoint& c,
                             const std::string& path) {
  for (const char* state : kStates) {
    const std::string prefix = std::string("optim.") + state + ".";
    if (!c.find(prefix + g.params().front().name)) continue;
    backend.set_optimizer_state(state, flat_from(g, c, prefix, path));
  }
}

} // namespace atelier::denoise

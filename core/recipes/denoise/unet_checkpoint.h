// U-Net parameters and optimizer state <-> checkpoint files. Weights carry
// the PyTorch state_dict names ("enc.0.0.weight"), so
// load_state_dict(strict=True) accepts the file after load_file; optimizer
// state lives under "optim.<state>.<name>" (exp_avg, exp_avg_sq,
// momentum_buffer), which strict loading of the model never sees.
#pragma once

#include "core/engine/backend.h"
#include "core/engine/unet.h"
#include "core/run/checkpoint.h"

#include <optional>
#include <string>
#include <vector>

namespace atelier::denoise {

// Parameters (and optimizer state, when the backend has it) of g on backend.
run::Checkpoint make_unet_checkpoint(const engine::Graph& g, engine::Backend& backend,
                                     std::int64_t step, const engine::UnetConfig& config,
                                     const std::string& recipe_json);

// U-Net weights from a file: a run's checkpoint, or a PyTorch state dict
// (run::read_weights), with this engine's names or Topaz-Denoise's
// UDenoiseNet / UDenoiseNetSmall names for the same layers, renamed to this
// engine's. For depth d (d = 5 for "unet", 3 for "unet-small"): enc1..enc<d>
// -> enc.0..enc.<d-1>, enc<d+1> -> mid, dec<d>..dec2 -> dec.0..dec.<d-2>,
// dec1 -> head.
run::Checkpoint read_unet_weights(const std::string& path);

// Renames Topaz-Denoise's layer names in c to this engine's (as
// read_unet_weights does); whether it had them.
bool use_engine_names(run::Checkpoint& c);

// The U-Net a weights file describes, read off its tensor names and shapes
// (no values read): every parameter of the model present with its shape.
struct UnetWeightsLayout {
  engine::UnetConfig config;
  std::string model;        // "unet", "unet-small" or "custom"
  bool topaz_names = false; // Topaz-Denoise's layer names
};
// nullopt when the file holds no U-Net this engine builds; FormatError for
// a file that is not valid safetensors.
std::optional<UnetWeightsLayout> unet_layout_of(const std::string& path);

// The widths and depth the weights imply (as gen_unet.py's
// config_from_state; depth from the encoder blocks enc.0, enc.1, ...).
// FormatError naming the file when a tensor is missing or shaped wrongly.
engine::UnetConfig unet_config_from_checkpoint(const run::Checkpoint& c, const std::string& path);

// The flat canonical parameters of g from c (every parameter required, shapes
// checked).
std::vector<float> unet_params_from_checkpoint(const engine::Graph& g, const run::Checkpoint& c,
                                               const std::string& path);

// FormatError naming path and the first parameter with NaN or infinite
// values, and how many (a run that diverged saves such weights).
void require_finite_params(const engine::Graph& g, const std::vector<float>& params,
                           const std::string& path);

// Loads the optimizer state tensors present in c into backend.
void restore_optimizer_state(const engine::Graph& g, engine::Backend& backend,
                             const run::Checkpoint& c, const std::string& path);

} // namespace atelier::denoise

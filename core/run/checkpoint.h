// Training checkpoints: model weights, optimizer state, step, recipe and RNG
// state in one safetensors file that PyTorch reads too. Weights keep their
// PyTorch state_dict names ("enc.0.0.weight"); everything that is not a model
// weight is either metadata or a tensor named "optim.*" (e.g.
// "optim.exp_avg.enc.0.0.weight", "optim.rng_state"), so a caller can drop the
// "optim." keys and load the rest with load_state_dict(strict=True).
// Metadata: format="atelier-checkpoint", version="1", step, recipe (JSON text),
// plus the caller's own keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace atelier::run {

inline constexpr std::string_view kCheckpointFormat = "atelier-checkpoint";
inline constexpr std::string_view kCheckpointVersion = "1";
inline constexpr std::string_view kRngStateTensor = "optim.rng_state";

// An F32 tensor; shape empty for a 0-d scalar.
struct CheckpointTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> values;
};

// A tensor of another safetensors dtype ("BF16", "U8", "I64", ...), as its
// little-endian bytes.
struct CheckpointRawTensor {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> bytes;
};

struct Checkpoint {
  std::vector<CheckpointTensor> tensors;
  std::vector<CheckpointRawTensor> raw_tensors;
  std::int64_t step = 0;
  std::string recipe_json;
  // Extra metadata; the keys format, version, step and recipe are reserved.
  std::vector<std::pair<std::string, std::string>> metadata;
  // Opaque RNG state, stored as the U8 tensor "optim.rng_state" (omitted when empty).
  std::vector<std::uint8_t> rng_state;

  // The F32 tensor named name; nullptr when absent.
  const CheckpointTensor* find(std::string_view name) const;
  const CheckpointRawTensor* find_raw(std::string_view name) const;
};

// Writes atomically (temp name, fsync, rename). Invalid input (negative step
// or dims, values not matching the shape, duplicate names, reserved metadata
// keys, a tensor named "optim.rng_state") and I/O errors throw FormatError(path, reason).
void write_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// Reads a checkpoint written by write_checkpoint (bit-exact). F32 tensors come
// back in `tensors`, others in `raw_tensors`, each in name order. A file that
// is not a valid safetensors file, lacks the format/version/step metadata, or
// whose "optim.rng_state" is not 1-d U8 throws FormatError(path, reason).
Checkpoint read_checkpoint(const std::string& path);

// A model's weights from an Atelier checkpoint (read_checkpoint) or from a
// plain safetensors state dict, as PyTorch's
// save_file(model.state_dict(), path) writes it (no Atelier metadata). For a
// plain file: F16, BF16 and F64 tensors come back as f32 in `tensors` (F32
// as they are), other dtypes in `raw_tensors`; a "module." prefix on every
// floating tensor (nn.DataParallel's) is removed; step 0, no recipe. A file
// with Atelier metadata is read as read_checkpoint reads it. FormatError(path,
// reason) for anything that is not a valid safetensors file.
Checkpoint read_weights(const std::string& path);

// The floating tensors' names and shapes as read_weights would give them
// ("module." prefix removed), values left empty: what the file holds,
// without reading it. FormatError(path, reason) for an invalid file.
Checkpoint read_weight_shapes(const std::string& path);

// Checks only the header and metadata; returns the step, or nullopt when the
// file is missing, corrupt or not an Atelier checkpoint.
std::optional<std::int64_t> probe_checkpoint_step(const std::string& path);

} // namespace atelier::run

// Denoising whole micrographs with a trained checkpoint: each image is
// normalised as the run trained (by its own mean and standard deviation, or
// by the run's dataset record, read from the checkpoint's recipe), run
// through the U-Net by overlapping tiles under a memory budget
// (engine/tiled_inference.h), and mapped back to the input's intensity scale.
// The output keeps the input's pixel size.
#pragma once

#include "core/data/image.h"
#include "core/engine/backend.h"
#include "core/engine/tiled_inference.h"
#include "core/engine/unet.h"
#include "core/recipes/denoise/run_normalisation.h"

#include <memory>
#include <string>
#include <vector>

namespace atelier::denoise {

struct DenoiseOptions {
  std::string device = "cpu";
  std::string precision = "bf16";
  engine::TileOptions tiles;
  // "run": as the run trained; "image": each image by its own mean and std
  // whatever the run did (for images on another scale than the training
  // data, e.g. full sums denoised with a model trained on half sums).
  std::string normalisation = "run";
};

// Where denoise_file writes path's result: out_dir/<stem>.mrc.
std::string denoised_path(const std::string& path, const std::string& out_dir);

class MicrographDenoiser {
public:
  // Reads the checkpoint (any checkpoint of a denoise run); FormatError when
  // it is not one.
  MicrographDenoiser(const std::string& checkpoint_path, const DenoiseOptions& options);
  ~MicrographDenoiser();

  const engine::UnetConfig& config() const { return config_; }
  std::string backend_name() const;
  // What denoise() applies (options and the checkpoint's recipe together).
  const RunNormalisation& normalisation() const { return normalisation_; }

  // A single-channel image of any size (at least 2 x 2) -> f32 denoised.
  Image denoise(const Image& image);
  // Loads path (MRC, or TIFF where built), denoises it and writes
  // denoised_path(path, out_dir) (float32, the input's pixel size). Returns
  // that path.
  std::string denoise_file(const std::string& path, const std::string& out_dir);

private:
  DenoiseOptions options_;
  engine::UnetConfig config_;
  RunNormalisation normalisation_;
  std::vector<float> params_;
  std::unique_ptr<engine::Backend> backend_;
  std::unique_ptr<engine::TiledInference> tiled_; // for the last image size
  int tiled_h_ = 0, tiled_w_ = 0;
};

} // namespace atelier::denoise

// Checkpoint loading, normalisation and tiled inference for micrographs.
#include "core/recipes/denoise/micrograph_denoiser.h"

#include "core/base/error.h"
#include "core/engine/backend_factory.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/recipes/denoise/pair_image.h"
#include "core/recipes/denoise/unet_checkpoint.h"
#include "core/run/checkpoint.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace atelier::denoise {

using namespace atelier::engine;

MicrographDenoiser::MicrographDenoiser(const std::string& checkpoint_path,
                                       const DenoiseOptions& options)
    : options_(options) {
  // A run's checkpoint, or a PyTorch state dict of the same U-Net.
  const run::Checkpoint c = read_unet_weights(checkpoint_path);
  config_ = unet_config_from_checkpoint(c, checkpoint_path);
  const Graph g = build_unet(config_, 1, 64, 64);
  params_ = unet_params_from_checkpoint(g, c, checkpoint_path);
  // NaN weights would turn every output pixel into NaN.
  require_finite_params(g, params_, checkpoint_path);
  if (options.normalisation != "run" && options.normalisation != "image")
    throw Error("denoise: --normalisation must be run or image, not '" + options.normalisation +
                "'");
  if (options.normalisation == "run")
    normalisation_ = normalisation_of_recipe(c.recipe_json, checkpoint_path);
  backend_ = make_backend(options.device, options.precision);
}

MicrographDenoiser::~MicrographDenoiser() = default;

std::string MicrographDenoiser::backend_name() const {
  return backend_->name();
}

Image MicrographDenoiser::denoise(const Image& image) {
  if (image.channels() != 1 || image.dtype() != DType::f32)
    throw Error("denoise: expected a single-channel float32 image");
  const int h = int(image.height()), w = int(image.width());
  if (!tiled_ || h != tiled_h_ || w != tiled_w_) {
    tiled_.reset();
    tiled_ = std::make_unique<TiledInference>(config_, params_, *backend_, h, w, options_.tiles);
    tiled_h_ = h;
    tiled_w_ = w;
  }
  std::vector<float> pixels(image.values<float>().begin(), image.values<float>().end());
  const NormalizationRecord record = normalisation_.scheme == NormalisationScheme::dataset
                                         ? normalisation_.record
                                         : image_statistics(pixels);
  apply_normalization(pixels, record);
  Image out(w, h, 1, DType::f32);
  std::span<float> result = out.values<float>();
  tiled_->run(pixels, result);
  // Finite input and weights can still overflow: f16 activations stop at
  // 65504. Nothing is written then.
  const auto bad =
      std::count_if(result.begin(), result.end(), [](float v) { return !std::isfinite(v); });
  if (bad > 0)
    throw Error("denoise: " + std::to_string(bad) + " of " + std::to_string(result.size()) +
                " output pixels are not finite on " + backend_->name() +
                (options_.precision == "fp16" && backend_->is_gpu()
                     ? " (fp16 activations overflow past 65504: use --precision bf16 or fp32)"
                     : " (the weights overflow: check the checkpoint)"));
  for (float& v : result)
    v = float(double(v) * record.std + record.mean);
  out.spacing = image.spacing;
  return out;
}

std::string denoised_path(const std::string& path, const std::string& out_dir) {
  return (std::filesystem::path(out_dir) / std::filesystem::path(path).stem()).string() + ".mrc";
}

std::string MicrographDenoiser::denoise_file(const std::string& path, const std::string& out_dir) {
  const Image input = load_micrograph(path);
  const Image out = denoise(input);
  std::filesystem::create_directories(out_dir);
  const std::string target = denoised_path(path, out_dir);
  if (std::filesystem::exists(target) &&
      std::filesystem::equivalent(std::filesystem::path(target), std::filesystem::path(path)))
    throw Error("denoise: output " + target + " would overwrite its input; choose another --out");
  MrcWriteOptions mo;
  mo.labels = {"atelier denoise (Noise2Noise U-Net)"};
  write_mrc(target, out, mo);
  return target;
}

} // namespace atelier::denoise

// inspect_weights: safetensors facts and the U-Net they describe.
#include "core/recipes/denoise/weights_info.h"

#include "core/io/safetensors_info.h"
#include "core/recipes/denoise/unet_checkpoint.h"

namespace atelier::denoise {

FileInfo inspect_weights(const std::string& path) {
  FileInfo info = inspect_safetensors(path);
  if (const auto layout = unet_layout_of(path)) {
    info.set_extra("model", layout->model);
    info.set_extra("model_config", layout->config.json());
    if (layout->topaz_names) info.set_extra("layer_names", std::string("Topaz-Denoise"));
  }
  return info;
}

} // namespace atelier::denoise

// `info` for weight files: what inspect_safetensors reports, and for U-Net
// weights the model they are, so a file's use is clear before `denoise` or
// `train --init-from` reads it.
#pragma once

#include "core/io/file_info.h"

#include <string>

namespace atelier::denoise {

// inspect_safetensors(path) plus, when the names and shapes are a U-Net this
// engine builds (unet_layout_of): model ("unet", "unet-small" or "custom"),
// model_config (its widths and depth as JSON) and, for Topaz-Denoise's
// layer names, layer_names "Topaz-Denoise".
FileInfo inspect_weights(const std::string& path);

} // namespace atelier::denoise

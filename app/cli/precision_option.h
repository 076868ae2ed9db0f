// --precision for the commands that run the U-Net (train, denoise, bench).
#pragma once

#include "app/cli/cli_options.h"

#include <string>

namespace atelier::cli {

// --precision (bf16 unless given); when it was given and the device does not
// compute in it (bf16 or tf32 on the CPU, which computes in fp32), a note
// saying so on stderr.
std::string precision_option(const CliOptions& o, const std::string& device);

} // namespace atelier::cli

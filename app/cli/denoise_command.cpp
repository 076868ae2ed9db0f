// `atelier-cli denoise --checkpoint C IN... --out DIR`: denoises micrographs
// with any checkpoint of a denoise run (or a PyTorch state dict of the same
// U-Net), one float32 MRC per input.
#include "app/cli/cli_options.h"
#include "app/cli/commands.h"
#include "app/cli/precision_option.h"
#include "core/base/error.h"
#include "core/engine/backend_factory.h"
#include "core/recipes/denoise/micrograph_denoiser.h"

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>

namespace atelier::cli {

int run_denoise(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli denoise --checkpoint CKPT IN... --out DIR [--device cpu|cuda:N]\n"
      "                           [--precision bf16|fp16|tf32|fp32] [--tile 1024] [--overlap 128]\n"
      "                           [--memory-budget-gib 2] [--normalisation run|image]\n"
      "                           [--overwrite]\n"
      "  Writes DIR/<input name>.mrc (float32, the input's pixel size) per input; outputs\n"
      "  already there are kept unless --overwrite.\n"
      "  CKPT: any checkpoint of a denoise run, or a PyTorch state dict of the same U-Net\n"
      "    saved with safetensors (save_file(model.state_dict()); f32, f16 or bf16), with\n"
      "    Atelier's or Topaz-Denoise's layer names (Topaz's unet and unet-small).\n"
      "  --normalisation run (default) scales pixels as the run trained; image scales\n"
      "    each input by its own mean and std (for inputs on another scale, e.g. full\n"
      "    sums with a model trained on half sums with a dataset record).\n";
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << usage;
    return kExitOk;
  }
  int rc = kExitOk;
  std::optional<CliOptions> parsed;
  denoise::DenoiseOptions d;
  std::string out, checkpoint;
  try { // option errors: usage, exit 2
    parsed.emplace(args,
                   std::set<std::string>{"checkpoint", "out", "device", "precision", "tile",
                                         "overlap", "memory-budget-gib", "normalisation"},
                   std::set<std::string>{"overwrite"});
    const CliOptions& o = *parsed;
    if (o.positional().empty()) throw Error("no input micrograph given");
    d.device = o.text("device", engine::default_device());
    d.precision = precision_option(o, d.device);
    d.tiles.tile = int(o.integer("tile", 1024, 64, 65536));
    d.tiles.overlap =
        int(o.integer("overlap", engine::default_tile_overlap(d.tiles.tile), 0, 4096));
    d.tiles.memory_budget_bytes =
        std::size_t(o.number("memory-budget-gib", 2.0, 0.01, 1e6) * double(1ull << 30));
    d.normalisation = o.text("normalisation", d.normalisation);
    out = o.required("out");
    checkpoint = o.required("checkpoint");
  } catch (const std::exception& e) {
    std::cerr << "error: denoise: " << e.what() << '\n' << usage;
    return kExitUsage;
  }
  const CliOptions& o = *parsed;
  try {
    denoise::MicrographDenoiser denoiser(checkpoint, d);
    // Every output is known before any work: two inputs of one name would
    // write one file, and results already there stay unless --overwrite.
    std::map<std::string, std::string> source_of;
    for (const std::string& in : o.positional()) {
      const std::string target = denoise::denoised_path(in, out);
      const auto [it, fresh] = source_of.emplace(target, in);
      if (!fresh)
        throw Error(in + " and " + it->second + " would both be written to " + target +
                    "; denoise them into different --out folders");
      std::error_code ec;
      if (std::filesystem::exists(target, ec) && std::filesystem::equivalent(target, in, ec))
        throw Error("the output " + target + " would overwrite its input; choose another --out");
      if (!o.flag("overwrite") && std::filesystem::exists(target, ec))
        throw Error(target + " exists; pass --overwrite to replace it");
    }
    for (const std::string& in : o.positional()) {
      try {
        std::cout << denoiser.denoise_file(in, out) << '\n';
      } catch (const std::exception& e) {
        // Format errors name their file already.
        const std::string what = e.what();
        std::cerr << "error: " << (what.rfind(in, 0) == 0 ? what : in + ": " + what) << '\n';
        rc = kExitFileError;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "error: denoise: " << e.what() << '\n';
    return kExitFileError;
  }
  return rc;
}

} // namespace atelier::cli

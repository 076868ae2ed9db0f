// Tile-size choice by planned memory, and the tile loop.
#include "core/engine/tiled_inference.h"

#include "core/base/error.h"

#include <algorithm>
#include <cmath>

namespace atelier::engine {

namespace {
int round_up(int v, int m) {
  return (v + m - 1) / m * m;
}
// The tile edge for n pixels: at most `tile`, the n pixels split evenly over
// as few tiles as that allows (rounded up to the U-Net's multiple), so a
// last tile is not mostly context past the image (5760 columns in 1024-pixel
// tiles: six of 960, 6% less work than six of 1024).
int balanced_tile(int n, int tile) {
  const int count = (n + tile - 1) / tile;
  return std::min(tile, round_up((n + count - 1) / count, kUnetSizeMultiple));
}
// What cuDNN may ask per layer (CudnnGraphConvOptions' limit) and the CPU
// im2col cap: both 256 MiB.
constexpr std::size_t kWorkspaceAllowance = std::size_t{256} << 20;
} // namespace

TiledInference::TiledInference(const UnetConfig& config, std::span<const float> params,
                               Backend& backend, int h, int w, const TileOptions& options)
    : backend_(backend), h_(h), w_(w), overlap_(options.overlap) {
  if (h < 2 || w < 2)
    throw Error("image of " + std::to_string(h) + "x" + std::to_string(w) +
                " pixels is too small to denoise");
  if (options.tile < 64 || options.tile % kUnetSizeMultiple != 0)
    throw Error("tile size " + std::to_string(options.tile) + " must be a multiple of " +
                std::to_string(kUnetSizeMultiple) + " and at least 64");
  if (options.overlap < 0 || options.overlap % 16 != 0)
    throw Error("tile overlap " + std::to_string(options.overlap) +
                " must be a non-negative multiple of 16");
  // More context than the tile itself adds nothing the network sees (its
  // receptive field is far smaller) and multiplies the work: at overlap
  // 1008 a 64-pixel tile runs a 2080-pixel window, about 1000 times its area.
  if (options.overlap > options.tile)
    throw Error("tile overlap " + std::to_string(options.overlap) + " is more than the tile (" +
                std::to_string(options.tile) + " pixels): each tile would compute " +
                std::to_string(int(std::lround(
                    std::pow(double(options.tile + 2 * options.overlap) / options.tile, 2)))) +
                " times the pixels it keeps; use an overlap of at most the tile size");
  const std::size_t image_bytes = 2 * std::size_t(h) * std::size_t(w) * sizeof(float);
  // Tiles are not shrunk below the overlap: a window would then be mostly
  // context, computed and thrown away (9 times the kept pixels at equal
  // sizes, 289 times for 64-pixel tiles in 512 of overlap).
  const int smallest = std::max(64, (options.overlap + 31) / 32 * 32);
  for (int tile = options.tile;; tile = std::max(smallest, tile / 2 / 32 * 32)) {
    tile_h_ = balanced_tile(h, tile);
    tile_w_ = balanced_tile(w, tile);
    const Graph g = build_unet(config, 1, tile_h_ + 2 * overlap_, tile_w_ + 2 * overlap_);
    const StepLayout layout = plan_step(g, ExecMode::infer, backend.activation_element_bytes(), 0,
                                        backend.channel_align());
    planned_bytes_ = layout.plan.arena_bytes + kWorkspaceAllowance +
                     g.param_count() * sizeof(float) * 2 + image_bytes + backend.extra_bytes(g);
    if (planned_bytes_ <= options.memory_budget_bytes) {
      executor_ = std::make_unique<Executor>(g, backend, ExecMode::infer);
      break;
    }
    if (tile <= smallest)
      throw Error("denoising a " + std::to_string(h) + "x" + std::to_string(w) + " image needs " +
                  std::to_string(planned_bytes_ >> 20) + " MiB even with " + std::to_string(tile) +
                  "-pixel tiles, over the memory budget of " +
                  std::to_string(options.memory_budget_bytes >> 20) + " MiB" +
                  (smallest > 64 ? "; tiles stay at least as large as the overlap (" +
                                       std::to_string(options.overlap) +
                                       " pixels): lower the overlap or raise the budget"
                                 : ""));
  }
  backend.set_params(params);
  image_ = static_cast<float*>(backend.allocate(std::size_t(h) * w * sizeof(float)));
  try { // the destructor does not run for a constructor that throws
    result_ = static_cast<float*>(backend.allocate(std::size_t(h) * w * sizeof(float)));
  } catch (...) {
    backend.deallocate(image_);
    throw;
  }
}

TiledInference::~TiledInference() {
  backend_.deallocate(result_);
  backend_.deallocate(image_);
}

int TiledInference::tiles() const {
  return ((h_ + tile_h_ - 1) / tile_h_) * ((w_ + tile_w_ - 1) / tile_w_);
}

void TiledInference::upload(std::span<const float> image) {
  if (image.size() != std::size_t(h_) * std::size_t(w_))
    throw Error("tiled inference: image has " + std::to_string(image.size()) +
                " values, expected " + std::to_string(h_) + "x" + std::to_string(w_));
  backend_.copy_in(image_, image.data(), image.size() * sizeof(float));
}

void TiledInference::run_resident() {
  const int wh = tile_h_ + 2 * overlap_, ww = tile_w_ + 2 * overlap_;
  for (int ty = 0; ty < h_; ty += tile_h_)
    for (int tx = 0; tx < w_; tx += tile_w_) {
      backend_.extract_tile(image_, h_, w_, ty - overlap_, tx - overlap_, executor_->input_buffer(),
                            wh, ww);
      executor_->forward_step();
      backend_.insert_tile(executor_->output_buffer(), wh, ww, overlap_, overlap_,
                           std::min(tile_h_, h_ - ty), std::min(tile_w_, w_ - tx), result_, h_, w_,
                           ty, tx);
    }
}

void TiledInference::download(std::span<float> out) {
  if (out.size() != std::size_t(h_) * std::size_t(w_))
    throw Error("tiled inference: output buffer has the wrong size");
  backend_.copy_out(out.data(), result_, out.size() * sizeof(float));
}

void TiledInference::run(std::span<const float> image, std::span<float> out) {
  upload(image);
  run_resident();
  download(out);
}

} // namespace atelier::engine

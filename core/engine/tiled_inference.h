// Whole-image inference by overlapping tiles, so memory stays bounded by a
// budget whatever the image size: the image is cut into tiles of `tile`
// pixels plus `overlap` pixels of context on each side (mirror-reflected at
// the image borders), each window runs through an inference executor, and
// the tile centres are written back. The image and result stay in backend
// memory between upload and download.
#pragma once

#include "core/engine/executor.h"
#include "core/engine/unet.h"

#include <cstddef>
#include <memory>
#include <span>

namespace atelier::engine {

// The context tiles get unless told: 128 pixels, or the whole tile when it
// is smaller (an overlap may not exceed the tile).
inline int default_tile_overlap(int tile) {
  return tile >= 128 ? 128 : tile / 16 * 16;
}

struct TileOptions {
  int tile = 1024; // centre edge, a multiple of 32 (smaller for small images)
  // Context per side, a multiple of 16. 128 (four cells of the five-level
  // U-Net's deepest level) gives what one whole-image pass gives within
  // 1e-4 of the std (64: 4e-2 at the seams, measured on a micrograph).
  int overlap = default_tile_overlap(1024);
  std::size_t memory_budget_bytes = std::size_t{2} << 30;
};

class TiledInference {
public:
  // Picks the largest tile <= options.tile whose planned memory (executor
  // arena, a conv workspace allowance, parameters, image and result) fits the
  // budget, halving down to 64 or the overlap, whichever is larger; Error
  // when even that does not fit. Each side
  // is then split evenly over as few tiles as that size allows (rounded up
  // to a multiple of 32).
  TiledInference(const UnetConfig& config, std::span<const float> params, Backend& backend, int h,
                 int w, const TileOptions& options = {});
  ~TiledInference();

  int tile_h() const { return tile_h_; }
  int tile_w() const { return tile_w_; }
  int tiles() const;
  // Planned backend bytes (activations, workspace, parameters, image, result).
  std::size_t planned_bytes() const { return planned_bytes_; }

  // h x w f32 host image in, h x w out.
  void run(std::span<const float> image, std::span<float> out);
  // The same in three parts, for timing the compute alone.
  void upload(std::span<const float> image);
  void run_resident();
  void download(std::span<float> out);

private:
  Backend& backend_;
  int h_, w_, overlap_, tile_h_ = 0, tile_w_ = 0;
  std::size_t planned_bytes_ = 0;
  std::unique_ptr<Executor> executor_;
  float* image_ = nullptr;
  float* result_ = nullptr;
};

} // namespace atelier::engine

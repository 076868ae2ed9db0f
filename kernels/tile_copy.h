// Tiles of a large single-channel f32 image for tiled inference: cut a
// tile (with mirror-reflected borders where it leaves the image, as
// numpy's 'reflect' / PyTorch's ReflectionPad2d) into an activation buffer of
// f32 or bf16 storage, and write a tile's centre back into the image.
#pragma once

#include "kernels/gpu_stream.h"

#include <cstdint>

namespace atelier::kernels {

// tile[ty][tx] = image[reflect(y0 + ty)][reflect(x0 + tx)] for a th x tw tile;
// y0, x0 may be negative. std::invalid_argument unless the image is at
// least 2 x 2.
void extract_tile_f32(const float* image, int h, int w, int y0, int x0, float* tile, int th, int tw,
                      gpu_stream stream);
void extract_tile_bf16(const float* image, int h, int w, int y0, int x0, std::uint16_t* tile,
                       int th, int tw, gpu_stream stream);

// image[y0 + cy][x0 + cx] = tile[my + cy][mx + cx] for the ch x cw centre
// starting at (my, mx) inside the tile (the caller keeps it inside the image).
void insert_tile_f32(const float* tile, int th, int tw, int my, int mx, int ch, int cw,
                     float* image, int h, int w, int y0, int x0, gpu_stream stream);
void insert_tile_bf16(const std::uint16_t* tile, int th, int tw, int my, int mx, int ch, int cw,
                      float* image, int h, int w, int y0, int x0, gpu_stream stream);

} // namespace atelier::kernels

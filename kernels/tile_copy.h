// Tiles of a large single-channel f32 image for tiled inference: cut a
// tile (with mirror-reflected borders where it leaves the image, as
// numpy's 'reflect' / PyTorch's ReflectionPad2d) into an activation buffer of
// any storage, and write a tile's centre back into the image.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

namespace atelier::kernels {

// tile[ty][tx] = image[reflect(y0 + ty)][reflect(x0 + tx)] for a th x tw tile
// in storage s (the image is f32); y0, x0 may be negative.
// std::invalid_argument unless the image is at least 2 x 2.
void extract_tile(Storage s, const float* image, int h, int w, int y0, int x0, void* tile, int th,
                  int tw, gpu_stream stream);

// image[y0 + cy][x0 + cx] = tile[my + cy][mx + cx] for the ch x cw centre
// starting at (my, mx) inside the tile (the caller keeps it inside the image).
void insert_tile(Storage s, const void* tile, int th, int tw, int my, int mx, int ch, int cw,
                 float* image, int h, int w, int y0, int x0, gpu_stream stream);

} // namespace atelier::kernels

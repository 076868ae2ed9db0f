// Winograd minimal filtering (Lavin & Gray, 2016) for the CPU backend's
// stride-1, undilated convolutions with square 3x3 and 5x5 kernels:
// F(4x4, 3x3) on 6x6 input tiles (interpolation points 0, 1, -1, 2, -2 and
// infinity) and F(4x4, 5x5) on 8x8 tiles (also 1/2 and -1/2). A
// convolution becomes 36 or 64 products of the transformed filters (K x C)
// with the transformed tiles (C x tiles): 4x fewer multiplications than
// im2col + SGEMM for 3x3 kernels, 6.25x for 5x5. Results differ from the
// direct sum by rounding a little larger than its own (the transforms scale
// values by up to 8, or 5.25 and back on 8x8 tiles: rms error 1.6x that of
// 6x6 tiles), and an infinite input gives NaN where the direct sum gives an
// infinity (inf - inf in the transforms).
#pragma once

#include "core/nn/conv2d_reference.h"

#include <cstddef>

namespace atelier::nn {

// Whether conv2d_forward_cpu takes this path for the shape (and the data
// gradient for its transposed shape): stride 1, dilation 1, a 3x3 or 5x5
// kernel, enough channels in and out for the products to outweigh the
// transforms (kWinogradMinChannels; on AVX2 machines
// kWinogradMinChannelsAvx2), rows of at least kWinogradMinWidth outputs
// (eight tiles side by side: the fast gathers) and at least
// kWinogradMinPixels outputs per channel over the batch
// (kWinogradMinPixelsWide with kWinogradMinChannels in and out), over which
// the filter transform is spread. Against the direct kernel and im2col: 4
// images, 48 -> 48 and 96 -> 96 3x3 at 32x32 1.8-2.2x; one image at 32x32,
// 32 to 144 channels 3x3 1.0-1.75x; unet-small's 24 -> 16 and 16 -> 16 3x3
// at 32x32 and 64x64 with 4 images 1.2-1.6x forward, 1.3-1.7x data
// gradient (with one image at 64x64 1.0-1.35x, at 32x32 0.65-1.0x); at
// 16x16 0.85x. 5x5 on 8x8 tiles: 97 -> 64 and 64 -> 32 at 32x32 with one
// image 1.5-2.8x, at 128x128 2x; unet-small's 17 -> 16 at 128x128 with 4
// images 2.2x forward, 1.65x data gradient, 16 -> 16 at 32x32 and 64x64
// 1.7-2.1x; 16 -> 8 0.85-1.4x (and its filter gradient 0.6-0.7x), so 8
// output channels stay with the direct kernel; 64 -> 32 at 16x16 0.6x.
bool conv2d_winograd_applies(const Conv2dShape& shape);
inline constexpr int kWinogradMinChannels = 32;
inline constexpr int kWinogradMinChannelsAvx2 = 16;
inline constexpr int kWinogradMinWidth = 32;
inline constexpr int kWinogradMinPixels = 2048;
inline constexpr int kWinogradMinPixelsWide = 1024;

// Scratch floats conv2d_winograd_forward needs: the transformed filters
// (e C times K rounded up to a multiple of 4, e = 36 or 64 elements per
// tile; in U's layout, or with AVX2 the products' packed one) and one block
// of transformed tiles and products (about 4 MiB; more only when e (C + K)
// floats per tile times 24 tiles exceed that).
std::size_t conv2d_winograd_workspace_floats(const Conv2dShape& shape);

// y = conv(x, w) for a shape with stride 1, dilation 1 and a square 3x3 or
// 5x5 kernel (any padding, channel count and image size; Error otherwise).
// Spans are sized by the caller (conv2d_cpu checks them); the work is spread
// over the CPU pool. The e products run on an AVX2 kernel (four output
// channels by 24 tiles in registers, reading the transformed tiles in
// place: no SGEMM packing or beta pass, 1.04-1.1x faster per layer) where
// the machine has AVX2 and FMA, as SGEMMs elsewhere; with AVX-512F the same
// kernel runs 16 lanes wide (48 tiles a register tile; the same bits), 1.2x
// faster on the full U-Net's inference.
void conv2d_winograd_forward(const Conv2dShape& shape, const float* x, const float* w, float* y,
                             float* workspace);

// Whether conv2d_backward_filter_cpu takes conv2d_winograd_backward_filter:
// on a machine with AVX2 and FMA, the forward rule, and also layers of
// kWinogradMinChannels or more with kWinogradFilterMinWidth columns and
// kWinogradFilterMinPixels outputs (48 -> 48 3x3 at 16x16 with 4 images and
// at 32x32 with one: 1.3-1.5x; at 16x16 with one image it was 0.5x).
// Against im2col + SGEMM (OpenBLAS) and the direct kernel on the full
// U-Net's layers at batch 1 (bench_conv2d_cpu): 97 -> 64 5x5 @256 2.8x
// (1.7x on 6x6 tiles), 96 -> 96 3x3 @128 1.85x, 144 -> 96 3x3 @64 1.25x;
// 48 -> 48 3x3 @128 1.6x and 64 -> 32 5x5 @256 2.5x (1.25x on 6x6 tiles)
// faster than the direct kernel; unet-small's 24 -> 16 3x3 1.1-1.3x, its
// 17 -> 16 5x5 @256 1.5x. (An earlier version on SGEMM products and scalar
// gathers measured 0.65-1.08x.)
bool conv2d_winograd_filter_applies(const Conv2dShape& shape);
inline constexpr int kWinogradFilterMinWidth = 16;
inline constexpr int kWinogradFilterMinPixels = 1024;

// Scratch floats of conv2d_winograd_backward_filter: a block of transformed
// input and dy tiles (about 4 MiB) and the e transformed gradients of every
// filter in double (2 e C K floats, K rounded up to a multiple of 8).
std::size_t conv2d_winograd_filter_workspace_floats(const Conv2dShape& shape);

// dw = the filter gradient (or dw + it when accumulate), as
// G^T [sum over tiles (A dy A^T) . (B^T x B)] G; the sums over tiles run in
// float over a block's eight lanes and in double beyond, in an order that
// depends on the shape only (not on the threads). Error unless
// winograd-shaped and the machine has AVX2 and FMA.
void conv2d_winograd_backward_filter(const Conv2dShape& shape, const float* x, const float* dy,
                                     float* dw, float* workspace, bool accumulate);

namespace testing {
// 0: the default rule (channels, width, outputs); 1: every shape the algorithm handles,
// whatever its channels; -1: never (im2col + SGEMM only).
void set_conv2d_winograd_mode(int mode);
// The portable tile gathers and SGEMM products even where the AVX2 ones
// would run.
void set_conv2d_winograd_portable(bool portable);
// false: the AVX2 products even where AVX-512 would run (the results are
// the same bits either way).
void set_conv2d_winograd_avx512(bool allowed);
} // namespace testing

} // namespace atelier::nn

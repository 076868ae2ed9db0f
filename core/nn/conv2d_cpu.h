// Fast CPU 2D convolution for the training engine's CPU backend: im2col +
// SGEMM (OpenBLAS when the build found it, a built-in blocked, threaded SGEMM
// otherwise), forward and both backward passes. Same semantics, spans and
// validation as conv2d_reference.h (NCHW activations, KCRS weights, zero
// padding, stride, dilation), f32 only.
//
// The engine allocates all memory ahead of time: the overloads taking a
// workspace never allocate; the others allocate the workspace internally.
#pragma once

#include "core/nn/conv2d_reference.h"

#include <cstddef>
#include <span>

namespace atelier::nn {

// The im2col buffer is processed in blocks of output pixels of at most this
// many floats (4 MiB), or one pixel's c*r*s column when that is larger.
inline constexpr std::size_t kConv2dCpuBlockFloats = std::size_t(1) << 20;

// Floats of scratch the workspace overloads need for this shape (0 for 1x1
// stride-1 unpadded convolutions): at most max(kConv2dCpuBlockFloats, c*r*s,
// k*r*s) plus the weight count whatever the image size (stride-1 backward
// data runs as a convolution with flipped filters, kept in the workspace);
// for the shapes Winograd takes (conv2d_winograd.h), its transformed filters
// (e k c with k rounded up to 4, e = 36 on 6x6 tiles or 64 on 8x8) or, for
// the filter gradient, the transformed gradients in double (2 e c k with k
// rounded up to 8), and a block of about kConv2dCpuBlockFloats plus the
// weights; for
// the direct kernel's (conv2d_direct.h), one band of padded input rows (at
// most kConv2dCpuBlockFloats, or the r rows one output row reads), the
// filters repacked, and the filter gradient's partial sums (8 per weight,
// output channels rounded up to a multiple of 4, times the row shares that
// keep layers of few channels parallel).
std::size_t conv2d_cpu_workspace_floats(const Conv2dShape& shape);

// y = conv(x, w).
void conv2d_forward_cpu(const Conv2dShape& shape, std::span<const float> x,
                        std::span<const float> w, std::span<float> y);
void conv2d_forward_cpu(const Conv2dShape& shape, std::span<const float> x,
                        std::span<const float> w, std::span<float> y, std::span<float> workspace);

// dx = d(sum y * dy)/dx (overwrites dx).
void conv2d_backward_data_cpu(const Conv2dShape& shape, std::span<const float> dy,
                              std::span<const float> w, std::span<float> dx);
void conv2d_backward_data_cpu(const Conv2dShape& shape, std::span<const float> dy,
                              std::span<const float> w, std::span<float> dx,
                              std::span<float> workspace);

// dw = d(sum y * dy)/dw; overwrites dw, or adds to it when accumulate.
void conv2d_backward_filter_cpu(const Conv2dShape& shape, std::span<const float> x,
                                std::span<const float> dy, std::span<float> dw,
                                bool accumulate = false);
void conv2d_backward_filter_cpu(const Conv2dShape& shape, std::span<const float> x,
                                std::span<const float> dy, std::span<float> dw,
                                std::span<float> workspace, bool accumulate = false);

// "openblas" or "builtin-gemm", for logs and benchmarks.
const char* conv2d_cpu_backend_name();
// Threads of the CPU pool (cpu_pool.h) that runs im2col/col2im and the
// SGEMM blocks: OpenBLAS's configured thread count when it is used.
int conv2d_cpu_threads();

// Test hooks (not for production code): a smaller im2col block limit in
// floats (0 restores the default) to exercise the column-block path on small
// shapes, and the built-in GEMM even when OpenBLAS is available.
namespace testing {
void set_conv2d_cpu_block_limit(std::size_t floats);
void set_conv2d_cpu_force_builtin_gemm(bool force);
} // namespace testing

} // namespace atelier::nn

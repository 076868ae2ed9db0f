// 2D convolution on the GPU through cuDNN: forward and both backward passes
// of one fixed shape. The object creates its handle and descriptors, picks
// the three algorithms and allocates one workspace once, so a training step
// allocates nothing. This header carries no CUDA or cuDNN types; cudnn.h is
// included by cudnn_conv.cpp only.
#pragma once

#include "kernels/gpu_stream.h"
#include "kernels/storage.h"

#include <cstddef>
#include <memory>
#include <string>

namespace atelier::kernels {

enum class ConvDataType {
  f32 = 1, // FMA math only (no TF32): matches the CPU reference closely
  bf16,    // tensor cores, f32 accumulation
  tf32,    // f32 storage, TF32 tensor cores allowed (PyTorch's default for
           // cuDNN convolutions); CudnnConv2d treats it as f32
  f16,     // tensor cores (also on Turing and Volta), f32 accumulation
};

// The storage of a data type's tensors: f32 for f32 and tf32.
constexpr Storage conv_storage(ConvDataType t) {
  return t == ConvDataType::bf16  ? Storage::bf16
         : t == ConvDataType::f16 ? Storage::f16
                                  : Storage::f32;
}

// nchw: activations NCHW, weights KCRS (PyTorch). nhwc: activations NHWC,
// weights KRSC.
enum class ConvLayout { nchw = 1, nhwc };

// heuristic: cuDNN's ranking (fast to build). measure: cuDNN times every
// algorithm on scratch buffers once, at construction (like PyTorch's
// cudnn.benchmark).
enum class ConvAlgoSearch { heuristic = 1, measure };

// The same numbers as atelier::nn::Conv2dShape (core/nn/conv2d_reference.h),
// which this library cannot depend on. Zero padding.
struct ConvGeometry {
  int n = 1, c = 1, h = 1, w = 1; // batch, input channels, height, width
  int k = 1, r = 1, s = 1;        // output channels, kernel height, width
  int pad_h = 0, pad_w = 0;
  int stride_h = 1, stride_w = 1;
  int dilation_h = 1, dilation_w = 1;
};

struct CudnnConvOptions {
  ConvAlgoSearch search = ConvAlgoSearch::heuristic;
  // Algorithms needing more workspace than this are passed over.
  std::size_t workspace_limit_bytes = std::size_t{256} << 20;
};

class CudnnConv2d {
public:
  // Throws CudaError on any CUDA or cuDNN failure (also without a device)
  // and std::invalid_argument for non-positive sizes.
  CudnnConv2d(const ConvGeometry& geometry, ConvDataType type, ConvLayout layout,
              const CudnnConvOptions& options = {});
  ~CudnnConv2d();
  CudnnConv2d(CudnnConv2d&&) noexcept;
  CudnnConv2d& operator=(CudnnConv2d&&) noexcept;
  CudnnConv2d(const CudnnConv2d&) = delete;
  CudnnConv2d& operator=(const CudnnConv2d&) = delete;

  int out_h() const;
  int out_w() const;
  std::size_t workspace_bytes() const;
  // The chosen algorithms, e.g. "fwd IMPLICIT_PRECOMP_GEMM, bwd_data 1, ..."
  // for logs and benchmarks.
  std::string algorithms() const;

  // Device pointers of the data type and layout given at construction. All
  // asynchronous on stream; the object's workspace is shared by the three
  // calls, so calls on different streams must not overlap.
  // y = conv(x, w)
  void forward(const void* x, const void* w, void* y, gpu_stream stream);
  // dx = gradient of sum(y * dy) with respect to x
  void backward_data(const void* dy, const void* w, void* dx, gpu_stream stream);
  // dw = gradient with respect to w; with accumulate, dw += that gradient.
  void backward_filter(const void* x, const void* dy, void* dw, gpu_stream stream,
                       bool accumulate = false);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace atelier::kernels

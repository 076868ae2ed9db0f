// One of the two translation units that include cudnn.h (with cudnn_graph_conv.cpp).
// Uses cuDNN's legacy convolution API, which cuDNN 9 still ships: one handle,
// tensor/filter descriptors and one convolution descriptor per direction,
// because each direction's algorithm may want its own math type.
#include "kernels/cudnn_conv.h"

#include "kernels/cuda_check.cuh"
#include "kernels/cudnn_check.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

namespace atelier::kernels {
namespace {

// Destructors log instead of throwing.
void log_failure(cudnnStatus_t status, const char* what) {
  if (status != CUDNN_STATUS_SUCCESS)
    std::fprintf(stderr, "atelier: %s failed in ~CudnnConv2d: %s\n", what,
                 cudnnGetErrorString(status));
}

const char* fwd_algo_name(cudnnConvolutionFwdAlgo_t algo) {
  switch (algo) {
  case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM: return "IMPLICIT_GEMM";
  case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM: return "IMPLICIT_PRECOMP_GEMM";
  case CUDNN_CONVOLUTION_FWD_ALGO_GEMM: return "GEMM";
  case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT: return "DIRECT";
  case CUDNN_CONVOLUTION_FWD_ALGO_FFT: return "FFT";
  case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING: return "FFT_TILING";
  case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD: return "WINOGRAD";
  case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED: return "WINOGRAD_NONFUSED";
  default: return "?";
  }
}

const char* bwd_data_algo_name(cudnnConvolutionBwdDataAlgo_t algo) {
  switch (algo) {
  case CUDNN_CONVOLUTION_BWD_DATA_ALGO_0: return "ALGO_0";
  case CUDNN_CONVOLUTION_BWD_DATA_ALGO_1: return "ALGO_1";
  case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT: return "FFT";
  case CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING: return "FFT_TILING";
  case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD: return "WINOGRAD";
  case CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED: return "WINOGRAD_NONFUSED";
  default: return "?";
  }
}

const char* bwd_filter_algo_name(cudnnConvolutionBwdFilterAlgo_t algo) {
  switch (algo) {
  case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0: return "ALGO_0";
  case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1: return "ALGO_1";
  case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT: return "FFT";
  case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_3: return "ALGO_3";
  case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_WINOGRAD_NONFUSED: return "WINOGRAD_NONFUSED";
  case CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING: return "FFT_TILING";
  default: return "?";
  }
}

const char* math_name(cudnnMathType_t math) {
  switch (math) {
  case CUDNN_DEFAULT_MATH: return "default";
  case CUDNN_TENSOR_OP_MATH: return "tensor_op";
  case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION: return "tensor_op_conversion";
  case CUDNN_FMA_MATH: return "fma";
  default: return "?";
  }
}

// The first usable entry of a ranked list (cuDNN sorts by expected or measured
// time). f32 refuses tensor-op entries: TF32 would lose ~3 decimal digits.
template <typename Perf>
const Perf* pick(const Perf* perf, int count, bool f32, std::size_t workspace_limit) {
  for (int i = 0; i < count; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > workspace_limit) continue;
    if (f32 && (perf[i].mathType == CUDNN_TENSOR_OP_MATH ||
                perf[i].mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION))
      continue;
    return &perf[i];
  }
  return nullptr;
}

} // namespace

struct CudnnConv2d::Impl {
  bool f32 = true;
  int out_h = 0, out_w = 0;
  cudnnHandle_t handle = nullptr;
  cudnnTensorDescriptor_t x_desc = nullptr, y_desc = nullptr;
  cudnnFilterDescriptor_t w_desc = nullptr;
  cudnnConvolutionDescriptor_t fwd_desc = nullptr, bwd_data_desc = nullptr,
                               bwd_filter_desc = nullptr;
  cudnnConvolutionFwdAlgo_t fwd_algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  cudnnConvolutionBwdDataAlgo_t bwd_data_algo = CUDNN_CONVOLUTION_BWD_DATA_ALGO_0;
  cudnnConvolutionBwdFilterAlgo_t bwd_filter_algo = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_0;
  void* workspace = nullptr;
  std::size_t workspace_bytes = 0;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ~Impl() {
    if (workspace) {
      const cudaError_t rc = cudaFree(workspace);
      if (rc != cudaSuccess)
        std::fprintf(stderr, "atelier: cudaFree failed in ~CudnnConv2d: %s\n",
                     cudaGetErrorString(rc));
    }
    for (cudnnConvolutionDescriptor_t d : {fwd_desc, bwd_data_desc, bwd_filter_desc})
      if (d) log_failure(cudnnDestroyConvolutionDescriptor(d), "cudnnDestroyConvolutionDescriptor");
    if (w_desc) log_failure(cudnnDestroyFilterDescriptor(w_desc), "cudnnDestroyFilterDescriptor");
    for (cudnnTensorDescriptor_t d : {x_desc, y_desc})
      if (d) log_failure(cudnnDestroyTensorDescriptor(d), "cudnnDestroyTensorDescriptor");
    if (handle) log_failure(cudnnDestroy(handle), "cudnnDestroy");
  }

  cudnnConvolutionDescriptor_t make_conv_desc(const ConvGeometry& g) {
    cudnnConvolutionDescriptor_t d = nullptr;
    CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&d));
    // Cross-correlation is what deep-learning frameworks call convolution.
    // Compute type float for f32, bf16 and f16 data.
    const cudnnStatus_t rc =
        cudnnSetConvolution2dDescriptor(d, g.pad_h, g.pad_w, g.stride_h, g.stride_w, g.dilation_h,
                                        g.dilation_w, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT);
    if (rc != CUDNN_STATUS_SUCCESS) {
      cudnnDestroyConvolutionDescriptor(d);
      throw_cudnn_error(rc, "cudnnSetConvolution2dDescriptor", __FILE__, __LINE__);
    }
    // f32: FMA kernels only (no TF32). bf16, f16: tensor cores.
    CUDNN_CHECK(cudnnSetConvolutionMathType(d, f32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH));
    return d;
  }

  void set_math(cudnnConvolutionDescriptor_t d, cudnnMathType_t chosen) {
    // f32 keeps FMA whatever the ranking reported; 16-bit data takes the
    // winner's.
    if (!f32) CUDNN_CHECK(cudnnSetConvolutionMathType(d, chosen));
  }

  void init(const ConvGeometry& g, ConvDataType type, ConvLayout layout,
            const CudnnConvOptions& options) {
    const int sizes[] = {g.n, g.c,        g.h,        g.w,          g.k,         g.r,
                         g.s, g.stride_h, g.stride_w, g.dilation_h, g.dilation_w};
    for (int v : sizes)
      if (v <= 0)
        throw std::invalid_argument("CudnnConv2d: sizes, strides and dilations must be positive");
    if (g.pad_h < 0 || g.pad_w < 0)
      throw std::invalid_argument("CudnnConv2d: padding must not be negative");
    const Storage storage = conv_storage(type);
    f32 = storage == Storage::f32;
    const cudnnDataType_t dtype = f32                        ? CUDNN_DATA_FLOAT
                                  : storage == Storage::bf16 ? CUDNN_DATA_BFLOAT16
                                                             : CUDNN_DATA_HALF;
    const cudnnTensorFormat_t format =
        layout == ConvLayout::nchw ? CUDNN_TENSOR_NCHW : CUDNN_TENSOR_NHWC;

    CUDNN_CHECK(cudnnCreate(&handle));
    CUDNN_CHECK(cudnnCreateTensorDescriptor(&x_desc));
    CUDNN_CHECK(cudnnCreateTensorDescriptor(&y_desc));
    CUDNN_CHECK(cudnnCreateFilterDescriptor(&w_desc));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(x_desc, format, dtype, g.n, g.c, g.h, g.w));
    CUDNN_CHECK(cudnnSetFilter4dDescriptor(w_desc, dtype, format, g.k, g.c, g.r, g.s));
    fwd_desc = make_conv_desc(g);
    bwd_data_desc = make_conv_desc(g);
    bwd_filter_desc = make_conv_desc(g);
    int on = 0, ok = 0;
    CUDNN_CHECK(
        cudnnGetConvolution2dForwardOutputDim(fwd_desc, x_desc, w_desc, &on, &ok, &out_h, &out_w));
    CUDNN_CHECK(cudnnSetTensor4dDescriptor(y_desc, format, dtype, on, ok, out_h, out_w));

    choose_algorithms(options);

    std::size_t bytes = 0, need = 0;
    CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(handle, x_desc, w_desc, fwd_desc, y_desc,
                                                        fwd_algo, &need));
    bytes = std::max(bytes, need);
    CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(handle, w_desc, y_desc, bwd_data_desc,
                                                             x_desc, bwd_data_algo, &need));
    bytes = std::max(bytes, need);
    CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
        handle, x_desc, y_desc, bwd_filter_desc, w_desc, bwd_filter_algo, &need));
    bytes = std::max(bytes, need);
    if (bytes > 0) CUDA_CHECK(cudaMalloc(&workspace, bytes));
    workspace_bytes = bytes;
  }

  void choose_algorithms(const CudnnConvOptions& options) {
    const bool measure = options.search == ConvAlgoSearch::measure;
    const std::size_t limit = options.workspace_limit_bytes;
    int returned = 0;
    {
      cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT] = {};
      if (measure)
        CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithm(handle, x_desc, w_desc, fwd_desc, y_desc,
                                                         CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                                                         &returned, perf));
      else
        CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(handle, x_desc, w_desc, fwd_desc, y_desc,
                                                           CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                                                           &returned, perf));
      if (const auto* best = pick(perf, returned, f32, limit)) {
        fwd_algo = best->algo;
        set_math(fwd_desc, best->mathType);
      }
    }
    {
      cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT] = {};
      if (measure)
        CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithm(
            handle, w_desc, y_desc, bwd_data_desc, x_desc, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
            &returned, perf));
      else
        CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
            handle, w_desc, y_desc, bwd_data_desc, x_desc, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
            &returned, perf));
      if (const auto* best = pick(perf, returned, f32, limit)) {
        bwd_data_algo = best->algo;
        set_math(bwd_data_desc, best->mathType);
      }
    }
    {
      cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT] = {};
      if (measure)
        CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithm(
            handle, x_desc, y_desc, bwd_filter_desc, w_desc,
            CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &returned, perf));
      else
        CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
            handle, x_desc, y_desc, bwd_filter_desc, w_desc,
            CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &returned, perf));
      if (const auto* best = pick(perf, returned, f32, limit)) {
        bwd_filter_algo = best->algo;
        set_math(bwd_filter_desc, best->mathType);
      }
    }
    // Nothing usable in a ranking: the defaults (implicit GEMM, algo 0) stay;
    // the workspace query or the first call reports if they cannot run.
  }

  std::string describe() const {
    const auto math = [](cudnnConvolutionDescriptor_t d) {
      cudnnMathType_t m = CUDNN_DEFAULT_MATH;
      cudnnGetConvolutionMathType(d, &m);
      return math_name(m);
    };
    return std::string("fwd ") + fwd_algo_name(fwd_algo) + "/" + math(fwd_desc) + ", bwd_data " +
           bwd_data_algo_name(bwd_data_algo) + "/" + math(bwd_data_desc) + ", bwd_filter " +
           bwd_filter_algo_name(bwd_filter_algo) + "/" + math(bwd_filter_desc) + ", workspace " +
           std::to_string(workspace_bytes) + " B";
  }
};

CudnnConv2d::CudnnConv2d(const ConvGeometry& geometry, ConvDataType type, ConvLayout layout,
                         const CudnnConvOptions& options)
    : impl_(std::make_unique<Impl>()) {
  // init runs after impl_ owns the Impl, so a throw frees what was created.
  impl_->init(geometry, type, layout, options);
}

CudnnConv2d::~CudnnConv2d() = default;
CudnnConv2d::CudnnConv2d(CudnnConv2d&&) noexcept = default;
CudnnConv2d& CudnnConv2d::operator=(CudnnConv2d&&) noexcept = default;

int CudnnConv2d::out_h() const {
  return impl_->out_h;
}
int CudnnConv2d::out_w() const {
  return impl_->out_w;
}
std::size_t CudnnConv2d::workspace_bytes() const {
  return impl_->workspace_bytes;
}
std::string CudnnConv2d::algorithms() const {
  return impl_->describe();
}

void CudnnConv2d::forward(const void* x, const void* w, void* y, gpu_stream stream) {
  Impl& m = *impl_;
  const float alpha = 1.0f, beta = 0.0f;
  CUDNN_CHECK(cudnnSetStream(m.handle, stream));
  CUDNN_CHECK(cudnnConvolutionForward(m.handle, &alpha, m.x_desc, x, m.w_desc, w, m.fwd_desc,
                                      m.fwd_algo, m.workspace, m.workspace_bytes, &beta, m.y_desc,
                                      y));
}

void CudnnConv2d::backward_data(const void* dy, const void* w, void* dx, gpu_stream stream) {
  Impl& m = *impl_;
  const float alpha = 1.0f, beta = 0.0f;
  CUDNN_CHECK(cudnnSetStream(m.handle, stream));
  CUDNN_CHECK(cudnnConvolutionBackwardData(m.handle, &alpha, m.w_desc, w, m.y_desc, dy,
                                           m.bwd_data_desc, m.bwd_data_algo, m.workspace,
                                           m.workspace_bytes, &beta, m.x_desc, dx));
}

void CudnnConv2d::backward_filter(const void* x, const void* dy, void* dw, gpu_stream stream,
                                  bool accumulate) {
  Impl& m = *impl_;
  const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  CUDNN_CHECK(cudnnSetStream(m.handle, stream));
  CUDNN_CHECK(cudnnConvolutionBackwardFilter(m.handle, &alpha, m.x_desc, x, m.y_desc, dy,
                                             m.bwd_filter_desc, m.bwd_filter_algo, m.workspace,
                                             m.workspace_bytes, &beta, m.w_desc, dw));
}

} // namespace atelier::kernels

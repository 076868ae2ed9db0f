// The stream type of the kernels' host functions, without CUDA headers:
// gpu_stream is cudaStream_t (nullptr is the default stream).
#pragma once

struct CUstream_st;

namespace atelier::kernels {

using gpu_stream = CUstream_st*;

} // namespace atelier::kernels

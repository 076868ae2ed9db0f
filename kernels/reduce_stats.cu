// One-pass statistics: each thread accumulates shifted sums in double over a
// grid-stride loop, warps reduce with shuffles, and one atomic per block
// merges into the result. Bound by memory bandwidth: 4 bytes per value.
#include "kernels/cuda_check.cuh"
#include "kernels/reduce_stats.h"

#include <cfloat>
#include <cmath>
#include <cstring>

namespace atelier::kernels {
namespace {

struct DeviceSums {
  unsigned long long count;
  unsigned long long non_finite;
  double sum;
  double sum_squares;
  int min_ordered; // floats mapped to order-preserving ints for atomicMin/Max
  int max_ordered;
};

__device__ __forceinline__ int float_to_ordered(float f) {
  const int i = __float_as_int(f);
  return i >= 0 ? i : i ^ 0x7fffffff;
}

__host__ __device__ inline float ordered_to_float(int i) {
#ifdef __CUDA_ARCH__
  return __int_as_float(i >= 0 ? i : i ^ 0x7fffffff);
#else
  const int bits = i >= 0 ? i : i ^ 0x7fffffff;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
#endif
}

constexpr int kThreads = 256;

__global__ void reduce_stats_kernel(const float* __restrict__ x, std::size_t n, float shift,
                                    DeviceSums* out) {
  double sum = 0.0, sq = 0.0;
  unsigned long long count = 0, bad = 0;
  float lo = FLT_MAX, hi = -FLT_MAX;
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    const float v = __ldg(x + i);
    if (!isfinite(v)) {
      ++bad;
      continue;
    }
    const double d = static_cast<double>(v) - static_cast<double>(shift);
    sum += d;
    sq += d * d;
    ++count;
    lo = fminf(lo, v);
    hi = fmaxf(hi, v);
  }
  for (int offset = 16; offset > 0; offset >>= 1) {
    sum += __shfl_down_sync(0xffffffffu, sum, offset);
    sq += __shfl_down_sync(0xffffffffu, sq, offset);
    count += __shfl_down_sync(0xffffffffu, count, offset);
    bad += __shfl_down_sync(0xffffffffu, bad, offset);
    lo = fminf(lo, __shfl_down_sync(0xffffffffu, lo, offset));
    hi = fmaxf(hi, __shfl_down_sync(0xffffffffu, hi, offset));
  }
  __shared__ double s_sum[kThreads / 32], s_sq[kThreads / 32];
  __shared__ unsigned long long s_count[kThreads / 32], s_bad[kThreads / 32];
  __shared__ float s_lo[kThreads / 32], s_hi[kThreads / 32];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) {
    s_sum[warp] = sum;
    s_sq[warp] = sq;
    s_count[warp] = count;
    s_bad[warp] = bad;
    s_lo[warp] = lo;
    s_hi[warp] = hi;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < kThreads / 32; ++w) {
      sum += s_sum[w];
      sq += s_sq[w];
      count += s_count[w];
      bad += s_bad[w];
      lo = fminf(lo, s_lo[w]);
      hi = fmaxf(hi, s_hi[w]);
    }
    atomicAdd(&out->sum, sum);
    atomicAdd(&out->sum_squares, sq);
    atomicAdd(&out->count, count);
    atomicAdd(&out->non_finite, bad);
    if (count > 0) {
      atomicMin(&out->min_ordered, float_to_ordered(lo));
      atomicMax(&out->max_ordered, float_to_ordered(hi));
    }
  }
}

} // namespace

double StatsSums::mean() const {
  return count ? shift + sum / static_cast<double>(count) : NAN;
}

double StatsSums::std() const {
  if (!count) return NAN;
  const double m = sum / static_cast<double>(count);
  const double var = sum_squares / static_cast<double>(count) - m * m;
  return std::sqrt(var > 0.0 ? var : 0.0);
}

StatsSums reduce_stats_f32(const float* device_data, std::size_t n, float shift,
                           gpu_stream stream) {
  StatsSums result;
  result.shift = shift;
  if (n == 0) return result;

  DeviceSums init{0, 0, 0.0, 0.0, 0x7fffffff, static_cast<int>(0x80000000u)};
  DeviceSums* d_sums = nullptr;
  CUDA_CHECK(cudaMallocAsync(&d_sums, sizeof(DeviceSums), stream));
  DeviceSums host{};
  try {
    CUDA_CHECK(cudaMemcpyAsync(d_sums, &init, sizeof init, cudaMemcpyHostToDevice, stream));
    int device = 0, sms = 0;
    CUDA_CHECK(cudaGetDevice(&device));
    CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
    const std::size_t wanted = (n + kThreads - 1) / kThreads;
    const unsigned blocks =
        static_cast<unsigned>(wanted < static_cast<std::size_t>(sms) * 8 ? wanted : sms * 8);
    reduce_stats_kernel<<<blocks, kThreads, 0, stream>>>(device_data, n, shift, d_sums);
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaMemcpyAsync(&host, d_sums, sizeof host, cudaMemcpyDeviceToHost, stream));
    CUDA_CHECK(cudaFreeAsync(d_sums, stream));
    d_sums = nullptr; // freed once, whatever the synchronisation says
    CUDA_CHECK(cudaStreamSynchronize(stream));
  } catch (...) {
    if (d_sums) cudaFreeAsync(d_sums, stream);
    throw;
  }
  result.count = host.count;
  result.non_finite = host.non_finite;
  result.sum = host.sum;
  result.sum_squares = host.sum_squares;
  if (host.count) {
    result.min = ordered_to_float(host.min_ordered);
    result.max = ordered_to_float(host.max_ordered);
  }
  return result;
}

} // namespace atelier::kernels

// Bandwidth of reduce_stats_f32 on a 4096x4096 and a 64 M-value array.
// Napkin math: the kernel reads 4 bytes per value once; an H100 SXM reads
// HBM3 at ~3.35 TB/s, so 64 MiB should take ~20 us plus launch and sync.
#include "kernels/device_info.h"
#include "kernels/reduce_stats.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

using namespace atelier;

int main() {
  if (kernels::device_count() == 0) {
    std::printf("SKIP: no CUDA device\n");
    return 77;
  }
  const auto dev = kernels::list_devices().front();
  for (std::size_t n : {std::size_t{4096} * 4096, std::size_t{64} << 20}) {
    std::vector<float> host(n, 1.5f);
    float* d = nullptr;
    if (cudaMalloc(&d, n * sizeof(float)) != cudaSuccess) return 1;
    cudaMemcpy(d, host.data(), n * sizeof(float), cudaMemcpyHostToDevice);
    std::vector<double> ms;
    for (int rep = 0; rep < 30; ++rep) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto s = kernels::reduce_stats_f32(d, n, 1.5f, nullptr);
      const auto t1 = std::chrono::steady_clock::now();
      if (s.count != n) return 1;
      if (rep >= 5) ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    cudaFree(d);
    std::sort(ms.begin(), ms.end());
    const double median = ms[ms.size() / 2];
    std::printf("{\"bench\":\"gpu_reduce_stats\",\"device\":\"%s\",\"values\":%zu,"
                "\"median_ms\":%.4f,\"gb_per_s\":%.1f}\n",
                dev.name.c_str(), n, median, n * 4.0 / (median * 1e-3) / 1e9);
  }
  return 0;
}

// reduce_stats_f32 on the GPU against RunningStats on the CPU, on data with
// a large offset (precision), NaN/Inf (excluded), odd sizes and one value.
#include "core/data/stats.h"
#include "kernels/device_info.h"
#include "kernels/reduce_stats.h"
#include "tests/support/plain_check.h"

#include <cuda_runtime.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace atelier;

namespace {

void compare(const std::vector<float>& host) {
  float* dev = nullptr;
  CHECK(cudaMalloc(&dev, host.size() * sizeof(float) + 4) == cudaSuccess);
  CHECK(cudaMemcpy(dev, host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice) ==
        cudaSuccess);
  const float shift = host.empty() ? 0.0f : host[0];
  const auto gpu =
      kernels::reduce_stats_f32(dev, host.size(), std::isfinite(shift) ? shift : 0.0f, nullptr);
  cudaFree(dev);

  RunningStats cpu;
  cpu.add(host.data(), DType::f32, host.size());
  CHECK(gpu.count == cpu.count());
  CHECK(gpu.non_finite == cpu.non_finite());
  if (cpu.count() == 0) return;
  CHECK(gpu.min == cpu.min());
  CHECK(gpu.max == cpu.max());
  // Double accumulation in a different order: agree to ~1e-12 relative.
  CHECK_NEAR(gpu.mean(), cpu.mean(), 1e-9, 1e-10);
  CHECK_NEAR(gpu.std(), cpu.std(), 1e-9, 1e-8);
}

} // namespace

int main() {
  if (kernels::device_count() == 0) {
    std::printf("SKIP: no CUDA device\n");
    return test::kSkipExitCode;
  }
  std::mt19937 rng(1234);
  std::normal_distribution<float> noise(6000.0f, 250.0f);

  std::vector<float> micrograph(4096 * 4096 + 17);
  for (auto& v : micrograph)
    v = noise(rng);
  compare(micrograph);

  std::vector<float> with_bad(100003);
  for (auto& v : with_bad)
    v = noise(rng) - 6000.0f;
  with_bad[5] = std::numeric_limits<float>::quiet_NaN();
  with_bad[77] = std::numeric_limits<float>::infinity();
  with_bad[100002] = -std::numeric_limits<float>::infinity();
  compare(with_bad);

  compare({42.5f});
  compare({-3.0f, -1.0f, -2.0f});
  compare({std::numeric_limits<float>::quiet_NaN()});
  return test::check_exit_code();
}

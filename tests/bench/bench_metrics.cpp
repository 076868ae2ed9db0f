// Import-time cost per micrograph: generic metrics, the thumbnail, the
// power spectrum (with Thon-ring analysis) and the perceptual hash (of the
// full image, and of the thumbnail as import takes it) on a float32 image,
// 4096 x 4096 by default. Napkin math: each pass over 64 MiB streams from
// memory (~10-20 ms); generic metrics make two passes (stats, Laplacian)
// plus selections on a 2^16 subsample; the spectrum is 16 FFTs of 512^2
// (~1 ms each with FFTW); the thumbnail one mapped, averaged pass.
// Measured here (shared 2-core machine, medians): 4096^2 generic 30 ms,
// thumbnail 16 ms, spectrum 19 ms, full-image hash 63 ms; 1024^2 3.3, 2.1,
// 4.9 and 4.0 ms. Prints one JSON object per line with medians.
#include "core/metrics/cryoem_metrics.h"
#include "core/metrics/generic_metrics.h"
#include "core/metrics/thumbnail.h"

#include <QTest>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>

using namespace atelier;
using namespace atelier::metrics;

namespace {

// ATELIER_BENCH_REPS overrides the repetitions (for profiling).
const int kReps = [] {
  const char* env = std::getenv("ATELIER_BENCH_REPS");
  return env ? std::max(1, std::atoi(env)) : 3;
}();
// ATELIER_BENCH_SIDE overrides the side (1024 is the import benchmark's size).
const std::int64_t kSide = [] {
  const char* env = std::getenv("ATELIER_BENCH_SIDE");
  return env ? std::max<std::int64_t>(64, std::atoll(env)) : std::int64_t{4096};
}();

double median_ms(const std::function<void()>& run) {
  std::vector<double> ms;
  for (int i = 0; i < kReps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void report(const char* what, double ms) {
  std::printf("{\"bench\":\"metrics\",\"what\":\"%s\",\"side\":%lld,\"median_ms\":%.3f,"
              "\"reps\":%d}\n",
              what, static_cast<long long>(kSide), ms, kReps);
  std::fflush(stdout);
}

} // namespace

class BenchMetrics : public QObject {
  Q_OBJECT

private slots:
  void micrograph4k() {
    Image img(kSide, kSide, 1, DType::f32);
    std::mt19937 rng(1);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    for (float& v : img.values<float>())
      v = noise(rng);
    img.spacing.xyz = {1.0, 1.0, 1.0};
    img.spacing.unit = "A";

    std::vector<Metric> generic;
    const double g = median_ms([&] { generic = generic_metrics(img); });
    report("generic_metrics", g);
    QVERIFY(std::abs(*find_metric(generic, "noise_sigma") - 1.0) < 0.05);

    Image thumb;
    const double t = median_ms([&] { thumb = make_thumbnail(img); });
    report("thumbnail", t);
    QCOMPARE(thumb.width(), 256);

    std::vector<Metric> cryo;
    const double p = median_ms([&] { cryo = cryoem_metrics(img); });
    report("power_spectrum_thon_rings", p);
    QVERIFY(find_metric(cryo, "thon_visibility"));

    std::uint64_t hash = 0;
    const double h = median_ms([&] { hash = perceptual_hash(img); });
    report("perceptual_hash", h);
    const double ht = median_ms([&] { hash ^= perceptual_hash(thumb); });
    report("perceptual_hash_of_thumbnail", ht);
    report("total_as_import", g + t + p + ht);
  }
};

QTEST_APPLESS_MAIN(BenchMetrics)
#include "bench_metrics.moc"

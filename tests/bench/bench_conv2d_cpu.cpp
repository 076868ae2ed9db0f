// The fast CPU convolution (im2col + SGEMM) versus the f32 reference on
// U-Net-like layers at batch 4, crop 128: forward, backward data and backward
// filter, medians of several reps. Napkin math: the reference accumulates in
// double one tap at a time (~1 GFLOP/s); im2col + SGEMM should run near the
// SGEMM rate for these K = 16 products, tens of GFLOP/s on a laptop, so a
// speed-up of 10x or more. Prints one JSON object per layer.
#include "core/nn/conv2d_cpu.h"
#include "core/nn/conv2d_direct.h"
#include "core/nn/conv2d_reference.h"
#include "core/nn/conv2d_winograd.h"

#include <QTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

using namespace atelier;
using nn::Conv2dShape;

Q_DECLARE_METATYPE(Conv2dShape)

namespace {

constexpr int kRefReps = 3;
constexpr int kFastReps = 7;

double median_ms(int reps, const std::function<void()>& run) {
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    const auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

Conv2dShape layer(int c, int side, int k, int kernel) {
  Conv2dShape sh;
  sh.n = 4;
  sh.c = c;
  sh.h = sh.w = side;
  sh.k = k;
  sh.r = sh.s = kernel;
  sh.pad_h = sh.pad_w = kernel / 2;
  return sh;
}

std::vector<float> random_floats(std::size_t count, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (auto& x : v)
    x = d(rng);
  return v;
}

// Largest |a - b| relative to the largest |b|.
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double err = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    err = std::max(err, std::fabs(double(a[i]) - double(b[i])));
    scale = std::max(scale, std::fabs(double(b[i])));
  }
  return err / std::max(scale, 1e-30);
}

} // namespace

class BenchConv2dCpu : public QObject {
  Q_OBJECT
private slots:
  void layers_data() {
    QTest::addColumn<Conv2dShape>("shape");
    QTest::newRow("stem 1->16 11x11 @128") << layer(1, 128, 16, 11);
    QTest::newRow("body 16->16 3x3 @64") << layer(16, 64, 16, 3);
    QTest::newRow("decoder 33->16 5x5 @128") << layer(33, 128, 16, 5);
  }

  void layers() {
    QFETCH(Conv2dShape, shape);
    std::mt19937 rng(7);
    const std::vector<float> x = random_floats(shape.input_count(), rng);
    const std::vector<float> w = random_floats(shape.weight_count(), rng);
    const std::vector<float> dy = random_floats(shape.output_count(), rng);
    std::vector<float> ws(nn::conv2d_cpu_workspace_floats(shape));
    std::vector<float> y_ref(shape.output_count()), dx_ref(shape.input_count()),
        dw_ref(shape.weight_count());
    std::vector<float> y(y_ref.size()), dx(dx_ref.size()), dw(dw_ref.size());

    const double ref_fwd = median_ms(kRefReps, [&] { nn::conv2d_forward(shape, x, w, y_ref); });
    const double ref_data =
        median_ms(kRefReps, [&] { nn::conv2d_backward_data(shape, dy, w, dx_ref); });
    const double ref_filter =
        median_ms(kRefReps, [&] { nn::conv2d_backward_filter(shape, x, dy, dw_ref); });

    const auto fwd = [&] { nn::conv2d_forward_cpu(shape, x, w, y, ws); };
    const auto data = [&] { nn::conv2d_backward_data_cpu(shape, dy, w, dx, ws); };
    const auto filter = [&] { nn::conv2d_backward_filter_cpu(shape, x, dy, dw, ws); };
    fwd(); // warm-up: thread pool, OpenBLAS threads, page faults
    data();
    filter();
    const double fast_fwd = median_ms(kFastReps, fwd);
    const double fast_data = median_ms(kFastReps, data);
    const double fast_filter = median_ms(kFastReps, filter);

    const double err = std::max(
        {relative_error(y, y_ref), relative_error(dx, dx_ref), relative_error(dw, dw_ref)});
    QVERIFY2(err < 1e-4, qPrintable(QString("fast path differs: %1").arg(err)));

    const double ref_total = ref_fwd + ref_data + ref_filter;
    const double fast_total = fast_fwd + fast_data + fast_filter;
    // Multiply-adds of one pass, times 2 flops, times 3 passes.
    const double flops = 2.0 * 3.0 * double(shape.output_count()) * shape.c * shape.r * shape.s;
    std::printf("{\"bench\":\"conv2d_cpu\",\"layer\":\"%s\",\"backend\":\"%s\",\"threads\":%d,"
                "\"batch\":%d,\"ref_ms\":{\"fwd\":%.2f,\"bwd_data\":%.2f,\"bwd_filter\":%.2f,"
                "\"total\":%.2f},\"fast_ms\":{\"fwd\":%.2f,\"bwd_data\":%.2f,\"bwd_filter\":%.2f,"
                "\"total\":%.2f},\"speedup\":%.1f,\"fast_gflops\":%.1f,\"max_rel_err\":%.2g,"
                "\"reps\":[%d,%d]}\n",
                QTest::currentDataTag(), nn::conv2d_cpu_backend_name(), nn::conv2d_cpu_threads(),
                shape.n, ref_fwd, ref_data, ref_filter, ref_total, fast_fwd, fast_data, fast_filter,
                fast_total, ref_total / fast_total, flops / (fast_total * 1e6), err, kRefReps,
                kFastReps);
    std::fflush(stdout);
  }

  // The fast paths against im2col + SGEMM at batch 1: Winograd on the full
  // U-Net's 3x3 and 5x5 layers (48 filters, crop 256), the direct kernel on
  // unet-small's (8 filters); the time of each pass both ways.
  void fastPathsVersusIm2col_data() {
    QTest::addColumn<Conv2dShape>("shape");
    QTest::addColumn<bool>("winograd"); // else the direct kernel
    const auto at = [](int c, int side, int k, int kernel) {
      Conv2dShape sh = layer(c, side, k, kernel);
      sh.n = 1;
      return sh;
    };
    QTest::newRow("winograd enc 48->48 3x3 @128") << at(48, 128, 48, 3) << true;
    QTest::newRow("winograd enc 48->48 3x3 @64") << at(48, 64, 48, 3) << true;
    QTest::newRow("winograd dec 144->96 3x3 @64") << at(144, 64, 96, 3) << true;
    QTest::newRow("winograd dec 96->96 3x3 @128") << at(96, 128, 96, 3) << true;
    QTest::newRow("winograd head 97->64 5x5 @256") << at(97, 256, 64, 5) << true;
    QTest::newRow("winograd head 64->32 5x5 @256") << at(64, 256, 32, 5) << true;
    // unet-small's decoder and head (from 16 channels on AVX2 machines).
    QTest::newRow("winograd small dec 24->16 3x3 @64") << at(24, 64, 16, 3) << true;
    QTest::newRow("winograd small dec 16->16 3x3 @64") << at(16, 64, 16, 3) << true;
    QTest::newRow("winograd small head 17->16 5x5 @256") << at(17, 256, 16, 5) << true;
    QTest::newRow("direct stem 1->8 11x11 @256") << at(1, 256, 8, 11) << false;
    QTest::newRow("direct enc 8->8 3x3 @128") << at(8, 128, 8, 3) << false;
    QTest::newRow("direct dec 24->16 3x3 @128") << at(24, 128, 16, 3) << false;
    QTest::newRow("direct head 16->8 5x5 @256") << at(16, 256, 8, 5) << false;
    QTest::newRow("direct head 8->1 5x5 @256") << at(8, 256, 1, 5) << false;
    // The full U-Net's layers with few output channels or narrow rows.
    QTest::newRow("direct unet stem 1->48 11x11 @256") << at(1, 256, 48, 11) << false;
    QTest::newRow("direct unet head 32->1 5x5 @256") << at(32, 256, 1, 5) << false;
    QTest::newRow("direct unet enc 48->48 3x3 @32") << at(48, 32, 48, 3) << false;
  }

  void fastPathsVersusIm2col() {
    QFETCH(Conv2dShape, shape);
    QFETCH(bool, winograd);
    // The direct kernel's rows keep Winograd off both ways.
    const auto set_mode = [winograd](int mode) {
      nn::testing::set_conv2d_winograd_mode(winograd ? mode : -1);
      if (!winograd) nn::testing::set_conv2d_direct_mode(mode);
    };
    set_mode(0);
    if (!(winograd ? nn::conv2d_winograd_applies(shape) : nn::conv2d_direct_applies(shape)))
      QSKIP("the fast path does not take this shape on this machine");
    std::mt19937 rng(7);
    const std::vector<float> x = random_floats(shape.input_count(), rng);
    const std::vector<float> w = random_floats(shape.weight_count(), rng);
    const std::vector<float> dy = random_floats(shape.output_count(), rng);
    std::vector<float> y(shape.output_count()), dx(shape.input_count()), dw(shape.weight_count());
    double ms[2][3] = {}; // [im2col, fast][forward, data, filter]
    for (int fast : {0, 1}) {
      set_mode(fast ? 0 : -1);
      std::vector<float> ws(nn::conv2d_cpu_workspace_floats(shape));
      const auto fwd = [&] { nn::conv2d_forward_cpu(shape, x, w, y, ws); };
      const auto data = [&] { nn::conv2d_backward_data_cpu(shape, dy, w, dx, ws); };
      const auto filter = [&] { nn::conv2d_backward_filter_cpu(shape, x, dy, dw, ws); };
      fwd();
      data();
      filter();
      ms[fast][0] = median_ms(kFastReps, fwd);
      ms[fast][1] = median_ms(kFastReps, data);
      ms[fast][2] = median_ms(kFastReps, filter);
    }
    set_mode(0);
    nn::testing::set_conv2d_winograd_mode(0);
    std::printf("{\"bench\":\"conv2d_fast_path\",\"layer\":\"%s\",\"im2col_ms\":[%.2f,%.2f,%.2f],"
                "\"fast_ms\":[%.2f,%.2f,%.2f],\"speedup\":[%.2f,%.2f,%.2f]}\n",
                QTest::currentDataTag(), ms[0][0], ms[0][1], ms[0][2], ms[1][0], ms[1][1], ms[1][2],
                ms[0][0] / ms[1][0], ms[0][1] / ms[1][1], ms[0][2] / ms[1][2]);
    std::fflush(stdout);
  }
};

QTEST_APPLESS_MAIN(BenchConv2dCpu)
#include "bench_conv2d_cpu.moc"

// The fast CPU convolution (im2col + SGEMM; stride-1 backward data as a
// convolution with flipped filters) against the f64 reference, all three
// passes, over kernel sizes 1..11, padding, stride, dilation, odd and
// rectangular shapes, 1 and 97 channels, batches 1..3, accumulation, the
// column-block path (forced with a tiny block limit), the built-in SGEMM
// (forced even when OpenBLAS is present), Winograd's 3x3 and 5x5 path
// (forced on small channel counts too), the direct kernel (forced on every
// stride-1 shape), and span/workspace size errors.
#include "core/base/error.h"
#include "core/nn/conv2d_cpu.h"
#include "core/nn/conv2d_direct.h"
#include "core/nn/conv2d_reference.h"
#include "core/nn/conv2d_winograd.h"
#include "core/nn/cpu_pool.h"
#include "tests/support/gradient_check.h"
#include "tests/support/pool_runs.h"
#include "tests/support/test_support.h"

#include <QCoreApplication>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

using namespace atelier;
using nn::Conv2dShape;

Q_DECLARE_METATYPE(Conv2dShape)

namespace {

// f32 sums in a different order than the reference's f64 ones: each result
// must lie within kTol of the sum of |term| (the reference run on absolute
// values). One wrong or missing term of n is ~1/n of that sum; n stays below
// 3000 here, so an indexing error shows as >= 3e-4 on typical elements.
constexpr double kTol = 2e-6;
// Winograd's products sum terms the transforms scaled up: the worst error
// measured over winogradMatchesReference's shapes was 4e-6 of the sum of
// |terms| on 6x6 tiles (3x3 kernels), 2.6e-5 on 8x8 (5x5: F(4x4, 5x5) with
// 2 or 3 channels, edge outputs whose few terms sum to little beside the
// tile they are computed from; 2-3e-6 from 8 channels, rms 1.3e-7 to
// 3e-7); one wrong term of those shapes' at most 2425 shows as >= 4e-4.
constexpr double kWinogradTol = 2e-5;
constexpr double kWinograd8x8Tol = 1e-4;

std::vector<float> random_floats(std::size_t count, std::mt19937& rng) {
  const std::vector<double> d = atelier::test::random_values(count, rng);
  return std::vector<float>(d.begin(), d.end());
}

std::vector<double> widen(const std::vector<float>& v, bool absolute = false) {
  std::vector<double> d(v.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    d[i] = absolute ? std::fabs(double(v[i])) : double(v[i]);
  return d;
}

// Fails on the first element outside want +- (kTol mag + slack |base|).
void compare(const char* what, const std::vector<float>& got, const std::vector<double>& want,
             const std::vector<double>& mag, const std::vector<float>& base = {},
             double tol = kTol) {
  QCOMPARE(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double slack = base.empty() ? 0.0 : 1.2e-7 * std::fabs(double(base[i]));
    const double err = std::fabs(double(got[i]) - want[i]);
    if (!(err <= tol * mag[i] + slack + 1e-30)) // NaN (an unwritten output) fails too
      QFAIL(qPrintable(QString("%1[%2]: got %3, expected %4 (|terms| %5)")
                           .arg(what)
                           .arg(i)
                           .arg(got[i], 0, 'g', 9)
                           .arg(want[i], 0, 'g', 17)
                           .arg(mag[i], 0, 'g', 6)));
  }
}

// Random inputs for shape (x, w, dy, and dw0 to accumulate onto) and the
// f64 reference's results with their sums of |terms| (the reference run on
// absolute values).
struct Case {
  std::vector<float> x, w, dy, dw0;
  std::vector<double> want_y, mag_y, want_dx, mag_dx, want_dw, mag_dw;
  std::vector<double> want_acc; // dw0 + the filter gradient
};

Case make_case(const Conv2dShape& shape, unsigned seed) {
  std::mt19937 rng(seed);
  Case t;
  t.x = random_floats(shape.input_count(), rng);
  t.w = random_floats(shape.weight_count(), rng);
  t.dy = random_floats(shape.output_count(), rng);
  t.dw0 = random_floats(shape.weight_count(), rng);
  t.want_y.resize(shape.output_count());
  t.mag_y.resize(shape.output_count());
  t.want_dx.resize(shape.input_count());
  t.mag_dx.resize(shape.input_count());
  t.want_dw.resize(shape.weight_count());
  t.mag_dw.resize(shape.weight_count());
  nn::conv2d_forward(shape, widen(t.x), widen(t.w), t.want_y);
  nn::conv2d_forward(shape, widen(t.x, true), widen(t.w, true), t.mag_y);
  nn::conv2d_backward_data(shape, widen(t.dy), widen(t.w), t.want_dx);
  nn::conv2d_backward_data(shape, widen(t.dy, true), widen(t.w, true), t.mag_dx);
  nn::conv2d_backward_filter(shape, widen(t.x), widen(t.dy), t.want_dw);
  nn::conv2d_backward_filter(shape, widen(t.x, true), widen(t.dy, true), t.mag_dw);
  t.want_acc.resize(t.dw0.size());
  for (std::size_t i = 0; i < t.dw0.size(); ++i)
    t.want_acc[i] = double(t.dw0[i]) + t.want_dw[i];
  return t;
}

// All three passes of shape through the CPU convolution against the f64
// reference, within tol of the sum of |terms|, and the filter gradient's
// accumulation. Workspace and outputs start as NaN, so an unwritten value
// fails. Returns the worst error relative to that sum.
double check_passes(const Conv2dShape& shape, unsigned seed, const char* what, double tol) {
  const Case t = make_case(shape, seed);
  const auto& [x, w, dy, dw0, want_y, mag_y, want_dx, mag_dx, want_dw, mag_dw, want_acc] = t;
  // Outputs and workspace carry a sentinel tail that must stay untouched.
  constexpr std::size_t kTail = 64;
  const std::size_t ws_floats = nn::conv2d_cpu_workspace_floats(shape);
  std::vector<float> ws_buf(ws_floats + kTail, std::nanf(""));
  std::vector<float> y_buf(shape.output_count() + kTail, std::nanf(""));
  std::vector<float> dx_buf(shape.input_count() + kTail, std::nanf(""));
  std::vector<float> dw_buf(shape.weight_count() + kTail, std::nanf(""));
  const std::span<float> ws(ws_buf.data(), ws_floats), y_out(y_buf.data(), shape.output_count()),
      dx_out(dx_buf.data(), shape.input_count()), dw_out(dw_buf.data(), shape.weight_count());
  for (auto* buf : {&ws_buf, &y_buf, &dx_buf, &dw_buf})
    std::fill(buf->end() - kTail, buf->end(), 12345.0f);
  nn::conv2d_forward_cpu(shape, x, w, y_out, ws);
  nn::conv2d_backward_data_cpu(shape, dy, w, dx_out, ws);
  nn::conv2d_backward_filter_cpu(shape, x, dy, dw_out, ws);
  for (auto* buf : {&ws_buf, &y_buf, &dx_buf, &dw_buf})
    if (!std::all_of(buf->end() - kTail, buf->end(), [](float v) { return v == 12345.0f; })) {
      QTest::qFail("a write past the end of an output or the workspace", __FILE__, __LINE__);
      return 0;
    }
  const std::vector<float> y(y_out.begin(), y_out.end()), dx(dx_out.begin(), dx_out.end()),
      dw(dw_out.begin(), dw_out.end());
  double worst = 0;
  const auto track = [&worst](const std::vector<float>& got, const std::vector<double>& want,
                              const std::vector<double>& mag) {
    for (std::size_t i = 0; i < got.size(); ++i)
      if (mag[i] > 0) worst = std::max(worst, std::fabs(got[i] - want[i]) / mag[i]);
  };
  track(y, want_y, mag_y);
  track(dx, want_dx, mag_dx);
  track(dw, want_dw, mag_dw);
  compare((std::string("y ") + what).c_str(), y, want_y, mag_y, {}, tol);
  compare((std::string("dx ") + what).c_str(), dx, want_dx, mag_dx, {}, tol);
  compare((std::string("dw ") + what).c_str(), dw, want_dw, mag_dw, {}, tol);
  // Accumulation adds to what is there.
  std::vector<float> acc = dw0;
  nn::conv2d_backward_filter_cpu(shape, x, dy, acc, ws, true);
  compare((std::string("dw accumulated ") + what).c_str(), acc, want_acc, mag_dw, dw0, tol);
  return worst;
}

// Restores the production settings after each test function.
struct HookGuard {
  ~HookGuard() {
    nn::testing::set_conv2d_cpu_block_limit(0);
    nn::testing::set_conv2d_cpu_force_builtin_gemm(false);
    nn::testing::set_conv2d_winograd_mode(0);
    nn::testing::set_conv2d_winograd_portable(false);
    nn::testing::set_conv2d_winograd_avx512(true);
    nn::testing::set_conv2d_direct_mode(0);
    nn::testing::set_conv2d_direct_band_limit(0);
  }
};

template <typename F>
void expect_error(F&& f, const QString& message) {
  try {
    f();
    QFAIL("no error");
  } catch (const Error& e) {
    QCOMPARE(QString::fromStdString(e.message()), message);
  }
}

// The shapes the thread-count check runs: Winograd (3x3 and 5x5), the
// direct kernel, and im2col + SGEMM (a stride and a wide layer).
std::vector<Conv2dShape> thread_check_shapes() {
  Conv2dShape strided = Conv2dShape::square(2, 12, 33, 31, 20, 3, 3, 1);
  strided.stride_h = strided.stride_w = 2;
  return {Conv2dShape::square(2, 40, 36, 70, 40, 3, 3, 1),
          Conv2dShape::square(1, 48, 40, 64, 32, 5, 5, 2),
          Conv2dShape::square(2, 8, 64, 64, 8, 5, 5, 2),
          Conv2dShape::square(2, 1, 96, 64, 8, 11, 11, 5),
          strided,
          Conv2dShape::square(1, 97, 20, 20, 80, 3, 3, 1)};
}

// Child mode of passesAreTheSameOnAnyPoolSize: a hash of every pass's
// output bits over thread_check_shapes().
int print_pass_bits() {
  std::uint64_t hash = 1469598103934665603ull;
  for (const Conv2dShape& shape : thread_check_shapes()) {
    std::mt19937 rng(17);
    const std::vector<float> x = random_floats(shape.input_count(), rng),
                             w = random_floats(shape.weight_count(), rng),
                             dy = random_floats(shape.output_count(), rng);
    std::vector<float> ws(nn::conv2d_cpu_workspace_floats(shape)), y(shape.output_count()),
        dx(shape.input_count()), dw(shape.weight_count());
    nn::conv2d_forward_cpu(shape, x, w, y, ws);
    nn::conv2d_backward_data_cpu(shape, dy, w, dx, ws);
    nn::conv2d_backward_filter_cpu(shape, x, dy, dw, ws);
    for (const std::vector<float>* v : {&y, &dx, &dw})
      hash = test::fnv1a(v->data(), v->size() * sizeof(float), hash);
  }
  test::print_pool_bits(hash);
  return 0;
}

} // namespace

class TestConv2dCpu : public QObject {
  Q_OBJECT
private slots:
  void matchesReference_data();
  void matchesReference();
  void blockPathIsBounded();
  void directMatchesReference_data();
  void directMatchesReference();
  void directFilterIgnoresColumnsPastTheRow();
  void filterIsTheSameOnAnyThreads_data();
  void passesAreTheSameOnAnyPoolSize();
  void filterIsTheSameOnAnyThreads();
  void winogradMatchesReference_data();
  void winogradMatchesReference();
  void winogradAvx512GivesTheAvx2Bits_data();
  void winogradAvx512GivesTheAvx2Bits();
  void backendName();
  void wrongSizes();
  void invalidShape();
};

void TestConv2dCpu::matchesReference_data() {
  QTest::addColumn<Conv2dShape>("shape");
  QTest::addColumn<int>("block_pixels"); // 0: default limit, else pixels per im2col block
  QTest::addColumn<bool>("builtin");

  std::vector<std::pair<QString, Conv2dShape>> shapes = {
      {"1x1 direct", Conv2dShape::square(2, 5, 7, 9, 3, 1, 1, 0, 1, 1)},
      {"1x1 direct c97", Conv2dShape::square(1, 97, 6, 5, 4, 1, 1, 0, 1, 1)},
      {"1x1 dilation 2 is direct", Conv2dShape::square(1, 3, 5, 6, 2, 1, 1, 0, 1, 2)},
      {"1x1 stride 2", Conv2dShape::square(2, 3, 9, 8, 4, 1, 1, 0, 2, 1)},
      {"c97 3x3 pad 1", Conv2dShape::square(1, 97, 12, 10, 6, 3, 3, 1, 1, 1)},
      {"c97 5x5 pad 2 stride 2 batch 3", Conv2dShape::square(3, 97, 11, 13, 2, 5, 5, 2, 2, 1)},
      {"stem-like 1->16 11x11 pad 5", Conv2dShape::square(2, 1, 32, 29, 16, 11, 11, 5, 1, 1)},
      {"k1 odd everything", Conv2dShape::square(3, 2, 5, 3, 1, 3, 3, 1, 2, 1)},
      {"kernel covers input", Conv2dShape::square(1, 2, 5, 5, 3, 5, 5, 0, 1, 1)},
  };
  for (int r : {3, 5})
    for (int pad = 0; pad <= r / 2; ++pad)
      for (int stride : {1, 2})
        for (int dilation : {1, 2})
          shapes.push_back(
              {QString("%1x%1 pad %2 stride %3 dilation %4")
                   .arg(r)
                   .arg(pad)
                   .arg(stride)
                   .arg(dilation),
               Conv2dShape::square(r == 3 ? 2 : 1, 3, 17, 14, 5, r, r, pad, stride, dilation)});
  for (int pad : {0, 2, 5})
    for (int stride : {1, 2})
      for (int dilation : {1, 2})
        shapes.push_back(
            {QString("11x11 pad %1 stride %2 dilation %3").arg(pad).arg(stride).arg(dilation),
             Conv2dShape::square(1, 2, 27, 24, 3, 11, 11, pad, stride, dilation)});
  Conv2dShape mixed = Conv2dShape::square(2, 2, 9, 10, 3, 3, 5, 0, 1, 1);
  mixed.pad_h = 1;
  mixed.pad_w = 2;
  mixed.stride_w = 2;
  mixed.dilation_h = 2;
  shapes.push_back({"rectangular mixed", mixed});
  Conv2dShape tall = Conv2dShape::square(1, 4, 31, 7, 3, 5, 1, 2, 1, 1);
  tall.pad_w = 0;
  tall.stride_h = 3;
  shapes.push_back({"5x1 stride 3x1", tall});

  for (const auto& [name, shape] : shapes)
    for (bool builtin : {false, true}) {
      const QString gemm = builtin ? "builtin" : "default gemm";
      QTest::newRow(qPrintable(name + ", " + gemm)) << shape << 0 << builtin;
      // Blocks of 7 pixels start mid-row; 1-pixel blocks are the extreme.
      QTest::newRow(qPrintable(name + ", " + gemm + ", 7-pixel blocks")) << shape << 7 << builtin;
    }
  QTest::newRow("c97 3x3, 1-pixel blocks")
      << Conv2dShape::square(2, 97, 6, 7, 3, 3, 3, 1, 1, 1) << 1 << false;
  QTest::newRow("stem-like, 1-pixel blocks, builtin")
      << Conv2dShape::square(1, 1, 12, 13, 16, 11, 11, 5, 1, 1) << 1 << true;
}

void TestConv2dCpu::matchesReference() {
  QFETCH(Conv2dShape, shape);
  QFETCH(int, block_pixels);
  QFETCH(bool, builtin);
  HookGuard guard;
  nn::testing::set_conv2d_direct_mode(-1); // im2col + SGEMM here (see directMatchesReference)
  const std::size_t rows = std::size_t(shape.c) * shape.r * shape.s;
  nn::testing::set_conv2d_cpu_block_limit(std::size_t(block_pixels) * rows);
  nn::testing::set_conv2d_cpu_force_builtin_gemm(builtin);
  if (builtin) QCOMPARE(QString(nn::conv2d_cpu_backend_name()), QString("builtin-gemm"));

  const std::size_t pixels = std::size_t(shape.out_h()) * shape.out_w();
  const bool direct = shape.r == 1 && shape.s == 1 && shape.stride_h == 1 && shape.stride_w == 1 &&
                      shape.pad_h == 0 && shape.pad_w == 0;
  // Stride 1: backward data runs as the convolution of dy with the flipped
  // filters (k * r * s rows over the input's pixels), which are kept in the
  // workspace too.
  const bool transposed = !direct && shape.stride_h == 1 && shape.stride_w == 1 &&
                          shape.dilation_h * (shape.r - 1) >= shape.pad_h &&
                          shape.dilation_w * (shape.s - 1) >= shape.pad_w;
  const std::size_t t_rows = std::size_t(shape.k) * shape.r * shape.s;
  const std::size_t ws_floats = nn::conv2d_cpu_workspace_floats(shape);
  if (direct)
    QCOMPARE(ws_floats, std::size_t(0));
  else if (block_pixels > 0) {
    // Blocks are evened out, so they may be narrower than the limit.
    const std::size_t limit = rows * std::size_t(block_pixels);
    if (transposed) {
      QVERIFY(ws_floats <= std::max(limit, std::max(t_rows, limit)) + shape.weight_count());
    } else {
      QVERIFY(ws_floats <= limit);
      QCOMPARE(ws_floats % rows, std::size_t(0));
    }
  } else if (transposed) {
    // The data gradient's matrix is blocked like any other.
    const std::size_t t_matrix = std::min(t_rows * std::size_t(shape.h) * shape.w,
                                          std::max(nn::kConv2dCpuBlockFloats, t_rows));
    QVERIFY(ws_floats >= std::min(rows * pixels, nn::kConv2dCpuBlockFloats) * 99 / 100);
    QVERIFY(ws_floats <= std::max(rows * pixels, t_matrix + shape.weight_count()));
  } else {
    QCOMPARE(ws_floats, rows * pixels);
  }

  const Case t = make_case(shape, 1234);
  const auto& [x, w, dy, dw0, want_y, mag_y, want_dx, mag_dx, want_dw, mag_dw, want_acc] = t;

  // Outputs and workspace start as NaN: everything must be overwritten.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> ws(ws_floats, nan);
  std::vector<float> y(shape.output_count(), nan);
  nn::conv2d_forward_cpu(shape, x, w, y, ws);
  compare("y", y, want_y, mag_y);
  std::vector<float> dx(shape.input_count(), nan);
  nn::conv2d_backward_data_cpu(shape, dy, w, dx, ws);
  compare("dx", dx, want_dx, mag_dx);
  std::vector<float> dw(shape.weight_count(), nan);
  nn::conv2d_backward_filter_cpu(shape, x, dy, dw, ws);
  compare("dw", dw, want_dw, mag_dw);

  // Accumulation adds to what is there.
  std::vector<float> acc = dw0;
  nn::conv2d_backward_filter_cpu(shape, x, dy, acc, ws, true);
  compare("dw accumulated", acc, want_acc, mag_dw, dw0);

  // The allocating overloads give the same results.
  std::vector<float> y2(y.size(), nan), dx2(dx.size(), nan), dw2(dw.size(), nan), acc2 = dw0;
  nn::conv2d_forward_cpu(shape, x, w, y2);
  nn::conv2d_backward_data_cpu(shape, dy, w, dx2);
  nn::conv2d_backward_filter_cpu(shape, x, dy, dw2);
  nn::conv2d_backward_filter_cpu(shape, x, dy, acc2, true);
  compare("y (allocating)", y2, want_y, mag_y);
  compare("dx (allocating)", dx2, want_dx, mag_dx);
  compare("dw (allocating)", dw2, want_dw, mag_dw);
  compare("dw accumulated (allocating)", acc2, want_acc, mag_dw, dw0);
}

void TestConv2dCpu::blockPathIsBounded() {
  HookGuard guard;
  nn::testing::set_conv2d_direct_mode(-1); // im2col's blocks
  // A 512 x 512 image, 97 channels, 5x5 "same": im2col would be 2425 x 262144
  // floats (2.4 GiB); blocks keep it within 4 MiB.
  QCOMPARE(nn::kConv2dCpuBlockFloats, std::size_t(1) << 20);
  const Conv2dShape big = Conv2dShape::square(4, 97, 512, 512, 8, 5, 5, 2, 1, 1);
  // Stride 1 adds the flipped filters (8 x 97 x 25) for the data gradient.
  const std::size_t ws = nn::conv2d_cpu_workspace_floats(big);
  QVERIFY(ws <= nn::kConv2dCpuBlockFloats + big.weight_count());
  QVERIFY(ws >= nn::kConv2dCpuBlockFloats * 99 / 100); // blocks are not needlessly small
  // Winograd (the head's 97 -> 64 5x5, on 8x8 tiles): the transformed
  // filters (64 k c) and one block of tiles, whatever the image size.
  const Conv2dShape head = Conv2dShape::square(4, 97, 512, 512, 64, 5, 5, 2, 1, 1);
  QVERIFY(nn::conv2d_winograd_applies(head));
  // The default rule: 32 channels, 32 columns, 2048 outputs per channel.
  QVERIFY(nn::conv2d_winograd_applies(Conv2dShape::square(2, 48, 32, 32, 48, 3, 3, 1, 1, 1)));
  // 1024 outputs suffice with 32+ channels in and out, not with fewer.
  QVERIFY(nn::conv2d_winograd_applies(Conv2dShape::square(1, 48, 32, 32, 48, 3, 3, 1, 1, 1)));
  QVERIFY(!nn::conv2d_winograd_applies(Conv2dShape::square(1, 24, 32, 32, 24, 3, 3, 1, 1, 1)));
  QVERIFY(!nn::conv2d_winograd_applies(Conv2dShape::square(8, 48, 16, 16, 48, 3, 3, 1, 1, 1)));
  QVERIFY(!nn::conv2d_winograd_applies(Conv2dShape::square(2, 12, 32, 32, 48, 3, 3, 1, 1, 1)));
  // From 16 channels on AVX2 machines (where the filter gradient takes the
  // path too), else from 32.
  const bool avx2 = nn::conv2d_winograd_filter_applies(head);
  QCOMPARE(nn::conv2d_winograd_applies(Conv2dShape::square(4, 24, 64, 64, 16, 3, 3, 1, 1, 1)),
           avx2);
  QCOMPARE(nn::conv2d_winograd_applies(Conv2dShape::square(4, 16, 32, 32, 16, 3, 3, 1, 1, 1)),
           avx2);
  QVERIFY(!nn::conv2d_winograd_applies(Conv2dShape::square(4, 16, 16, 16, 16, 3, 3, 1, 1, 1)));
  QCOMPARE(nn::conv2d_winograd_applies(Conv2dShape::square(4, 17, 128, 128, 16, 5, 5, 2, 1, 1)),
           avx2);
  QVERIFY(!nn::conv2d_winograd_applies(Conv2dShape::square(4, 16, 128, 128, 8, 5, 5, 2, 1, 1)));
  QVERIFY(nn::conv2d_winograd_applies(Conv2dShape::square(2, 32, 32, 32, 32, 5, 5, 2, 1, 1)));
  // The filter gradient also from 16 columns and 1024 outputs with 32+
  // channels, but not from 256 outputs.
  const Conv2dShape small_plane = Conv2dShape::square(4, 48, 16, 16, 48, 3, 3, 1, 1, 1);
  QVERIFY(!nn::conv2d_winograd_applies(small_plane));
  QCOMPARE(nn::conv2d_winograd_filter_applies(small_plane), avx2);
  QCOMPARE(
      nn::conv2d_winograd_filter_applies(Conv2dShape::square(1, 48, 32, 32, 48, 3, 3, 1, 1, 1)),
      avx2);
  QVERIFY(
      !nn::conv2d_winograd_filter_applies(Conv2dShape::square(1, 48, 16, 16, 48, 3, 3, 1, 1, 1)));
  QVERIFY(
      !nn::conv2d_winograd_filter_applies(Conv2dShape::square(4, 24, 16, 16, 24, 3, 3, 1, 1, 1)));
  nn::testing::set_conv2d_winograd_mode(-1);
  QVERIFY(!nn::conv2d_winograd_filter_applies(small_plane));
  nn::testing::set_conv2d_winograd_mode(0);
  // (U, or with AVX2 the same floats in the products' packed layout.)
  const std::size_t filters = std::size_t(64) * 97 * 64;
  QVERIFY(nn::conv2d_winograd_workspace_floats(head) <= filters + nn::kConv2dCpuBlockFloats);
  // Its filter gradient: a block of tiles and the transformed gradients in
  // double (twice U's floats); the layer's workspace is the largest pass's.
  QVERIFY(nn::conv2d_winograd_filter_workspace_floats(head) <=
          2 * filters + nn::kConv2dCpuBlockFloats + 1);
  QVERIFY(nn::conv2d_cpu_workspace_floats(head) <=
          2 * filters + nn::kConv2dCpuBlockFloats + 1 + head.weight_count());
  // The direct kernel (the full U-Net's last layer, 32 -> 1 5x5, at 4096^2):
  // one band of padded rows, whatever the image size.
  nn::testing::set_conv2d_direct_mode(0);
  const Conv2dShape last = Conv2dShape::square(1, 32, 4096, 4096, 1, 5, 5, 2, 1, 1);
  if (nn::conv2d_direct_applies(last)) {
    QVERIFY(nn::conv2d_direct_filter_applies(last));
    QVERIFY(nn::conv2d_cpu_workspace_floats(last) <= nn::kConv2dCpuBlockFloats + 32 * 1024);
    QVERIFY(nn::conv2d_cpu_workspace_floats(last) >= nn::kConv2dCpuBlockFloats / 2);
  }
  nn::testing::set_conv2d_direct_mode(-1);
  const Conv2dShape strided = Conv2dShape::square(4, 97, 512, 512, 16, 5, 5, 2, 2, 1);
  QCOMPARE(nn::conv2d_cpu_workspace_floats(strided) % 2425, std::size_t(0));
  // One column wider than the limit still works (a block is >= 1 pixel):
  // 2425 floats for the forward pass, 200 + the weights for the data gradient.
  nn::testing::set_conv2d_cpu_block_limit(100);
  QCOMPARE(nn::conv2d_cpu_workspace_floats(big), std::size_t(200) + big.weight_count());
  QCOMPARE(nn::conv2d_cpu_workspace_floats(strided), std::size_t(2425));
  // A shape that fits in one block needs its im2col matrix (here the data
  // gradient's, as large, plus the flipped filters).
  nn::testing::set_conv2d_cpu_block_limit(0);
  nn::testing::set_conv2d_winograd_mode(-1);
  QCOMPARE(nn::conv2d_cpu_workspace_floats(Conv2dShape::square(4, 16, 64, 64, 16, 3, 3, 1, 1, 1)),
           std::size_t(144) * 4096 + 16 * 16 * 9);
  // Otherwise evenly sized blocks: 825 x 16384 in 13 blocks of 1261 pixels.
  QCOMPARE(nn::conv2d_cpu_workspace_floats(Conv2dShape::square(4, 33, 128, 128, 16, 5, 5, 2, 1, 1)),
           std::size_t(825) * 1261);
  QCOMPARE(nn::conv2d_cpu_workspace_floats(Conv2dShape::square(4, 16, 64, 64, 16, 1, 1, 0, 1, 1)),
           std::size_t(0));
}

void TestConv2dCpu::directMatchesReference_data() {
  QTest::addColumn<Conv2dShape>("shape");
  Conv2dShape rect = Conv2dShape::square(2, 3, 13, 21, 5, 3, 5, 1);
  rect.pad_w = 2;
  QTest::newRow("3x3 pad 1, 3 -> 5, batch 2") << Conv2dShape::square(2, 3, 17, 14, 5, 3, 3, 1);
  QTest::newRow("3x3 pad 0, 16 -> 16") << Conv2dShape::square(1, 16, 12, 19, 16, 3, 3, 0);
  QTest::newRow("3x3 pad 2, 8 -> 9 (a partial block)")
      << Conv2dShape::square(1, 8, 9, 10, 9, 3, 3, 2);
  QTest::newRow("5x5 pad 2, 17 -> 16") << Conv2dShape::square(2, 17, 15, 33, 16, 5, 5, 2);
  QTest::newRow("5x5 pad 2, 8 -> 1") << Conv2dShape::square(1, 8, 11, 26, 1, 5, 5, 2);
  QTest::newRow("11x11 pad 5, 1 -> 16") << Conv2dShape::square(2, 1, 32, 29, 16, 11, 11, 5);
  QTest::newRow("rows narrower than a vector") << Conv2dShape::square(1, 4, 6, 5, 3, 3, 3, 1);
  QTest::newRow("rows of one vector, 6 -> 7") << Conv2dShape::square(2, 6, 13, 8, 7, 3, 3, 1);
  QTest::newRow("3x5 kernel, pads 1 and 2") << rect;
  QTest::newRow("24 -> 24 3x3 @40 (two row bands)")
      << Conv2dShape::square(1, 24, 40, 40, 24, 3, 3, 1);
  // Output channel blocks of 4 and 2; rows wider than a band.
  QTest::newRow("5x5 pad 2, 2 -> 6, 1030 wide") << Conv2dShape::square(2, 2, 3, 1030, 6, 5, 5, 2);
}

void TestConv2dCpu::directMatchesReference() {
  // Forced on whatever the channels (by default the forward pass takes at
  // most 64 output channels, the filter gradient 16, or 48 on planes of
  // 1024+ outputs). All three passes run through it (the data gradient as a forward
  // convolution); the sums run in another order than im2col's, within the
  // same bound.
  QFETCH(Conv2dShape, shape);
  HookGuard guard;
  nn::testing::set_conv2d_direct_mode(1);
  if (!nn::conv2d_direct_applies(shape)) QSKIP("this machine lacks AVX2 and FMA");
  // Whole images in one band, one-row bands, and bands of a few rows.
  std::vector<std::vector<float>> results;
  for (std::size_t limit : {std::size_t(0), std::size_t(1), std::size_t(5000)}) {
    nn::testing::set_conv2d_direct_band_limit(limit);
    const std::string what = "(direct, band limit " + std::to_string(limit) + ")";
    check_passes(shape, 5, what.c_str(), kTol);
    if (QTest::currentTestFailed()) return;
    // Bands change no sum: the same bits whatever their size.
    std::mt19937 rng(11);
    const std::vector<float> x = random_floats(shape.input_count(), rng);
    const std::vector<float> w = random_floats(shape.weight_count(), rng);
    const std::vector<float> dy = random_floats(shape.output_count(), rng);
    std::vector<float> y(shape.output_count()), dx(shape.input_count()), dw(shape.weight_count());
    nn::conv2d_forward_cpu(shape, x, w, y);
    nn::conv2d_backward_data_cpu(shape, dy, w, dx);
    nn::conv2d_backward_filter_cpu(shape, x, dy, dw);
    y.insert(y.end(), dx.begin(), dx.end());
    y.insert(y.end(), dw.begin(), dw.end());
    results.push_back(std::move(y));
  }
  QVERIFY(results[1] == results[0]);
  QVERIFY(results[2] == results[0]);
}

void TestConv2dCpu::directFilterIgnoresColumnsPastTheRow() {
  // 3x3 without padding on 13 columns: 11 outputs per row, so the filter
  // gradient's last vector has 3 lanes and its other 5 would read up to the
  // input's last column, which here is infinite. Tap column 0 never meets
  // that column: its gradient must stay finite and correct.
  HookGuard guard;
  const Conv2dShape shape = Conv2dShape::square(2, 3, 9, 13, 5, 3, 3, 0);
  if (!nn::conv2d_direct_filter_applies(shape)) QSKIP("this machine lacks AVX2 and FMA");
  std::mt19937 rng(21);
  std::vector<float> x = random_floats(shape.input_count(), rng);
  const std::vector<float> dy = random_floats(shape.output_count(), rng);
  for (std::size_t row = 0; row < std::size_t(shape.n) * shape.c * shape.h; ++row)
    x[row * shape.w + shape.w - 1] = std::numeric_limits<float>::infinity();
  std::vector<double> want(shape.weight_count()), mag(want.size());
  nn::conv2d_backward_filter(shape, widen(x), widen(dy), want);
  nn::conv2d_backward_filter(shape, widen(x, true), widen(dy, true), mag);
  std::vector<float> dw(shape.weight_count());
  nn::conv2d_backward_filter_cpu(shape, x, dy, dw);
  for (std::size_t i = 0; i < dw.size(); i += 3) { // tap column 0 of every (k, c, row)
    QVERIFY2(std::isfinite(dw[i]), qPrintable(QString("dw[%1] = %2").arg(i).arg(dw[i])));
    QVERIFY(std::fabs(dw[i] - want[i]) <= kTol * mag[i]);
  }
  QVERIFY(std::isinf(dw[2]) || std::isnan(dw[2])); // column 2 meets the infinity
}

void TestConv2dCpu::filterIsTheSameOnAnyThreads_data() {
  QTest::addColumn<Conv2dShape>("shape");
  QTest::addColumn<bool>("winograd"); // else the direct kernel
  // A stem: few channels, so rows are split into shares too.
  QTest::newRow("direct, stem") << Conv2dShape::square(2, 1, 96, 64, 8, 11, 11, 5) << false;
  // Products split by transformed element, transforms by channel.
  QTest::newRow("winograd, 5x5") << Conv2dShape::square(1, 40, 64, 64, 40, 5, 5, 2) << true;
  QTest::newRow("winograd, 3x3") << Conv2dShape::square(2, 36, 40, 48, 48, 3, 3, 1) << true;
}

void TestConv2dCpu::filterIsTheSameOnAnyThreads() {
  // Two callers at once: whichever finds the pool busy runs all its parts
  // on its own thread, one after another (cpu_pool.h). Partial sums are
  // summed in a fixed order, so every run gives the same bits. (Direct
  // kernel tasks sharing one partial-sum buffer failed this in 2 of 3 runs.)
  QFETCH(Conv2dShape, shape);
  QFETCH(bool, winograd);
  HookGuard guard;
  if (!(winograd ? nn::conv2d_winograd_filter_applies(shape)
                 : nn::conv2d_direct_filter_applies(shape)))
    QSKIP("this machine lacks AVX2 and FMA");
  const Case t = make_case(shape, 31);
  std::vector<float> want(shape.weight_count());
  nn::conv2d_backward_filter_cpu(shape, t.x, t.dy, want);
  std::atomic<int> differ{0};
  auto runs = [&] {
    std::vector<float> ws(nn::conv2d_cpu_workspace_floats(shape)), dw(shape.weight_count());
    for (int i = 0; i < 50; ++i) {
      nn::conv2d_backward_filter_cpu(shape, t.x, t.dy, dw, ws);
      if (dw != want) differ.fetch_add(1);
    }
  };
  std::thread other(runs);
  runs();
  other.join();
  QCOMPARE(differ.load(), 0);
}

void TestConv2dCpu::passesAreTheSameOnAnyPoolSize() {
  // The passes in child processes with 1, 2 and 3 pool threads must give
  // the same bits: every output is summed in an order that depends on the
  // shape only. (SGEMMs cut per thread failed this on the strided shape.)
  const test::PoolCheckResult r = test::check_same_bits_per_pool_size("--print-pass-bits");
  if (r.outcome == test::PoolCheck::one_size)
    QSKIP("this build's pool size does not follow OPENBLAS_NUM_THREADS");
  QVERIFY2(r.outcome == test::PoolCheck::same, qPrintable(r.detail));
}

void TestConv2dCpu::winogradMatchesReference_data() {
  QTest::addColumn<Conv2dShape>("shape");
  QTest::addColumn<bool>("builtin");
  QTest::addColumn<bool>("portable"); // the portable gathers and SGEMMs instead of AVX2's
  const std::vector<std::pair<const char*, Conv2dShape>> shapes = {
      {"3x3 pad 1, 3 -> 5 channels", Conv2dShape::square(2, 3, 17, 14, 5, 3, 3, 1)},
      {"3x3 pad 0", Conv2dShape::square(1, 4, 13, 11, 3, 3, 3, 0)},
      {"3x3 pad 2", Conv2dShape::square(1, 2, 9, 10, 3, 3, 3, 2)},
      {"3x3 output within one tile", Conv2dShape::square(1, 3, 4, 4, 2, 3, 3, 0)},
      {"5x5 pad 2", Conv2dShape::square(2, 3, 15, 18, 4, 5, 5, 2)},
      {"5x5 pad 0", Conv2dShape::square(1, 2, 12, 9, 3, 5, 5, 0)},
      {"5x5 output within one tile", Conv2dShape::square(1, 3, 6, 5, 2, 5, 5, 0)},
      {"5x5 c20 k24, 3 images, ragged tiles", Conv2dShape::square(3, 20, 13, 21, 24, 5, 5, 2)},
      {"3x3 c40 k36, ragged tiles", Conv2dShape::square(2, 40, 19, 23, 36, 3, 3, 1)},
      {"3x3 c64 k64, three blocks", Conv2dShape::square(2, 64, 64, 64, 64, 3, 3, 1)},
      {"5x5 c48 k40, four blocks", Conv2dShape::square(3, 48, 40, 36, 40, 5, 5, 2)},
      {"3x3 c97 k38", Conv2dShape::square(1, 97, 20, 40, 38, 3, 3, 1)},
      // Rows wide enough for eight tiles side by side inside the image (the
      // gathers' fast path), and rows of tiles that groups of eight straddle.
      {"3x3 wide rows", Conv2dShape::square(2, 8, 30, 90, 8, 3, 3, 1)},
      {"5x5 wide rows", Conv2dShape::square(1, 8, 26, 77, 6, 5, 5, 2)},
      // Whole groups of eight output channels: the filter gradient's dy
      // loads eight channels of eight side-by-side tiles at a time.
      {"5x5 wide rows k16", Conv2dShape::square(2, 5, 27, 70, 16, 5, 5, 2)},
      {"3x3 c40 k36 wide, blocks", Conv2dShape::square(2, 40, 36, 150, 36, 3, 3, 1)},
  };
  for (const auto& [name, shape] : shapes)
    for (bool portable : {false, true})
      QTest::newRow(qPrintable(QString(name) + (portable ? ", portable" : "")))
          << shape << false << portable;
  // The built-in GEMM runs Winograd's products only off the AVX2 kernel.
  QTest::newRow("5x5 c33 k16, builtin, portable")
      << Conv2dShape::square(2, 33, 21, 20, 16, 5, 5, 2) << true << true;
}

void TestConv2dCpu::winogradMatchesReference() {
  // Forced on whatever the channels and width (the default takes 32
  // channels, 32 columns and 2048 outputs per channel and more). The forward
  // pass, the stride-1 data gradient (a forward convolution with flipped
  // filters) and, with AVX2, the filter gradient run through it; their error
  // is bounded like im2col's but looser: the transforms scale terms by up to
  // 8 before summing.
  QFETCH(Conv2dShape, shape);
  QFETCH(bool, builtin);
  QFETCH(bool, portable);
  HookGuard guard;
  nn::testing::set_conv2d_winograd_mode(1);
  nn::testing::set_conv2d_winograd_portable(portable);
  nn::testing::set_conv2d_cpu_force_builtin_gemm(builtin);
  QVERIFY(nn::conv2d_winograd_applies(shape));
  const double worst =
      check_passes(shape, 99, "(Winograd)", shape.r == 5 ? kWinograd8x8Tol : kWinogradTol);
  qInfo("worst error / sum of |terms|: %.3g", worst);
}

void TestConv2dCpu::winogradAvx512GivesTheAvx2Bits_data() {
  QTest::addColumn<Conv2dShape>("shape");
  // Output channels for every tile width (48 wide, 40, 32, 24, 16 and 8
  // with the masked halves; 1 for the output layer), and tile counts that
  // end on a whole 48 and on a half (24) past one.
  QTest::newRow("3x3 c48 k48, two blocks") << Conv2dShape::square(2, 48, 64, 64, 48, 3, 3, 1, 1, 1);
  QTest::newRow("5x5 c97 k64") << Conv2dShape::square(1, 97, 36, 44, 64, 5, 5, 2, 1, 1);
  QTest::newRow("5x5 c17 k1") << Conv2dShape::square(2, 17, 40, 36, 1, 5, 5, 2, 1, 1);
  for (int k : {40, 32, 24, 16, 8})
    QTest::newRow(qPrintable(QString("3x3 c33 k%1").arg(k)))
        << Conv2dShape::square(1, 33, 28 + k / 8, 30, k, 3, 3, 1, 1, 1);
}

void TestConv2dCpu::winogradAvx512GivesTheAvx2Bits() {
  // The AVX-512 products sum each output in the AVX2 kernels' order, one
  // FMA at a time: forward and filter gradient give the same bits.
  QFETCH(Conv2dShape, shape);
  HookGuard guard;
  nn::testing::set_conv2d_winograd_mode(1);
  if (!nn::conv2d_winograd_filter_applies(shape)) QSKIP("this machine lacks AVX2 and FMA");
  if (!__builtin_cpu_supports("avx512f")) QSKIP("this machine lacks AVX-512");
  std::mt19937 rng(5);
  const std::vector<float> x = random_floats(shape.input_count(), rng),
                           w = random_floats(shape.weight_count(), rng),
                           dy = random_floats(shape.output_count(), rng);
  std::vector<float> ws(std::max(nn::conv2d_winograd_workspace_floats(shape),
                                 nn::conv2d_winograd_filter_workspace_floats(shape)));
  std::vector<float> y[2], dw[2];
  for (int wide = 0; wide < 2; ++wide) {
    nn::testing::set_conv2d_winograd_avx512(wide == 1);
    y[wide].assign(shape.output_count(), 0.0f);
    dw[wide].assign(shape.weight_count(), 0.0f);
    nn::conv2d_winograd_forward(shape, x.data(), w.data(), y[wide].data(), ws.data());
    nn::conv2d_winograd_backward_filter(shape, x.data(), dy.data(), dw[wide].data(), ws.data(),
                                        false);
  }
  QVERIFY(std::memcmp(y[0].data(), y[1].data(), y[0].size() * sizeof(float)) == 0);
  QVERIFY(std::memcmp(dw[0].data(), dw[1].data(), dw[0].size() * sizeof(float)) == 0);
  QVERIFY(std::any_of(y[1].begin(), y[1].end(), [](float v) { return v != 0.0f; }));
}

void TestConv2dCpu::backendName() {
  const QString name = nn::conv2d_cpu_backend_name();
  QVERIFY2(name == "openblas" || name == "builtin-gemm", qPrintable(name));
  QVERIFY(nn::conv2d_cpu_threads() >= 1);
  qInfo("backend %s, %d threads", qPrintable(name), nn::conv2d_cpu_threads());
}

void TestConv2dCpu::wrongSizes() {
  HookGuard guard;
  nn::testing::set_conv2d_direct_mode(-1); // im2col's workspace sizes
  const Conv2dShape sh = Conv2dShape::square(1, 2, 4, 4, 3, 3, 3, 1, 1, 1);
  std::vector<float> x(sh.input_count()), w(sh.weight_count()), y(sh.output_count());
  std::vector<float> ws(nn::conv2d_cpu_workspace_floats(sh));
  // Forward and filter gradient: the 18 x 16 im2col matrix; data gradient
  // (stride 1): the flipped filters' 27 x 16 matrix and the 54 weights.
  QCOMPARE(ws.size(), std::size_t(27 * 16 + 54));
  std::vector<float> short_y(y.size() - 1), long_x(x.size() + 1), short_ws(18 * 16 - 1),
      short_data_ws(ws.size() - 1);
  expect_error([&] { nn::conv2d_forward_cpu(sh, x, w, short_y); },
               "conv2d_forward_cpu: y has 47 values, the shape needs 48");
  expect_error([&] { nn::conv2d_forward_cpu(sh, long_x, w, y, ws); },
               "conv2d_forward_cpu: x has 33 values, the shape needs 32");
  expect_error([&] { nn::conv2d_forward_cpu(sh, x, x, y); },
               "conv2d_forward_cpu: w has 32 values, the shape needs 54");
  expect_error([&] { nn::conv2d_forward_cpu(sh, x, w, y, short_ws); },
               "conv2d_forward_cpu: workspace has 287 values, the shape needs at least 288");
  expect_error([&] { nn::conv2d_backward_data_cpu(sh, y, w, long_x); },
               "conv2d_backward_data_cpu: dx has 33 values, the shape needs 32");
  expect_error([&] { nn::conv2d_backward_data_cpu(sh, short_y, w, x); },
               "conv2d_backward_data_cpu: dy has 47 values, the shape needs 48");
  expect_error([&] { nn::conv2d_backward_data_cpu(sh, y, w, x, short_data_ws); },
               "conv2d_backward_data_cpu: workspace has 485 values, the shape needs at least 486");
  expect_error([&] { nn::conv2d_backward_filter_cpu(sh, x, y, x); },
               "conv2d_backward_filter_cpu: dw has 32 values, the shape needs 54");
  expect_error([&] { nn::conv2d_backward_filter_cpu(sh, long_x, y, w, true); },
               "conv2d_backward_filter_cpu: x has 33 values, the shape needs 32");
  expect_error([&] { nn::conv2d_backward_filter_cpu(sh, x, y, w, short_ws, true); },
               "conv2d_backward_filter_cpu: workspace has 287 values, the shape needs at least "
               "288");
  // A larger workspace is fine; the outputs were not touched by the failures.
  std::vector<float> big_ws(ws.size() + 10);
  nn::conv2d_forward_cpu(sh, x, w, y, big_ws);
  for (float v : y)
    QCOMPARE(v, 0.0f);
}

void TestConv2dCpu::invalidShape() {
  Conv2dShape sh = Conv2dShape::square(1, 2, 8, 8, 3, 3, 3, 1, 1, 1);
  sh.pad_w = 3;
  const QString message = "Conv2dShape: padding 1x3 is not smaller than the dilated kernel 3x3";
  std::vector<float> none;
  expect_error([&] { nn::conv2d_cpu_workspace_floats(sh); }, message);
  expect_error([&] { nn::conv2d_forward_cpu(sh, none, none, none); }, message);
  expect_error([&] { nn::conv2d_backward_data_cpu(sh, none, none, none, none); }, message);
  expect_error([&] { nn::conv2d_backward_filter_cpu(sh, none, none, none); }, message);
  sh = Conv2dShape::square(1, 1, 4, 4, 1, 3, 3, 0, 1, 2);
  expect_error([&] { nn::conv2d_forward_cpu(sh, none, none, none); },
               "Conv2dShape: the dilated kernel 5x5 does not fit the padded 4x4 input");
}

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--print-pass-bits") return print_pass_bits();
  QCoreApplication app(argc, argv); // applicationFilePath() for the child runs
  TestConv2dCpu test;
  QTEST_SET_MAIN_SOURCE_PATH
  return QTest::qExec(&test, argc, argv);
}
#include "test_conv2d_cpu.moc"

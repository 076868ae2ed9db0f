// The CPU reference convolution, bias and leaky ReLU: hand-checked tiny
// cases (identity, box filter with zero padding, shift, stride, dilation),
// finite-difference gradient checks in f64, f32 against f64, and shape
// validation errors.
#include "core/base/error.h"
#include "core/nn/conv2d_reference.h"
#include "tests/support/gradient_check.h"
#include "tests/support/test_support.h"

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace atelier;
using nn::Conv2dShape;

Q_DECLARE_METATYPE(Conv2dShape)

using atelier::test::check_gradient;
using atelier::test::dot;
using atelier::test::random_values;

namespace {

std::vector<float> iota_image(int count, float first) {
  std::vector<float> v(count);
  for (int i = 0; i < count; ++i)
    v[i] = first + float(i);
  return v;
}

// L is linear in each input for the convolution and bias, so a central
// difference is exact up to rounding; the step only needs to beat rounding.
// For leaky ReLU the inputs stay further than the step from the kink at 0.
constexpr double kStep = 1e-3;
// Tolerance of analytic vs central-difference gradients, f64 evaluation:
// |analytic - numeric| <= kGradTol * (1 + |analytic|).
constexpr double kGradTol = 1e-8;

} // namespace

class TestConv2dReference : public QObject {
  Q_OBJECT
private slots:
  void outputSize_data();
  void outputSize();
  void identity1x1();
  void boxFilterZeroPadding();
  void shiftIsCrossCorrelation();
  void stride2();
  void dilation2();
  void gradients_data();
  void gradients();
  void floatMatchesDouble();
  void biasGradient();
  void leakyRelu_data();
  void leakyRelu();
  void invalidShapes_data();
  void invalidShapes();
  void wrongSpanSizes();
};

void TestConv2dReference::outputSize_data() {
  QTest::addColumn<Conv2dShape>("shape");
  QTest::addColumn<int>("out_h");
  QTest::addColumn<int>("out_w");
  QTest::newRow("same 3x3") << Conv2dShape::square(1, 1, 64, 64, 1, 3, 3, 1, 1, 1) << 64 << 64;
  QTest::newRow("same 11x11") << Conv2dShape::square(1, 1, 64, 64, 1, 11, 11, 5, 1, 1) << 64 << 64;
  QTest::newRow("stride 2 even") << Conv2dShape::square(1, 1, 64, 64, 1, 3, 3, 1, 2, 1) << 32 << 32;
  QTest::newRow("stride 2 odd") << Conv2dShape::square(1, 1, 7, 7, 1, 3, 3, 1, 2, 1) << 4 << 4;
  QTest::newRow("dilation 2") << Conv2dShape::square(1, 1, 16, 16, 1, 3, 3, 0, 1, 2) << 12 << 12;
  Conv2dShape rect = Conv2dShape::square(1, 1, 10, 20, 1, 3, 5, 0, 1, 1);
  rect.pad_w = 2;
  rect.stride_h = 3;
  QTest::newRow("rectangular") << rect << 3 << 20;
}

void TestConv2dReference::outputSize() {
  QFETCH(Conv2dShape, shape);
  QFETCH(int, out_h);
  QFETCH(int, out_w);
  QCOMPARE(shape.out_h(), out_h);
  QCOMPARE(shape.out_w(), out_w);
  shape.validate();
  QCOMPARE(shape.output_count(), std::size_t(shape.n) * shape.k * out_h * out_w);
  QCOMPARE(shape.weight_count(), std::size_t(shape.k) * shape.c * shape.r * shape.s);
}

void TestConv2dReference::identity1x1() {
  // Two channels in, three out: out0 = in0, out1 = in1, out2 = 2 in0 - in1.
  const Conv2dShape sh = Conv2dShape::square(2, 2, 3, 4, 3, 1, 1, 0, 1, 1);
  const std::vector<float> x = iota_image(int(sh.input_count()), -5.0f);
  const std::vector<float> w = {1, 0, 0, 1, 2, -1};
  std::vector<float> y(sh.output_count(), -99.0f);
  nn::conv2d_forward(sh, x, w, y);
  for (int n = 0; n < 2; ++n)
    for (int i = 0; i < 12; ++i) {
      const float in0 = x[(n * 2 + 0) * 12 + i], in1 = x[(n * 2 + 1) * 12 + i];
      QCOMPARE(y[(n * 3 + 0) * 12 + i], in0);
      QCOMPARE(y[(n * 3 + 1) * 12 + i], in1);
      QCOMPARE(y[(n * 3 + 2) * 12 + i], 2 * in0 - in1);
    }
}

void TestConv2dReference::boxFilterZeroPadding() {
  // 4x4 image 1..16, 3x3 box of ones, zero padding 1; sums worked by hand.
  const Conv2dShape sh = Conv2dShape::square(1, 1, 4, 4, 1, 3, 3, 1, 1, 1);
  const std::vector<float> x = iota_image(16, 1.0f);
  const std::vector<float> w(9, 1.0f);
  std::vector<float> y(16);
  nn::conv2d_forward(sh, x, w, y);
  const std::vector<float> expected = {14, 24, 30, 22, 33, 54, 63, 45,
                                       57, 90, 99, 69, 46, 72, 78, 54};
  QCOMPARE(y, expected);

  // Backward data of a box filter is a box filter (it is symmetric).
  std::vector<float> dx(16);
  nn::conv2d_backward_data(sh, x, w, dx);
  QCOMPARE(dx, expected);
  // dw[r][s] = sum of x shifted by (r-1, s-1) with dy = ones: the image sum
  // minus the row/column that falls off. Sum 136; row sums 10,26,42,58;
  // column sums 28,32,36,40.
  const std::vector<float> ones(16, 1.0f);
  std::vector<float> dw(9);
  nn::conv2d_backward_filter(sh, x, ones, dw);
  const std::vector<float> expected_dw = {136 - 58 - 40 + 16, 136 - 58, 136 - 58 - 28 + 13,
                                          136 - 40,           136,      136 - 28,
                                          136 - 10 - 40 + 4,  136 - 10, 136 - 10 - 28 + 1};
  QCOMPARE(dw, expected_dw);
}

void TestConv2dReference::shiftIsCrossCorrelation() {
  // A single 1 at kernel position (0, 0) with padding 1 reads x[i-1][j-1]
  // (cross-correlation, like PyTorch; a flipped kernel would read x[i+1][j+1]).
  const Conv2dShape sh = Conv2dShape::square(1, 1, 4, 4, 1, 3, 3, 1, 1, 1);
  const std::vector<float> x = iota_image(16, 1.0f);
  std::vector<float> w(9, 0.0f);
  w[0] = 1.0f;
  std::vector<float> y(16);
  nn::conv2d_forward(sh, x, w, y);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      QCOMPARE(y[i * 4 + j], i == 0 || j == 0 ? 0.0f : x[(i - 1) * 4 + (j - 1)]);
}

void TestConv2dReference::stride2() {
  // The box filter above, every second output: (4 + 2 - 3) / 2 + 1 = 2.
  const Conv2dShape sh = Conv2dShape::square(1, 1, 4, 4, 1, 3, 3, 1, 2, 1);
  QCOMPARE(sh.out_h(), 2);
  const std::vector<float> x = iota_image(16, 1.0f);
  const std::vector<float> w(9, 1.0f);
  std::vector<float> y(4);
  nn::conv2d_forward(sh, x, w, y);
  QCOMPARE(y, (std::vector<float>{14, 30, 57, 99}));
  // Backward data scatters each dy into its 3x3 window: with dy = ones, dx
  // counts the windows covering each pixel. Windows are centred on rows (and
  // columns) 0 and 2, so rows are covered 1, 2, 1, 1 times.
  std::vector<float> dx(16);
  nn::conv2d_backward_data(sh, std::vector<float>(4, 1.0f), w, dx);
  QCOMPARE(dx, (std::vector<float>{1, 2, 1, 1, 2, 4, 2, 2, 1, 2, 1, 1, 1, 2, 1, 1}));
}

void TestConv2dReference::dilation2() {
  // 5x5 image x[i][j] = 5i + j, 3x3 kernel w[r][s] = 3r + s + 1 with dilation
  // 2 and no padding: one output, sum (3r+s+1) * x[2r][2s] = 732.
  const Conv2dShape sh = Conv2dShape::square(1, 1, 5, 5, 1, 3, 3, 0, 1, 2);
  QCOMPARE(sh.out_h(), 1);
  QCOMPARE(sh.out_w(), 1);
  const std::vector<float> x = iota_image(25, 0.0f);
  const std::vector<float> w = iota_image(9, 1.0f);
  std::vector<float> y(1);
  nn::conv2d_forward(sh, x, w, y);
  QCOMPARE(y[0], 732.0f);
  // With padding 2 the output is 5x5; the centre output is the same sum and
  // the corner (0, 0) sees only x[0..2 step 2][0..2 step 2] through w[1..2][1..2]:
  // 5*x[0][0] + 6*x[0][2] + 8*x[2][0] + 9*x[2][2] = 0 + 12 + 80 + 108 = 200.
  Conv2dShape padded = sh;
  padded.pad_h = padded.pad_w = 2;
  std::vector<float> yp(25);
  nn::conv2d_forward(padded, x, w, yp);
  QCOMPARE(yp[12], 732.0f);
  QCOMPARE(yp[0], 200.0f);
}

void TestConv2dReference::gradients_data() {
  QTest::addColumn<Conv2dShape>("shape");
  QTest::newRow("3x3 pad 1") << Conv2dShape::square(2, 3, 7, 6, 4, 3, 3, 1, 1, 1);
  QTest::newRow("1x1") << Conv2dShape::square(1, 5, 4, 4, 3, 1, 1, 0, 1, 1);
  QTest::newRow("5x5 pad 2") << Conv2dShape::square(1, 2, 6, 7, 2, 5, 5, 2, 1, 1);
  QTest::newRow("stride 2") << Conv2dShape::square(2, 2, 8, 7, 3, 3, 3, 1, 2, 1);
  QTest::newRow("dilation 2") << Conv2dShape::square(1, 3, 9, 8, 2, 3, 3, 2, 1, 2);
  QTest::newRow("stride 3 no pad") << Conv2dShape::square(1, 2, 10, 11, 2, 3, 3, 0, 3, 1);
  Conv2dShape mixed = Conv2dShape::square(2, 2, 9, 10, 3, 3, 5, 0, 1, 1);
  mixed.pad_h = 1;
  mixed.pad_w = 2;
  mixed.stride_w = 2;
  mixed.dilation_h = 2;
  QTest::newRow("rectangular mixed") << mixed;
}

void TestConv2dReference::gradients() {
  QFETCH(Conv2dShape, shape);
  std::mt19937 rng(4242);
  std::vector<double> x = random_values(shape.input_count(), rng);
  std::vector<double> w = random_values(shape.weight_count(), rng);
  const std::vector<double> g = random_values(shape.output_count(), rng);
  std::vector<double> y(shape.output_count());
  const auto loss = [&] {
    nn::conv2d_forward(shape, x, w, y);
    return dot(y, g);
  };
  std::vector<double> dx(x.size()), dw(w.size());
  nn::conv2d_backward_data(shape, g, w, dx);
  nn::conv2d_backward_filter(shape, x, g, dw);
  check_gradient(x, dx, loss, "dx", kStep, kGradTol);
  check_gradient(w, dw, loss, "dw", kStep, kGradTol);
}

void TestConv2dReference::floatMatchesDouble() {
  // A stem-like layer (1 -> 8, 11x11) and a body-like one (16 -> 16, 3x3) at
  // 64x64: f32 outputs are the f64 sums rounded once, so within 2^-24 relative.
  for (const Conv2dShape& sh : {Conv2dShape::square(1, 1, 64, 64, 8, 11, 11, 5, 1, 1),
                                Conv2dShape::square(1, 16, 64, 64, 16, 3, 3, 1, 1, 1)}) {
    std::mt19937 rng(99);
    const std::vector<double> x = random_values(sh.input_count(), rng);
    const std::vector<double> w = random_values(sh.weight_count(), rng);
    const std::vector<double> g = random_values(sh.output_count(), rng);
    const auto to_float = [](const std::vector<double>& v) {
      return std::vector<float>(v.begin(), v.end());
    };
    // Inputs rounded to f32 first so both precisions see the same values.
    const std::vector<float> xf = to_float(x), wf = to_float(w), gf = to_float(g);
    const std::vector<double> xr(xf.begin(), xf.end()), wr(wf.begin(), wf.end()),
        gr(gf.begin(), gf.end());
    std::vector<double> yd(sh.output_count()), dxd(sh.input_count()), dwd(sh.weight_count());
    std::vector<float> yf(yd.size()), dxf(dxd.size()), dwf(dwd.size());
    nn::conv2d_forward(sh, xr, wr, yd);
    nn::conv2d_forward(sh, xf, wf, yf);
    nn::conv2d_backward_data(sh, gr, wr, dxd);
    nn::conv2d_backward_data(sh, gf, wf, dxf);
    nn::conv2d_backward_filter(sh, xr, gr, dwd);
    nn::conv2d_backward_filter(sh, xf, gf, dwf);
    const auto compare = [](const std::vector<float>& f, const std::vector<double>& d) {
      for (std::size_t i = 0; i < f.size(); ++i)
        if (std::fabs(double(f[i]) - d[i]) > 6e-8 * std::fabs(d[i]) + 1e-30)
          QFAIL(qPrintable(QString("index %1: f32 %2, f64 %3").arg(i).arg(f[i]).arg(d[i])));
    };
    compare(yf, yd);
    compare(dxf, dxd);
    compare(dwf, dwd);
  }
}

void TestConv2dReference::biasGradient() {
  const nn::Nchw shape{2, 3, 4, 5};
  std::mt19937 rng(5);
  std::vector<double> b = random_values(3, rng);
  const std::vector<double> base = random_values(shape.count(), rng);
  const std::vector<double> g = random_values(shape.count(), rng);
  // Forward: every element of channel c moves by b[c].
  std::vector<double> y = base;
  nn::bias_forward(shape, b, y);
  for (std::size_t i = 0; i < y.size(); ++i)
    QCOMPARE(y[i], base[i] + b[(i / 20) % 3]);
  const auto loss = [&] {
    y = base;
    nn::bias_forward(shape, b, y);
    return dot(y, g);
  };
  std::vector<double> db(3);
  nn::bias_backward(shape, g, db);
  check_gradient(b, db, loss, "db", kStep, kGradTol);

  std::vector<float> yf(shape.count(), 1.0f), dbf(3);
  nn::bias_forward(shape, std::vector<float>{0.5f, -2.0f, 0.0f}, yf);
  QCOMPARE(yf[0], 1.5f);
  QCOMPARE(yf[20], -1.0f);
  QCOMPARE(yf[59], 1.0f);
  nn::bias_backward(shape, std::vector<float>(shape.count(), 0.25f), dbf);
  QCOMPARE(dbf, (std::vector<float>{10.0f, 10.0f, 10.0f})); // 2 * 20 * 0.25
}

void TestConv2dReference::leakyRelu_data() {
  QTest::addColumn<double>("slope");
  QTest::newRow("relu") << 0.0;
  QTest::newRow("leaky 0.1") << 0.1;
  QTest::newRow("leaky 0.01") << 0.01;
}

void TestConv2dReference::leakyRelu() {
  QFETCH(double, slope);
  const std::vector<float> xf = {-2.0f, -0.5f, 0.0f, 0.25f, 3.0f};
  std::vector<float> yf(5), dxf(5);
  nn::leaky_relu_forward(xf, yf, float(slope));
  const float sl = float(slope);
  QCOMPARE(yf, (std::vector<float>{-2.0f * sl, -0.5f * sl, 0.0f, 0.25f, 3.0f}));
  nn::leaky_relu_backward(xf, std::vector<float>(5, 2.0f), dxf, sl);
  // The kink at 0 takes the negative side's slope.
  QCOMPARE(dxf, (std::vector<float>{2 * sl, 2 * sl, 2 * sl, 2.0f, 2.0f}));
  // In place.
  std::vector<float> inplace = xf;
  nn::leaky_relu_forward(inplace, inplace, sl);
  QCOMPARE(inplace, yf);

  std::mt19937 rng(11);
  std::vector<double> x = random_values(64, rng);
  for (auto& v : x)
    if (std::fabs(v) < 10 * kStep) v = v < 0 ? -0.5 : 0.5; // away from the kink
  const std::vector<double> g = random_values(64, rng);
  std::vector<double> y(64), dx(64);
  const auto loss = [&] {
    nn::leaky_relu_forward(x, y, slope);
    return dot(y, g);
  };
  nn::leaky_relu_backward(x, g, dx, slope);
  check_gradient(x, dx, loss, "dx", kStep, kGradTol);
}

void TestConv2dReference::invalidShapes_data() {
  QTest::addColumn<Conv2dShape>("shape");
  QTest::addColumn<QString>("message");
  const Conv2dShape ok = Conv2dShape::square(1, 2, 8, 8, 3, 3, 3, 1, 1, 1);
  Conv2dShape s = ok;
  s.n = 0;
  QTest::newRow("batch 0") << s << "Conv2dShape: batch n is 0, must be positive";
  s = ok;
  s.c = -1;
  QTest::newRow("channels -1") << s << "Conv2dShape: input channels c is -1, must be positive";
  s = ok;
  s.k = 0;
  QTest::newRow("k 0") << s << "Conv2dShape: output channels k is 0, must be positive";
  s = ok;
  s.stride_w = 0;
  QTest::newRow("stride 0") << s << "Conv2dShape: stride_w is 0, must be positive";
  s = ok;
  s.dilation_h = 0;
  QTest::newRow("dilation 0") << s << "Conv2dShape: dilation_h is 0, must be positive";
  s = ok;
  s.pad_h = -1;
  QTest::newRow("negative pad") << s << "Conv2dShape: padding -1x1 is negative";
  s = ok;
  s.pad_w = 3;
  QTest::newRow("pad too large")
      << s << "Conv2dShape: padding 1x3 is not smaller than the dilated kernel 3x3";
  s = Conv2dShape::square(1, 1, 4, 4, 1, 3, 3, 0, 1, 2);
  QTest::newRow("kernel larger than input")
      << s << "Conv2dShape: the dilated kernel 5x5 does not fit the padded 4x4 input";
  s = Conv2dShape::square(1, 1 << 16, 1 << 8, 1 << 7, 1, 1, 1, 0, 1, 1);
  QTest::newRow("2^31 input elements")
      << s
      << "Conv2dShape: input has 2^31 or more elements, beyond the engine's 32-bit indexing (as "
         "cuDNN's); lower the batch or crop size";
  s = Conv2dShape::square(1, 1 << 12, 1, 1, 1 << 12, 1 << 7, 1, 0, 1, 1);
  s.h = 1 << 7;
  QTest::newRow("2^31 weight elements")
      << s
      << "Conv2dShape: weight has 2^31 or more elements, beyond the engine's 32-bit indexing (as "
         "cuDNN's); lower the batch or crop size";
}

void TestConv2dReference::invalidShapes() {
  QFETCH(Conv2dShape, shape);
  QFETCH(QString, message);
  try {
    shape.validate();
    QFAIL("validate() accepted an invalid shape");
  } catch (const Error& e) {
    QCOMPARE(QString::fromStdString(e.message()), message);
  }
  // The ops validate too (before touching the spans).
  std::vector<float> none;
  QVERIFY_THROWS_EXCEPTION(Error, nn::conv2d_forward(shape, none, none, none));
}

void TestConv2dReference::wrongSpanSizes() {
  const Conv2dShape sh = Conv2dShape::square(1, 2, 4, 4, 3, 3, 3, 1, 1, 1);
  std::vector<float> x(sh.input_count()), w(sh.weight_count()), y(sh.output_count());
  std::vector<float> short_y(y.size() - 1);
  try {
    nn::conv2d_forward(sh, x, w, short_y);
    QFAIL("accepted a short output");
  } catch (const Error& e) {
    QCOMPARE(QString::fromStdString(e.message()),
             QString("conv2d_forward: y has 47 values, the shape needs 48"));
  }
  QVERIFY_THROWS_EXCEPTION(Error, nn::conv2d_backward_data(sh, y, x, x));
  QVERIFY_THROWS_EXCEPTION(Error, nn::conv2d_backward_filter(sh, x, y, x));
  QVERIFY_THROWS_EXCEPTION(Error, nn::bias_forward(sh.output(), std::vector<float>(2), y));
  QVERIFY_THROWS_EXCEPTION(
      Error, nn::leaky_relu_forward(std::span<const float>(x), std::span<float>(y), 0.1f));
}

QTEST_APPLESS_MAIN(TestConv2dReference)
#include "test_conv2d_reference.moc"

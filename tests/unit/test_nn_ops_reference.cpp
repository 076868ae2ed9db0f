// The CPU reference of the U-Net's non-convolution ops: bias + activation
// (identity, ReLU, leaky ReLU, tanh-GELU), 2x2 max pooling, nearest x2
// upsampling, channel concatenation and the MSE / L1 losses. Hand-computed
// small cases (odd pooling extents, ties, NaN), NCHW against NHWC,
// finite-difference gradient checks in f64, f32 against f64, and size errors.
#include "core/base/error.h"
#include "core/nn/bias_activation_reference.h"
#include "core/nn/concat_reference.h"
#include "core/nn/loss_reference.h"
#include "core/nn/pad_reference.h"
#include "core/nn/pool_reference.h"
#include "core/nn/upsample_reference.h"
#include "tests/support/gradient_check.h"
#include "tests/support/test_support.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <vector>

using namespace atelier;
using nn::Activation;
using nn::Layout;
using nn::Nchw;

Q_DECLARE_METATYPE(Activation)

using atelier::test::check_gradient;
using atelier::test::dot;
using atelier::test::random_values;

namespace {

// Central differences; inputs are kept further than kStep from every kink
// (activation at 0, pooling ties, loss at p = t) so they are smooth there.
constexpr double kStep = 1e-4;
// GELU's curvature makes the central difference O(step^2) ~ 1e-8 off.
constexpr double kGradTol = 1e-7;

// NCHW -> NHWC of a tensor of extent s.
template <typename T>
std::vector<T> to_nhwc(const std::vector<T>& v, const Nchw& s) {
  std::vector<T> out(v.size());
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (int y = 0; y < s.h; ++y)
        for (int x = 0; x < s.w; ++x)
          out[nn::element_offset(s, Layout::nhwc, n, c, y, x)] =
              v[nn::element_offset(s, Layout::nchw, n, c, y, x)];
  return out;
}

} // namespace

class TestNnOpsReference : public QObject {
  Q_OBJECT

private slots:
  void activationValues_data();
  void activationValues();
  void biasActivationLayouts();
  void biasActivationGradient_data();
  void biasActivationGradient();
  void biasActivationF32MatchesF64();
  void maxPoolHandCase();
  void maxPoolTiesAndNan();
  void maxPoolLayoutsAndGradient();
  void upsampleHandCase();
  void upsampleLayoutsAndGradient();
  void concatHandCase();
  void concatAdjoint();
  void lossHandCase();
  void lossGradient();
  void sizeErrors();
  void reflectPadHandCase();
  void reflectPadAdjointAndLayouts();
};

void TestNnOpsReference::activationValues_data() {
  QTest::addColumn<Activation>("act");
  QTest::addColumn<double>("z");
  QTest::addColumn<double>("value");
  QTest::addColumn<double>("derivative");
  QTest::newRow("identity") << Activation::identity << -2.5 << -2.5 << 1.0;
  QTest::newRow("relu+") << Activation::relu << 1.5 << 1.5 << 1.0;
  QTest::newRow("relu-") << Activation::relu << -1.5 << 0.0 << 0.0;
  QTest::newRow("relu0") << Activation::relu << 0.0 << 0.0 << 0.0;
  QTest::newRow("leaky-") << Activation::leaky_relu << -2.0 << -0.2 << 0.1;
  QTest::newRow("leaky0") << Activation::leaky_relu << 0.0 << 0.0 << 0.1;
  // PyTorch gelu(approximate='tanh') values (computed with Python's math).
  QTest::newRow("gelu1") << Activation::gelu_tanh << 1.0 << 0.8411919906082768
                         << 1.0829640838457826;
  QTest::newRow("gelu-1") << Activation::gelu_tanh << -1.0 << -0.15880800939172324
                          << -0.08296408384578256;
  QTest::newRow("gelu2") << Activation::gelu_tanh << 2.0 << 1.954597694087775 << 1.0860992566236183;
  QTest::newRow("gelu0") << Activation::gelu_tanh << 0.0 << 0.0 << 0.5;
}

void TestNnOpsReference::activationValues() {
  QFETCH(Activation, act);
  QFETCH(double, z);
  QFETCH(double, value);
  QFETCH(double, derivative);
  QVERIFY(std::fabs(nn::activation_value(act, z, 0.1) - value) < 1e-15);
  QVERIFY2(std::fabs(nn::activation_derivative(act, z, 0.1) - derivative) < 1e-14,
           qPrintable(QString::number(nn::activation_derivative(act, z, 0.1), 'g', 17)));
}

void TestNnOpsReference::biasActivationLayouts() {
  // 1 x 2 x 1 x 3, bias {1, -1}, leaky ReLU 0.5: hand-computed in NCHW.
  const Nchw s{1, 2, 1, 3};
  const std::vector<float> x = {-3, 0, 2, 0.5f, 1, 4};
  const std::vector<float> b = {1, -1};
  std::vector<float> y(6);
  nn::bias_activation_forward(s, Layout::nchw, x, b, y, Activation::leaky_relu, 0.5f);
  QCOMPARE(y, (std::vector<float>{-1, 1, 3, -0.25f, 0, 3}));
  // The same tensor in NHWC gives the same values, permuted.
  std::vector<float> y_nhwc(6);
  nn::bias_activation_forward(s, Layout::nhwc, to_nhwc(x, s), b, y_nhwc, Activation::leaky_relu,
                              0.5f);
  QCOMPARE(y_nhwc, to_nhwc(y, s));
  // Backward with dy = 1: dx = act'(x + b), db = per-channel sums.
  const std::vector<float> ones(6, 1.0f);
  std::vector<float> dx(6), db(2);
  nn::bias_activation_backward(s, Layout::nchw, x, b, ones, dx, db, Activation::leaky_relu, 0.5f);
  QCOMPARE(dx, (std::vector<float>{0.5f, 1, 1, 0.5f, 0.5f, 1}));
  QCOMPARE(db, (std::vector<float>{2.5f, 2.0f}));
  std::vector<float> dx_nhwc(6), db_nhwc(2);
  nn::bias_activation_backward(s, Layout::nhwc, to_nhwc(x, s), b, ones, dx_nhwc, db_nhwc,
                               Activation::leaky_relu, 0.5f);
  QCOMPARE(dx_nhwc, to_nhwc(dx, s));
  QCOMPARE(db_nhwc, db);
  // No bias: plain activation, in place.
  std::vector<float> inplace = x;
  nn::bias_activation_forward(s, Layout::nchw, inplace, {}, inplace, Activation::relu);
  QCOMPARE(inplace, (std::vector<float>{0, 0, 2, 0.5f, 1, 4}));
}

void TestNnOpsReference::biasActivationGradient_data() {
  QTest::addColumn<Activation>("act");
  QTest::addColumn<int>("layout");
  QTest::newRow("identity nchw") << Activation::identity << int(Layout::nchw);
  QTest::newRow("relu nhwc") << Activation::relu << int(Layout::nhwc);
  QTest::newRow("leaky nchw") << Activation::leaky_relu << int(Layout::nchw);
  QTest::newRow("gelu nchw") << Activation::gelu_tanh << int(Layout::nchw);
  QTest::newRow("gelu nhwc") << Activation::gelu_tanh << int(Layout::nhwc);
}

void TestNnOpsReference::biasActivationGradient() {
  QFETCH(Activation, act);
  QFETCH(int, layout);
  const Layout lay = Layout(layout);
  const Nchw s{2, 3, 3, 5};
  std::mt19937 rng(7);
  auto x = random_values(s.count(), rng, -2.0, 2.0);
  auto b = random_values(3, rng, -0.3, 0.3);
  const auto w = random_values(s.count(), rng); // L = sum y * w
  // Keep x + b away from the ReLU kink.
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t c = lay == Layout::nhwc ? i % 3 : (i / 15) % 3;
    double z = x[i] + b[c];
    if (std::fabs(z) < 0.01) x[i] += z < 0 ? -0.01 : 0.01;
  }
  const double slope = 0.2;
  std::vector<double> y(s.count());
  auto loss = [&] {
    nn::bias_activation_forward(s, lay, x, b, y, act, slope);
    return dot(y, w);
  };
  std::vector<double> dx(s.count()), db(3);
  nn::bias_activation_backward(s, lay, x, b, w, dx, db, act, slope);
  check_gradient(x, dx, loss, "dx", kStep, kGradTol);
  check_gradient(b, db, loss, "db", kStep, kGradTol);
}

void TestNnOpsReference::biasActivationF32MatchesF64() {
  const Nchw s{1, 4, 5, 7};
  std::mt19937 rng(11);
  const auto x = random_values(s.count(), rng, -3.0, 3.0);
  const auto b = random_values(4, rng);
  const auto dy = random_values(s.count(), rng);
  std::vector<float> xf(x.begin(), x.end()), bf(b.begin(), b.end()), dyf(dy.begin(), dy.end());
  std::vector<double> xr(xf.begin(), xf.end()), br(bf.begin(), bf.end()),
      dyr(dyf.begin(), dyf.end());
  std::vector<double> y(s.count()), dx(s.count()), db(4);
  std::vector<float> yf(s.count()), dxf(s.count()), dbf(4);
  nn::bias_activation_forward(s, Layout::nhwc, xr, br, y, Activation::gelu_tanh);
  nn::bias_activation_forward(s, Layout::nhwc, xf, bf, yf, Activation::gelu_tanh);
  nn::bias_activation_backward(s, Layout::nhwc, xr, br, dyr, dx, db, Activation::gelu_tanh);
  nn::bias_activation_backward(s, Layout::nhwc, xf, bf, dyf, dxf, dbf, Activation::gelu_tanh);
  // Same double math, one final rounding to f32.
  for (std::size_t i = 0; i < y.size(); ++i) {
    QCOMPARE(yf[i], static_cast<float>(y[i]));
    QCOMPARE(dxf[i], static_cast<float>(dx[i]));
  }
  for (int c = 0; c < 4; ++c)
    QCOMPARE(dbf[c], static_cast<float>(db[c]));
}

void TestNnOpsReference::maxPoolHandCase() {
  // 1 x 1 x 3 x 5: output 1 x 2 (the last row and column are dropped).
  const Nchw s{1, 1, 3, 5};
  const std::vector<float> x = {1, 5, 2, 0, 9, //
                                3, 4, 7, 8, 9, //
                                9, 9, 9, 9, 9};
  QCOMPARE(nn::max_pool2x2_output(s), (Nchw{1, 1, 1, 2}));
  std::vector<float> y(2);
  std::vector<std::uint8_t> arg(2);
  nn::max_pool2x2_forward(s, Layout::nchw, x, y, arg);
  QCOMPARE(y, (std::vector<float>{5, 8}));
  QCOMPARE(arg, (std::vector<std::uint8_t>{1, 3}));
  std::vector<float> dx(15, 42.0f);
  nn::max_pool2x2_backward(s, Layout::nchw, arg, std::vector<float>{10, 20}, dx);
  QCOMPARE(dx, (std::vector<float>{0, 10, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0}));
}

void TestNnOpsReference::maxPoolTiesAndNan() {
  // Four windows of 1 x 1 x 2 x 8: all equal (first wins), tie between
  // elements 1 and 2 (1 wins), a NaN (wins), -inf everywhere (first).
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const Nchw s{1, 1, 2, 8};
  const std::vector<float> x = {3, 3, 0, 6, 1, nan, -inf, -inf, //
                                3, 3, 6, 2, 7, 2,   -inf, -inf};
  std::vector<float> y(4);
  std::vector<std::uint8_t> arg(4);
  nn::max_pool2x2_forward(s, Layout::nhwc, x, y, arg);
  QCOMPARE(arg, (std::vector<std::uint8_t>{0, 1, 1, 0}));
  QCOMPARE(y[0], 3.0f);
  QCOMPARE(y[1], 6.0f);
  QVERIFY(std::isnan(y[2]));
  QCOMPARE(y[3], -inf);
}

void TestNnOpsReference::maxPoolLayoutsAndGradient() {
  const Nchw s{2, 3, 5, 7}; // odd: 2 x 3 outputs per plane
  const Nchw o = nn::max_pool2x2_output(s);
  std::mt19937 rng(3);
  // Distinct values spaced far more than the step: no ties within a window.
  std::vector<double> x(s.count());
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = double(i) * 0.01;
  std::shuffle(x.begin(), x.end(), rng);
  const auto w = random_values(o.count(), rng);
  std::vector<double> y(o.count()), y_nhwc(o.count());
  std::vector<std::uint8_t> arg(o.count()), arg_nhwc(o.count());
  nn::max_pool2x2_forward(s, Layout::nchw, x, y, arg);
  nn::max_pool2x2_forward(s, Layout::nhwc, to_nhwc(x, s), y_nhwc, arg_nhwc);
  QCOMPARE(y_nhwc, to_nhwc(y, o));
  QCOMPARE(arg_nhwc, to_nhwc(arg, o));
  std::vector<double> dx(s.count());
  nn::max_pool2x2_backward(s, Layout::nchw, arg, w, dx);
  std::vector<std::uint8_t> scratch(o.count());
  check_gradient(
      x, dx,
      [&] {
        nn::max_pool2x2_forward(s, Layout::nchw, x, y, scratch);
        return dot(y, w);
      },
      "dx", kStep, kGradTol);
  // The dropped last row and column get no gradient.
  for (int c = 0; c < s.c; ++c)
    for (int i = 0; i < s.w; ++i)
      QCOMPARE(dx[nn::element_offset(s, Layout::nchw, 1, c, 4, i)], 0.0);
}

void TestNnOpsReference::upsampleHandCase() {
  const Nchw s{1, 1, 1, 2};
  QCOMPARE(nn::upsample_nearest2x_output(s), (Nchw{1, 1, 2, 4}));
  std::vector<float> y(8);
  nn::upsample_nearest2x_forward(s, Layout::nchw, std::vector<float>{1, 2}, y);
  QCOMPARE(y, (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2}));
  std::vector<float> dx(2);
  nn::upsample_nearest2x_backward(s, Layout::nchw, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}, dx);
  QCOMPARE(dx, (std::vector<float>{1 + 2 + 5 + 6, 3 + 4 + 7 + 8}));
}

void TestNnOpsReference::upsampleLayoutsAndGradient() {
  const Nchw s{2, 3, 3, 5};
  const Nchw o = nn::upsample_nearest2x_output(s);
  std::mt19937 rng(5);
  auto x = random_values(s.count(), rng);
  const auto w = random_values(o.count(), rng);
  std::vector<double> y(o.count()), y_nhwc(o.count());
  nn::upsample_nearest2x_forward(s, Layout::nchw, x, y);
  nn::upsample_nearest2x_forward(s, Layout::nhwc, to_nhwc(x, s), y_nhwc);
  QCOMPARE(y_nhwc, to_nhwc(y, o));
  std::vector<double> dx(s.count()), dx_nhwc(s.count());
  nn::upsample_nearest2x_backward(s, Layout::nchw, w, dx);
  nn::upsample_nearest2x_backward(s, Layout::nhwc, to_nhwc(w, o), dx_nhwc);
  QCOMPARE(dx_nhwc, to_nhwc(dx, s));
  check_gradient(
      x, dx,
      [&] {
        nn::upsample_nearest2x_forward(s, Layout::nchw, x, y);
        return dot(y, w);
      },
      "dx", kStep, kGradTol);
}

void TestNnOpsReference::concatHandCase() {
  // 1 pixel row of 2 pixels; a has 2 channels, b 1.
  const Nchw as{1, 2, 1, 2};
  const std::vector<float> a = {1, 2, 3, 4}; // NHWC: p0 {1, 2}, p1 {3, 4}
  const std::vector<float> b = {5, 6};
  std::vector<float> y(6);
  nn::concat_channels_forward(as, 1, Layout::nhwc, a, b, y);
  QCOMPARE(y, (std::vector<float>{1, 2, 5, 3, 4, 6}));
  nn::concat_channels_forward(as, 1, Layout::nchw, a, b, y);
  QCOMPARE(y, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  std::vector<float> da(4), db(2);
  nn::concat_channels_backward(as, 1, Layout::nhwc, std::vector<float>{1, 2, 5, 3, 4, 6}, da, db);
  QCOMPARE(da, a);
  QCOMPARE(db, b);
}

void TestNnOpsReference::concatAdjoint() {
  // <concat(a, b), dy> = <a, da> + <b, db>, in both layouts.
  const Nchw as{2, 3, 3, 5};
  const int c2 = 4;
  std::mt19937 rng(9);
  const auto a = random_values(as.count(), rng);
  const auto b = random_values(std::size_t(2) * c2 * 15, rng);
  const auto dy = random_values(a.size() + b.size(), rng);
  for (Layout lay : {Layout::nchw, Layout::nhwc}) {
    std::vector<double> y(dy.size()), da(a.size()), db(b.size());
    nn::concat_channels_forward(as, c2, lay, a, b, y);
    nn::concat_channels_backward(as, c2, lay, dy, da, db);
    QVERIFY(std::fabs(dot(y, dy) - (dot(a, da) + dot(b, db))) < 1e-12);
    std::vector<double> a2(a.size()), b2(b.size());
    nn::concat_channels_backward(as, c2, lay, y, a2, b2);
    QCOMPARE(a2, a);
    QCOMPARE(b2, b);
  }
}

void TestNnOpsReference::lossHandCase() {
  const std::vector<float> p = {1, 2, 3}, t = {1, 0, 5};
  QCOMPARE(nn::mse_loss_forward(p, t), 8.0 / 3.0);
  QCOMPARE(nn::l1_loss_forward(p, t), 4.0 / 3.0);
  std::vector<float> g(3);
  nn::mse_loss_backward(p, t, g);
  QCOMPARE(g, (std::vector<float>{0, float(4.0 / 3.0), float(-4.0 / 3.0)}));
  nn::l1_loss_backward(p, t, g);
  QCOMPARE(g, (std::vector<float>{0, float(1.0 / 3.0), float(-1.0 / 3.0)}));
}

void TestNnOpsReference::lossGradient() {
  std::mt19937 rng(13);
  auto p = random_values(37, rng);
  const auto t = random_values(37, rng);
  for (std::size_t i = 0; i < p.size(); ++i) // keep p - t away from 0 (L1's kink)
    if (std::fabs(p[i] - t[i]) < 0.01) p[i] += 0.02;
  std::vector<double> g(p.size());
  nn::mse_loss_backward(p, t, g);
  check_gradient(
      p, g, [&] { return nn::mse_loss_forward(p, t); }, "mse", kStep, kGradTol);
  nn::l1_loss_backward(p, t, g);
  check_gradient(
      p, g, [&] { return nn::l1_loss_forward(p, t); }, "l1", kStep, kGradTol);
}

void TestNnOpsReference::sizeErrors() {
  const Nchw s{1, 2, 3, 3};
  std::vector<float> x(18), small(17), b(2), y2(2), y8(72);
  std::vector<std::uint8_t> arg(2);
  ATELIER_VERIFY_THROWS(nn::bias_activation_forward(s, Layout::nhwc, small, b, x, Activation::relu),
                        Error, "x has 17 values");
  ATELIER_VERIFY_THROWS(
      nn::bias_activation_forward(s, Layout::nhwc, x, std::vector<float>(3), x, Activation::relu),
      Error, "bias has 3 values");
  ATELIER_VERIFY_THROWS(nn::max_pool2x2_forward(s, Layout::nchw, x, small, arg), Error,
                        "y has 17 values");
  ATELIER_VERIFY_THROWS(
      nn::max_pool2x2_forward(Nchw{1, 1, 1, 4}, Layout::nchw, std::vector<float>(4), y2, arg),
      Error, "smaller than the 2x2 window");
  ATELIER_VERIFY_THROWS(nn::upsample_nearest2x_forward(s, Layout::nchw, x, small), Error,
                        "y has 17 values");
  ATELIER_VERIFY_THROWS(nn::concat_channels_forward(s, 0, Layout::nhwc, x, x, x), Error,
                        "extents must be positive");
  ATELIER_VERIFY_THROWS(nn::mse_loss_forward(x, small), Error, "target has 17 values");
  ATELIER_VERIFY_THROWS(nn::l1_loss_forward(std::vector<float>{}, std::vector<float>{}), Error,
                        "empty prediction");
  std::vector<std::uint8_t> bad(2, 4);
  std::vector<float> dx(18);
  ATELIER_VERIFY_THROWS(nn::max_pool2x2_backward(s, Layout::nchw, bad, y2, dx), Error,
                        "argmax value out of range");
}

void TestNnOpsReference::reflectPadHandCase() {
  // 1 x 1 x 3 x 3, pad 2: rows/columns mirror without repeating the edge.
  const Nchw s{1, 1, 3, 3};
  const std::vector<float> x{0, 1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<float> y(49);
  nn::reflect_pad_forward(s, 2, Layout::nchw, x, y);
  const std::vector<float> row0{8, 7, 6, 7, 8, 7, 6}; // padded row -2 reads input row 2
  QCOMPARE(std::vector<float>(y.begin(), y.begin() + 7), row0);
  const std::vector<float> row2{2, 1, 0, 1, 2, 1, 0}; // input row 0
  QCOMPARE(std::vector<float>(y.begin() + 14, y.begin() + 21), row2);
  QCOMPARE(nn::reflect_pad_output(s, 2), (Nchw{1, 1, 7, 7}));
  // Each input element collects every padded copy of itself.
  std::vector<float> dy(49, 1.0f), dx(9);
  nn::reflect_pad_backward(s, 2, Layout::nchw, dy, dx);
  QCOMPARE(dx, (std::vector<float>{4, 6, 4, 6, 9, 6, 4, 6, 4}));
  ATELIER_VERIFY_THROWS(nn::reflect_pad_forward(s, 3, Layout::nchw, x, y), Error,
                        "smaller than the image");
}

void TestNnOpsReference::reflectPadAdjointAndLayouts() {
  std::mt19937 rng(31);
  const Nchw s{2, 3, 5, 4};
  const int pad = 3;
  const Nchw o = nn::reflect_pad_output(s, pad);
  std::vector<double> x = random_values(s.count(), rng), dy = random_values(o.count(), rng);
  std::vector<double> y(o.count()), dx(s.count());
  nn::reflect_pad_forward(s, pad, Layout::nchw, x, y);
  nn::reflect_pad_backward(s, pad, Layout::nchw, dy, dx);
  // The backward is the adjoint of the (linear) forward: <pad(x), dy> = <x, pad^T(dy)>.
  QVERIFY(std::abs(dot(y, dy) - dot(x, dx)) < 1e-12 * (1 + std::abs(dot(y, dy))));
  // NHWC gives the same values, element for element.
  std::vector<double> xh(x.size()), yh(y.size());
  for (int n = 0; n < s.n; ++n)
    for (int c = 0; c < s.c; ++c)
      for (int h = 0; h < s.h; ++h)
        for (int w = 0; w < s.w; ++w)
          xh[nn::element_offset(s, Layout::nhwc, n, c, h, w)] =
              x[nn::element_offset(s, Layout::nchw, n, c, h, w)];
  nn::reflect_pad_forward(s, pad, Layout::nhwc, xh, yh);
  for (int n = 0; n < o.n; ++n)
    for (int c = 0; c < o.c; ++c)
      for (int h = 0; h < o.h; ++h)
        for (int w = 0; w < o.w; ++w)
          QCOMPARE(yh[nn::element_offset(o, Layout::nhwc, n, c, h, w)],
                   y[nn::element_offset(o, Layout::nchw, n, c, h, w)]);
}

QTEST_APPLESS_MAIN(TestNnOpsReference)
#include "test_nn_ops_reference.moc"

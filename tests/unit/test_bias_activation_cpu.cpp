// The CPU backend's bias + activation against the reference: the same float
// bits elementwise (both compute in double; -0, -inf and NaN included), bias gradients equal up to
// the order of the sums, for shapes small (one thread) and large (the pool),
// every activation (GELU through the reference), no bias, and in place.
#include "core/base/error.h"
#include "core/nn/bias_activation_cpu.h"
#include "core/nn/cpu_pool.h"
#include "tests/support/test_support.h"

#include <QTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace atelier;
using namespace atelier::nn;

Q_DECLARE_METATYPE(Nchw)
Q_DECLARE_METATYPE(Activation)

namespace {

// Bitwise equality (so -0 differs from +0 and NaN equals NaN), naming the
// first difference.
bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::memcmp(&a[i], &b[i], sizeof(float)) != 0) {
      qWarning("element %zu: %.9g vs %.9g", i, double(a[i]), double(b[i]));
      return false;
    }
  return true;
}

} // namespace

class TestBiasActivationCpu : public QObject {
  Q_OBJECT

private slots:
  void matchesReference_data() {
    QTest::addColumn<Nchw>("shape");
    QTest::addColumn<Activation>("act");
    QTest::addColumn<bool>("with_bias");
    const Nchw small{2, 3, 5, 7}, large{3, 8, 64, 96};
    for (const auto& [name, act] :
         {std::pair{"identity", Activation::identity}, std::pair{"relu", Activation::relu},
          std::pair{"leaky", Activation::leaky_relu}, std::pair{"gelu", Activation::gelu_tanh}}) {
      QTest::addRow("%s small", name) << small << act << true;
      QTest::addRow("%s large", name) << large << act << true;
      QTest::addRow("%s large, no bias", name) << large << act << false;
    }
  }

  void matchesReference() {
    QFETCH(Nchw, shape);
    QFETCH(Activation, act);
    QFETCH(bool, with_bias);
    std::mt19937 rng(11);
    std::normal_distribution<float> g;
    std::vector<float> x(shape.count()), dy(shape.count()), bias;
    for (float& v : x)
      v = g(rng);
    for (float& v : dy)
      v = g(rng);
    if (with_bias)
      for (int c = 0; c < shape.c; ++c)
        bias.push_back(0.1f * float(c) - 0.3f);
    // The kink (z exactly 0: the derivative there is the slope), and values
    // where multiplying instead of selecting would differ from the
    // reference: -0, -inf, NaN.
    x[0] = with_bias ? -bias[0] : 0.0f;
    x[1] = -0.0f;
    x[2] = -std::numeric_limits<float>::infinity();
    x[3] = std::numeric_limits<float>::quiet_NaN();
    x[4] = -5.0f;
    const float slope = 0.1f;

    std::vector<float> want(x.size()), got(x.size());
    bias_activation_forward(shape, Layout::nchw, x, bias, want, act, slope);
    bias_activation_forward_cpu(shape, x, bias, got, act, slope);
    QVERIFY(same_bits(got, want));
    QVERIFY2(std::isnan(want[3]), "NaN in, NaN out (ReLU too, as PyTorch and cuDNN)");
    std::vector<float> in_place = x;
    bias_activation_forward_cpu(shape, in_place, bias, in_place, act, slope);
    QVERIFY(same_bits(in_place, want));

    std::vector<float> dx_want(x.size()), dx_got = dy, db_want(std::size_t(shape.c)),
                                          db_got(std::size_t(shape.c));
    bias_activation_backward(shape, Layout::nchw, x, bias, dy, dx_want, db_want, act, slope);
    bias_activation_backward_cpu(shape, x, bias, dx_got, dx_got, db_got, act, slope); // in place
    QVERIFY(same_bits(dx_got, dx_want));
    // db over finite terms only (NaN in, or GELU's at -inf, gives NaN).
    x[2] = -3.0f;
    x[3] = 0.5f;
    bias_activation_backward(shape, Layout::nchw, x, bias, dy, dx_want, db_want, act, slope);
    dx_got = dy;
    bias_activation_backward_cpu(shape, x, bias, dx_got, dx_got, db_got, act, slope);
    for (int c = 0; c < shape.c; ++c) {
      double magnitude = 0.0;
      for (int n = 0; n < shape.n; ++n)
        for (int i = 0; i < shape.h * shape.w; ++i)
          magnitude += std::fabs(
              double(dx_want[(std::size_t(n) * shape.c + std::size_t(c)) * shape.h * shape.w + i]));
      QVERIFY2(std::fabs(double(db_got[std::size_t(c)]) - db_want[std::size_t(c)]) <=
                   1e-6 * magnitude + 1e-30,
               qPrintable(QString("db[%1]: %2 vs %3")
                              .arg(c)
                              .arg(db_got[std::size_t(c)])
                              .arg(db_want[std::size_t(c)])));
    }
  }

  void poolRunsEveryPart() {
    // More parts than threads are folded onto the threads, none dropped.
    const int parts = 3 * cpu_pool_size() + 2;
    std::vector<int> runs(std::size_t(parts), 0);
    auto part = [&](int p) { ++runs[std::size_t(p)]; };
    cpu_parallel_parts(parts, part);
    for (int p = 0; p < parts; ++p)
      QCOMPARE(runs[std::size_t(p)], 1);
  }

  void wrongSizes() {
    const Nchw s{1, 2, 3, 3};
    std::vector<float> x(s.count()), y(s.count() - 1), bias(1);
    ATELIER_VERIFY_THROWS(bias_activation_forward_cpu(s, x, {}, y, Activation::relu, 0.0f), Error,
                          "y");
    ATELIER_VERIFY_THROWS(bias_activation_forward_cpu(s, x, bias, x, Activation::relu, 0.0f), Error,
                          "bias");
  }
};

QTEST_APPLESS_MAIN(TestBiasActivationCpu)
#include "test_bias_activation_cpu.moc"

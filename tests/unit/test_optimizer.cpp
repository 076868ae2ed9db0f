// The CPU reference optimizers and gradient clipping: SGD (plain, momentum
// with weight decay, Nesterov) and Adam / AdamW over three steps against
// trajectories computed independently in double (literals from a separate
// script, rechecked by a double implementation here); Adam vs AdamW differing
// exactly by the decoupled decay; Nesterov vs plain momentum; clipping to
// max_norm; state checks and option validation.
#include "core/base/error.h"
#include "core/nn/grad_clip.h"
#include "core/nn/optimizer.h"
#include "tests/support/test_support.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace atelier;

namespace {

const std::vector<float> kParams = {1.0f, -2.0f, 0.5f};
const std::vector<std::vector<float>> kGrads = {
    {0.1f, -0.2f, 0.3f}, {0.4f, 0.0f, -0.5f}, {-0.1f, 0.2f, 0.1f}};

// f32 arithmetic of a few operations: agree with the double truth to ~1e-6.
void compare(const std::vector<float>& actual, const std::vector<double>& expected,
             double rel = 1e-6) {
  QCOMPARE(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    if (std::fabs(actual[i] - expected[i]) > rel * (std::fabs(expected[i]) + 1e-3))
      QFAIL(qPrintable(QString("element %1: %2, expected %3")
                           .arg(i)
                           .arg(actual[i], 0, 'g', 9)
                           .arg(expected[i], 0, 'g', 17)));
}

// The same algorithms written plainly in double, from the PyTorch docs.
std::vector<std::vector<double>> sgd_double(double lr, double mu, double wd, bool nesterov) {
  std::vector<double> p(kParams.begin(), kParams.end()), b;
  std::vector<std::vector<double>> out;
  for (const auto& gf : kGrads) {
    std::vector<double> d(p.size());
    for (std::size_t i = 0; i < p.size(); ++i)
      d[i] = gf[i] + wd * p[i];
    if (mu != 0.0) {
      if (b.empty())
        b = d;
      else
        for (std::size_t i = 0; i < p.size(); ++i)
          b[i] = mu * b[i] + d[i];
      for (std::size_t i = 0; i < p.size(); ++i)
        d[i] = nesterov ? d[i] + mu * b[i] : b[i];
    }
    for (std::size_t i = 0; i < p.size(); ++i)
      p[i] -= lr * d[i];
    out.push_back(p);
  }
  return out;
}

std::vector<std::vector<double>> adam_double(const nn::AdamOptions& o) {
  std::vector<double> p(kParams.begin(), kParams.end()), m(p.size()), v(p.size());
  std::vector<std::vector<double>> out;
  int t = 0;
  for (const auto& gf : kGrads) {
    ++t;
    for (std::size_t i = 0; i < p.size(); ++i) {
      double g = gf[i];
      if (o.decoupled_weight_decay)
        p[i] *= 1.0 - o.lr * o.weight_decay;
      else
        g += o.weight_decay * p[i];
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      const double m_hat = m[i] / (1 - std::pow(o.beta1, t));
      const double v_hat = v[i] / (1 - std::pow(o.beta2, t));
      p[i] -= o.lr * m_hat / (std::sqrt(v_hat) + o.eps);
    }
    out.push_back(p);
  }
  return out;
}

} // namespace

class TestOptimizer : public QObject {
  Q_OBJECT

private slots:
  void sgdPlain() {
    // p -= 0.1 g: 1 - 0.01 = 0.99, then 0.99 - 0.04 = 0.95, then 0.95 + 0.01 = 0.96.
    const std::vector<std::vector<double>> expected = {
        {0.99, -1.98, 0.47}, {0.95, -1.98, 0.52}, {0.96, -2.0, 0.51}};
    nn::SgdOptions o;
    o.lr = 0.1;
    nn::SgdState state;
    std::vector<float> p = kParams;
    for (std::size_t t = 0; t < kGrads.size(); ++t) {
      nn::sgd_step(o, p, kGrads[t], state);
      compare(p, expected[t]);
    }
    QCOMPARE(state.step, std::int64_t(3));
    QVERIFY(state.momentum_buffer.empty());
  }

  void sgdMomentum_data() {
    QTest::addColumn<bool>("nesterov");
    QTest::addColumn<QList<double>>("expected"); // params after steps 1, 2, 3
    // lr 0.1, momentum 0.9, weight decay 0.01. Step 1 by hand: d = g + 0.01 p
    // = (0.11, -0.22, 0.305), b = d, p -= 0.1 b = (0.989, -1.978, 0.4695);
    // Nesterov: p -= 0.1 (d + 0.9 b) = 0.1 * 1.9 d -> (0.9791, -1.9582, 0.44205).
    QTest::newRow("momentum") << false << QList<double>{0.989,       -1.978,       0.4695,
                                                        0.938111,    -1.956222,    0.4915805,
                                                        0.901372789, -1.954665578, 0.5009613695};
    QTest::newRow("nesterov") << true
                              << QList<double>{0.9791,         -1.9582,         0.44205,
                                               0.89232971,     -1.93665942,     0.511505105,
                                               0.868422212551, -1.953355625102, 0.5094406848005};
  }

  void sgdMomentum() {
    QFETCH(bool, nesterov);
    QFETCH(QList<double>, expected);
    nn::SgdOptions o;
    o.lr = 0.1;
    o.momentum = 0.9;
    o.weight_decay = 0.01;
    o.nesterov = nesterov;
    const auto independent = sgd_double(o.lr, o.momentum, o.weight_decay, nesterov);
    nn::SgdState state;
    std::vector<float> p = kParams;
    for (std::size_t t = 0; t < kGrads.size(); ++t) {
      nn::sgd_step(o, p, kGrads[t], state);
      const std::vector<double> lit(expected.begin() + 3 * t, expected.begin() + 3 * t + 3);
      compare(p, lit);
      compare(p, independent[t]);
      // The literals use the decimal inputs, the double run their f32 roundings.
      for (std::size_t i = 0; i < 3; ++i)
        QVERIFY(std::fabs(lit[i] - independent[t][i]) < 1e-7);
    }
    QCOMPARE(state.momentum_buffer.size(), std::size_t(3));
  }

  // From the same state, Nesterov's step differs from plain momentum's by
  // exactly -lr * (d + mu b - b) (d: gradient with decay, b: new buffer).
  void nesterovVsMomentum() {
    nn::SgdOptions plain;
    plain.lr = 0.05;
    plain.momentum = 0.8;
    nn::SgdOptions nest = plain;
    nest.nesterov = true;
    nn::SgdState s0;
    std::vector<float> p0 = kParams;
    nn::sgd_step(plain, p0, kGrads[0], s0); // some momentum to start from
    nn::SgdState s_plain = s0, s_nest = s0;
    std::vector<float> p_plain = p0, p_nest = p0;
    nn::sgd_step(plain, p_plain, kGrads[1], s_plain);
    nn::sgd_step(nest, p_nest, kGrads[1], s_nest);
    QCOMPARE(s_plain.momentum_buffer, s_nest.momentum_buffer);
    for (std::size_t i = 0; i < 3; ++i) {
      const double b = s_plain.momentum_buffer[i], d = kGrads[1][i];
      const double diff = double(p_nest[i]) - double(p_plain[i]);
      QVERIFY2(std::fabs(diff + 0.05 * (d + 0.8 * b - b)) < 1e-7, qPrintable(QString::number(i)));
    }
  }

  void adam_data() {
    QTest::addColumn<bool>("decoupled");
    QTest::addColumn<QList<double>>("expected"); // params after steps 1, 2, 3
    // lr 0.01, betas (0.9, 0.999), eps 1e-8, weight decay 0.1.
    QTest::newRow("adam") << false << QList<double>{0.9900000005,        -1.99000000025,
                                                    0.4900000002857143,  0.9806005396534668,
                                                    -1.9806855469692093, 0.4917730890753445,
                                                    0.9733578418538062,  -1.97351315660055,
                                                    0.4914829978397062};
    QTest::newRow("adamw") << true << QList<double>{0.989000001,        -1.9880000005,
                                                    0.4895000003333333, 0.9791672363965117,
                                                    -1.979311418432056, 0.4919461123094795,
                                                    0.9730510698715806, -1.9781907841055175,
                                                    0.4926102539084632};
  }

  void adam() {
    QFETCH(bool, decoupled);
    QFETCH(QList<double>, expected);
    nn::AdamOptions o;
    o.lr = 0.01;
    o.weight_decay = 0.1;
    o.decoupled_weight_decay = decoupled;
    const auto independent = adam_double(o);
    nn::AdamState state;
    std::vector<float> p = kParams;
    for (std::size_t t = 0; t < kGrads.size(); ++t) {
      nn::adam_step(o, p, kGrads[t], state);
      const std::vector<double> lit(expected.begin() + 3 * t, expected.begin() + 3 * t + 3);
      compare(p, lit);
      compare(p, independent[t]);
    }
    QCOMPARE(state.step, std::int64_t(3));
    QCOMPARE(state.m.size(), std::size_t(3));
    // AdamW after step 3: m = (0.0341, 0.0038, -0.0107), v = (1.7982001e-4, ...).
    if (decoupled) {
      compare(state.m, {0.0341, 0.0038, -0.0107}, 1e-5);
      compare(state.v, {0.00017982001, 7.992004e-05, 0.00034957009}, 1e-5);
    }
  }

  // Step 1 without decay moves each parameter by lr * g / (|g| + eps).
  void adamFirstStepIsSignStep() {
    nn::AdamOptions o;
    o.lr = 0.5;
    nn::AdamState state;
    std::vector<float> p = {0.0f, 1.0f, -1.0f, 3.0f};
    const std::vector<float> g = {1e-3f, -250.0f, 0.0f, 7.0f};
    nn::adam_step(o, p, g, state);
    compare(p, {-0.5 * 1e-3 / (1e-3 + 1e-8), 1.5, -1.0, 2.5});
  }

  // Adam and AdamW differ exactly by the decay: AdamW is p * (1 - lr wd)
  // followed by Adam without decay; Adam with decay is Adam without decay on
  // g + wd p. Bit for bit, from the same state.
  void adamVsAdamW() {
    std::mt19937 rng(7);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::vector<float> p(257), g(257);
    for (auto& x : p)
      x = nd(rng);
    for (auto& x : g)
      x = nd(rng);
    nn::AdamOptions none;
    none.lr = 3e-3;
    nn::AdamState warm;
    std::vector<float> p_start = p;
    nn::adam_step(none, p_start, g, warm); // a non-trivial m, v and step

    nn::AdamOptions w = nn::adamw_options(3e-3, 0.05);
    nn::AdamState s_w = warm;
    std::vector<float> p_w = p_start;
    nn::adam_step(w, p_w, p, s_w); // reuse p as a second gradient
    nn::AdamState s_ref = warm;
    std::vector<float> p_ref = p_start;
    const float decay = static_cast<float>(1.0 - 3e-3 * 0.05);
    for (auto& x : p_ref)
      x *= decay;
    nn::adam_step(none, p_ref, p, s_ref);
    QCOMPARE(p_w, p_ref);
    QCOMPARE(s_w.m, s_ref.m);
    QCOMPARE(s_w.v, s_ref.v);

    nn::AdamOptions l2 = none;
    l2.weight_decay = 0.05;
    nn::AdamState s_l2 = warm, s_l2ref = warm;
    std::vector<float> p_l2 = p_start, p_l2ref = p_start, g_l2(p.size());
    for (std::size_t i = 0; i < p.size(); ++i)
      g_l2[i] = p[i] + 0.05f * p_start[i];
    nn::adam_step(l2, p_l2, p, s_l2);
    nn::adam_step(none, p_l2ref, g_l2, s_l2ref);
    QCOMPARE(p_l2, p_l2ref);
    QVERIFY(p_l2 != p_w);
  }

  void stateAndOptionErrors() {
    nn::AdamState st;
    std::vector<float> p = {1.0f, 2.0f};
    const std::vector<float> g3 = {1.0f, 2.0f, 3.0f};
    QVERIFY_THROWS_EXCEPTION(Error, nn::adam_step({}, p, g3, st));
    st.m.assign(5, 0.0f);
    st.v.assign(5, 0.0f);
    const std::vector<float> g2 = {1.0f, 2.0f};
    QVERIFY_THROWS_EXCEPTION(Error, nn::adam_step({}, p, g2, st));
    nn::AdamOptions bad;
    bad.beta2 = 1.0;
    QVERIFY_THROWS_EXCEPTION(Error, bad.validate());
    bad = {};
    bad.lr = -1.0;
    QVERIFY_THROWS_EXCEPTION(Error, bad.validate());
    bad = {};
    bad.eps = 0.0; // zero-padded weights would turn NaN (0 / 0)
    QVERIFY_THROWS_EXCEPTION(Error, bad.validate());
    nn::SgdOptions sgd;
    sgd.nesterov = true; // without momentum
    QVERIFY_THROWS_EXCEPTION(Error, sgd.validate());
    sgd.momentum = 0.9;
    sgd.dampening = 0.1;
    QVERIFY_THROWS_EXCEPTION(Error, sgd.validate());
    sgd.dampening = 0.0;
    sgd.validate();
    QVERIFY_THROWS_EXCEPTION(Error, nn::adam_step_scalars({}, 0));
    const auto sc = nn::adam_step_scalars({}, 2);
    QCOMPARE(sc.step_size, 1e-3 / (1.0 - 0.9 * 0.9));
    QCOMPARE(sc.bc2_sqrt, std::sqrt(1.0 - 0.999 * 0.999));
  }

  // Norm 13 over two buffers (3, 4 | 12): clipped to 6.5 every value scales
  // by 6.5 / (13 + 1e-6).
  void clipAboveMax() {
    std::vector<float> a = {3.0f, 4.0f}, b = {12.0f};
    std::vector<std::span<float>> grads = {a, b};
    const double total = nn::clip_grad_norm(grads, 6.5);
    QCOMPARE(total, 13.0);
    const float c = static_cast<float>(6.5 / (13.0 + 1e-6));
    QCOMPARE(a[0], 3.0f * c);
    QCOMPARE(a[1], 4.0f * c);
    QCOMPARE(b[0], 12.0f * c);
    const double after = nn::global_grad_norm(std::span<const std::span<float>>(grads));
    QVERIFY(std::fabs(after - 6.5 * 13.0 / (13.0 + 1e-6)) < 1e-6);
    QVERIFY(after < 6.5);
  }

  void clipBelowMaxAndNonFinite() {
    std::vector<float> a = {3.0f, 4.0f}, b = {12.0f};
    std::vector<std::span<float>> grads = {a, b};
    QCOMPARE(nn::clip_grad_norm(grads, 13.5), 13.0);
    QCOMPARE(a, (std::vector<float>{3.0f, 4.0f}));
    QCOMPARE(b, (std::vector<float>{12.0f}));

    std::vector<float> c = {1.0f, std::numeric_limits<float>::infinity()};
    std::vector<std::span<float>> bad = {c};
    QVERIFY(std::isinf(nn::clip_grad_norm(bad, 1.0)));
    QCOMPARE(c[0], 1.0f);
    QVERIFY_THROWS_EXCEPTION(Error, nn::clip_grad_norm(grads, -1.0));

    // Random buffers: the clipped norm is max_norm up to eps and rounding.
    std::mt19937 rng(3);
    std::normal_distribution<float> nd(0.0f, 2.0f);
    std::vector<float> x(1000), y(333);
    for (auto& v : x)
      v = nd(rng);
    for (auto& v : y)
      v = nd(rng);
    std::vector<std::span<float>> many = {x, y};
    const double total = nn::clip_grad_norm(many, 1.0);
    QVERIFY(total > 50.0);
    const double after = nn::global_grad_norm(std::span<const std::span<float>>(many));
    QVERIFY(std::fabs(after - 1.0) < 1e-6);
  }
};

QTEST_APPLESS_MAIN(TestOptimizer)
#include "test_optimizer.moc"

// The CPU backend's pooling, upsampling and concatenation against the
// reference ops: the same float bits (and pooling argmax) for small shapes
// (one thread) and large ones (planes over the pool), odd extents, ties,
// NaN and -0, and their errors.
#include "core/base/error.h"
#include "core/nn/concat_reference.h"
#include "core/nn/plane_ops_cpu.h"
#include "core/nn/pool_reference.h"
#include "core/nn/upsample_reference.h"
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

namespace {

// Values with ties (a few distinct levels), -0, +0 and some NaNs.
std::vector<float> awkward_values(std::size_t count, std::mt19937& rng) {
  std::uniform_int_distribution<int> level(-3, 3), pick(0, 49);
  std::vector<float> v(count);
  for (float& x : v) {
    const int p = pick(rng);
    x = p == 0   ? std::numeric_limits<float>::quiet_NaN()
        : p == 1 ? -0.0f
                 : float(level(rng)) * 0.5f + (p % 7 == 0 ? 0.1f * float(p) : 0.0f);
  }
  return v;
}

bool same_bits(const void* a, const void* b, std::size_t bytes) {
  return std::memcmp(a, b, bytes) == 0;
}

} // namespace

class TestPlaneOpsCpu : public QObject {
  Q_OBJECT
private slots:
  void matchReference_data() {
    QTest::addColumn<Nchw>("shape");
    QTest::newRow("small even") << Nchw{1, 2, 4, 6};
    QTest::newRow("small odd") << Nchw{2, 3, 5, 7};
    QTest::newRow("large, planes over the pool") << Nchw{2, 24, 64, 48};
    QTest::newRow("large odd") << Nchw{1, 33, 41, 39};
  }

  void matchReference() {
    QFETCH(Nchw, shape);
    std::mt19937 rng(7);
    const std::size_t in = shape.count();
    const Nchw po = max_pool2x2_output(shape), uo = upsample_nearest2x_output(shape);
    const std::vector<float> x = awkward_values(in, rng);
    const std::vector<float> dy_pool = awkward_values(po.count(), rng);
    const std::vector<float> dy_up = awkward_values(uo.count(), rng);

    std::vector<float> y_ref(po.count()), y(po.count(), 1.0f);
    std::vector<std::uint8_t> a_ref(po.count()), a(po.count(), 9);
    max_pool2x2_forward(shape, Layout::nchw, x, y_ref, a_ref);
    max_pool2x2_forward_cpu(shape, x.data(), y.data(), a.data());
    QVERIFY(same_bits(y.data(), y_ref.data(), y.size() * 4));
    QVERIFY(a == a_ref);

    std::vector<float> dx_ref(in), dx(in, std::nanf(""));
    max_pool2x2_backward(shape, Layout::nchw, a_ref, dy_pool, dx_ref);
    max_pool2x2_backward_cpu(shape, a.data(), dy_pool.data(), dx.data());
    QVERIFY(same_bits(dx.data(), dx_ref.data(), dx.size() * 4));

    std::vector<float> u_ref(uo.count()), u(uo.count(), std::nanf(""));
    upsample_nearest2x_forward(shape, Layout::nchw, x, u_ref);
    upsample_nearest2x_forward_cpu(shape, x.data(), u.data());
    QVERIFY(same_bits(u.data(), u_ref.data(), u.size() * 4));

    std::vector<float> d_ref(in), d(in, std::nanf(""));
    upsample_nearest2x_backward(shape, Layout::nchw, dy_up, d_ref);
    upsample_nearest2x_backward_cpu(shape, dy_up.data(), d.data());
    QVERIFY(same_bits(d.data(), d_ref.data(), d.size() * 4));

    const int c2 = 5;
    const Nchw bs{shape.n, c2, shape.h, shape.w};
    const std::vector<float> b = awkward_values(bs.count(), rng);
    std::vector<float> cat_ref(in + bs.count()), cat(in + bs.count(), 3.0f);
    concat_channels_forward(shape, c2, Layout::nchw, x, b, cat_ref);
    concat_channels_forward_cpu(shape, c2, x.data(), b.data(), cat.data());
    QVERIFY(same_bits(cat.data(), cat_ref.data(), cat.size() * 4));
    std::vector<float> da_ref(in), db_ref(bs.count()), da(in, 2.0f), db(bs.count(), 2.0f);
    concat_channels_backward(shape, c2, Layout::nchw, cat_ref, da_ref, db_ref);
    concat_channels_backward_cpu(shape, c2, cat_ref.data(), da.data(), db.data());
    QVERIFY(same_bits(da.data(), da_ref.data(), da.size() * 4));
    QVERIFY(same_bits(db.data(), db_ref.data(), db.size() * 4));
    QVERIFY(same_bits(da.data(), x.data(), da.size() * 4)); // the round trip
  }

  void errors() {
    float v[16] = {};
    std::uint8_t a[4] = {0, 1, 4, 2};
    ATELIER_VERIFY_THROWS(max_pool2x2_forward_cpu(Nchw{1, 1, 1, 4}, v, v, a), Error,
                          "smaller than the 2x2 window");
    ATELIER_VERIFY_THROWS(max_pool2x2_backward_cpu(Nchw{1, 1, 4, 4}, a, v, v), Error,
                          "argmax value out of range");
    // A bad value among the eight windows done at a time.
    std::vector<std::uint8_t> wide_a(16, 3);
    std::vector<float> wide_dy(16), wide_dx(64);
    wide_a[5] = 200;
    ATELIER_VERIFY_THROWS(
        max_pool2x2_backward_cpu(Nchw{1, 1, 2, 32}, wide_a.data(), wide_dy.data(), wide_dx.data()),
        Error, "argmax value out of range");
    ATELIER_VERIFY_THROWS(upsample_nearest2x_forward_cpu(Nchw{0, 1, 2, 2}, v, v), Error,
                          "must be positive");
    ATELIER_VERIFY_THROWS(concat_channels_forward_cpu(Nchw{1, 1, 2, 2}, 0, v, v, v), Error,
                          "must be positive");
  }
};

QTEST_MAIN(TestPlaneOpsCpu)
#include "test_plane_ops_cpu.moc"

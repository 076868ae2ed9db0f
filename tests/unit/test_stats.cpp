// RunningStats against a direct two-pass computation, across dtypes, with
// NaN/Inf, merging, and a large offset that defeats naive sum-of-squares.
#include "core/base/half.h"
#include "core/data/stats.h"
#include "tests/support/test_support.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace atelier;

namespace {
void reference(const std::vector<double>& v, double& mean, double& sd) {
  double s = 0;
  for (double x : v)
    s += x;
  mean = s / v.size();
  double q = 0;
  for (double x : v)
    q += (x - mean) * (x - mean);
  sd = std::sqrt(q / v.size());
}
} // namespace

class TestStats : public QObject {
  Q_OBJECT
private slots:
  void floatWithOffset();
  void integerTypes();
  void nonFiniteExcluded();
  void mergeEqualsWhole();
  void half();
  void empty();
};

void TestStats::floatWithOffset() {
  std::mt19937 rng(7);
  std::normal_distribution<float> d(1.0e6f, 3.0f);
  std::vector<float> v(100001);
  std::vector<double> ref;
  for (auto& x : v) {
    x = d(rng);
    ref.push_back(x);
  }
  RunningStats s;
  s.add(v.data(), DType::f32, v.size());
  double mean, sd;
  reference(ref, mean, sd);
  QCOMPARE(s.count(), std::uint64_t{100001});
  QVERIFY(std::fabs(s.mean() - mean) < 1e-9 * mean);
  QVERIFY(std::fabs(s.std() - sd) < 1e-6 * sd);
}

void TestStats::integerTypes() {
  const std::vector<std::int16_t> v = {-32768, 0, 32767, 5};
  RunningStats s;
  s.add(v.data(), DType::i16, v.size());
  QCOMPARE(s.min(), -32768.0);
  QCOMPARE(s.max(), 32767.0);
  QCOMPARE(s.mean(), 1.0);
  const std::vector<std::uint32_t> u = {4000000000u, 2u};
  RunningStats t;
  t.add(u.data(), DType::u32, u.size());
  QCOMPARE(t.max(), 4e9);
  QCOMPARE(t.std(), (4e9 - 2) / 2);
}

void TestStats::nonFiniteExcluded() {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> v = {1, nan, 3, inf, -inf};
  RunningStats s;
  s.add(v.data(), DType::f32, v.size());
  QCOMPARE(s.count(), std::uint64_t{2});
  QCOMPARE(s.non_finite(), std::uint64_t{3});
  QCOMPARE(s.mean(), 2.0);
  QCOMPARE(s.std(), 1.0);
}

void TestStats::mergeEqualsWhole() {
  std::vector<double> v(10000);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = std::sin(static_cast<double>(i)) * 100 + i;
  RunningStats whole, a, b;
  whole.add(v.data(), DType::f64, v.size());
  a.add(v.data(), DType::f64, 3333);
  b.add(v.data() + 3333, DType::f64, v.size() - 3333);
  a.merge(b);
  QCOMPARE(a.count(), whole.count());
  QVERIFY(std::fabs(a.mean() - whole.mean()) < 1e-9);
  QVERIFY(std::fabs(a.std() - whole.std()) < 1e-9);
  QCOMPARE(a.min(), whole.min());
  QCOMPARE(a.max(), whole.max());
}

void TestStats::half() {
  const std::vector<std::uint16_t> v = {float_to_half(-2.5f), float_to_half(0.5f),
                                        float_to_half(2.0f)};
  RunningStats s;
  s.add(v.data(), DType::f16, v.size());
  QCOMPARE(s.min(), -2.5);
  QCOMPARE(s.max(), 2.0);
  QCOMPARE(s.mean(), 0.0);
}

void TestStats::empty() {
  RunningStats s;
  QCOMPARE(s.count(), std::uint64_t{0});
  QVERIFY(std::isnan(s.mean()));
}

QTEST_APPLESS_MAIN(TestStats)
#include "test_stats.moc"

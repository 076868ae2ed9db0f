// Finite-difference gradient checks for the CPU reference ops (Qt Test).
#pragma once

#include <QString>
#include <QTest>

#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <vector>

namespace atelier::test {

// count uniform values in [lo, hi), double or (random_values<float>) float.
template <typename T = double>
std::vector<T> random_values(std::size_t count, std::mt19937& rng, double lo = -1.0,
                             double hi = 1.0) {
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<T> v(count);
  for (auto& x : v)
    x = T(d(rng));
  return v;
}

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i)
    s += a[i] * b[i];
  return s;
}

// Checks grad (analytic dL/dv) against central differences of loss over
// every element of v: |analytic - numeric| <= tol * (1 + |analytic|).
inline void check_gradient(std::vector<double>& v, const std::vector<double>& grad,
                           const std::function<double()>& loss, const char* what, double step,
                           double tol) {
  QCOMPARE(grad.size(), v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double saved = v[i];
    v[i] = saved + step;
    const double up = loss();
    v[i] = saved - step;
    const double down = loss();
    v[i] = saved;
    const double numeric = (up - down) / (2 * step);
    if (std::fabs(numeric - grad[i]) > tol * (1.0 + std::fabs(grad[i])))
      QFAIL(qPrintable(QString("%1[%2]: analytic %3, finite difference %4")
                           .arg(what)
                           .arg(i)
                           .arg(grad[i], 0, 'g', 17)
                           .arg(numeric, 0, 'g', 17)));
  }
}

} // namespace atelier::test

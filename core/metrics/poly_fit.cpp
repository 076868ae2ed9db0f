// Least-squares polynomial fit (see poly_fit.h).
#include "core/metrics/poly_fit.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

namespace atelier::metrics {

std::vector<double> fit_polynomial(std::span<const double> u, std::span<const double> v,
                                   int degree) {
  const int m = std::max(degree, 0) + 1;
  // [A^T A | A^T v], row-major, m rows of m + 1.
  std::vector<double> a(static_cast<std::size_t>(m * (m + 1)), 0.0);
  const auto cell = [&](int r, int c) -> double& {
    return a[static_cast<std::size_t>(r * (m + 1) + c)];
  };
  std::vector<double> pw(static_cast<std::size_t>(m));
  for (std::size_t i = 0; i < std::min(u.size(), v.size()); ++i) {
    pw[0] = 1.0;
    for (int k = 1; k < m; ++k)
      pw[static_cast<std::size_t>(k)] = pw[static_cast<std::size_t>(k - 1)] * u[i];
    for (int r = 0; r < m; ++r) {
      for (int c = 0; c < m; ++c)
        cell(r, c) += pw[static_cast<std::size_t>(r)] * pw[static_cast<std::size_t>(c)];
      cell(r, m) += pw[static_cast<std::size_t>(r)] * v[i];
    }
  }
  for (int col = 0; col < m; ++col) {
    int pivot = col;
    for (int r = col + 1; r < m; ++r)
      if (std::abs(cell(r, col)) > std::abs(cell(pivot, col))) pivot = r;
    for (int c = 0; c <= m; ++c)
      std::swap(cell(col, c), cell(pivot, c));
    const double d = cell(col, col);
    if (std::abs(d) < 1e-12) continue;
    for (int r = 0; r < m; ++r) {
      if (r == col) continue;
      const double f = cell(r, col) / d;
      for (int c = col; c <= m; ++c)
        cell(r, c) -= f * cell(col, c);
    }
  }
  std::vector<double> coef(static_cast<std::size_t>(m), 0.0);
  for (int r = 0; r < m; ++r)
    if (std::abs(cell(r, r)) >= 1e-12) coef[static_cast<std::size_t>(r)] = cell(r, m) / cell(r, r);
  return coef;
}

double eval_polynomial(std::span<const double> c, double u) {
  double y = 0.0;
  for (std::size_t k = c.size(); k-- > 0;)
    y = y * u + c[k];
  return y;
}

} // namespace atelier::metrics

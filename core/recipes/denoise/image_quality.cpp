// MSE, PSNR and the affine-aligned PSNR.
#include "core/recipes/denoise/image_quality.h"

#include "core/base/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace atelier::denoise {
namespace {

void check(std::span<const float> estimate, std::span<const float> truth, const char* what) {
  if (estimate.size() != truth.size())
    throw Error(std::string(what) + ": estimate has " + std::to_string(estimate.size()) +
                " values, truth " + std::to_string(truth.size()));
  if (truth.empty()) throw Error(std::string(what) + ": empty images");
}

double truth_range(std::span<const float> truth) {
  const auto [lo, hi] = std::minmax_element(truth.begin(), truth.end());
  const double range = static_cast<double>(*hi) - static_cast<double>(*lo);
  if (!(range > 0)) throw Error("psnr: the truth image is constant (no peak range)");
  return range;
}

double psnr_from(double mse_value, double peak) {
  if (mse_value == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(peak * peak / mse_value);
}

} // namespace

double mse(std::span<const float> estimate, std::span<const float> truth) {
  check(estimate, truth, "mse");
  double ss = 0.0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double d = static_cast<double>(estimate[i]) - static_cast<double>(truth[i]);
    ss += d * d;
  }
  return ss / static_cast<double>(truth.size());
}

double psnr(std::span<const float> estimate, std::span<const float> truth) {
  check(estimate, truth, "psnr");
  const double peak = truth_range(truth);
  return psnr_from(mse(estimate, truth), peak);
}

AffineFit fit_affine(std::span<const float> estimate, std::span<const float> truth) {
  check(estimate, truth, "fit_affine");
  const double n = static_cast<double>(truth.size());
  double me = 0.0, mt = 0.0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    me += estimate[i];
    mt += truth[i];
  }
  me /= n;
  mt /= n;
  double cov = 0.0, var = 0.0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double de = estimate[i] - me;
    cov += de * (truth[i] - mt);
    var += de * de;
  }
  AffineFit fit;
  fit.scale = var > 0.0 ? cov / var : 0.0;
  fit.offset = mt - fit.scale * me;
  return fit;
}

double psnr_affine_fit(std::span<const float> estimate, std::span<const float> truth) {
  const AffineFit fit = fit_affine(estimate, truth);
  const double peak = truth_range(truth);
  double ss = 0.0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double d = fit.scale * estimate[i] + fit.offset - truth[i];
    ss += d * d;
  }
  return psnr_from(ss / static_cast<double>(truth.size()), peak);
}

} // namespace atelier::denoise

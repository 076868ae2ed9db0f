// Power spectrum, Thon-ring analysis and the CTF model (see cryoem_metrics.h).
#include "core/metrics/cryoem_metrics.h"

#include "core/base/error.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace atelier::metrics {

std::vector<double> PowerSpectrum1D::freq_per_A() const {
  std::vector<double> out;
  if (pixel_size_A <= 0) return out;
  for (double f : freq_per_px)
    out.push_back(f / pixel_size_A);
  return out;
}

double pixel_size_in_A(const Spacing& spacing) {
  if (!spacing.known()) return 0.0;
  const auto& u = spacing.unit;
  if (u == "A" || u == "Å" || u == "angstrom" || u == "Angstrom") return spacing.xyz[0];
  if (u == "nm") return spacing.xyz[0] * 10.0;
  return 0.0;
}

PowerSpectrum1D rotational_power_spectrum(const FloatPlane& plane, double pixel_size_A,
                                          const PowerSpectrumOptions& options) {
  const std::int64_t small = std::min(plane.width, plane.height);
  if (small < 32) throw Error("power spectrum: image smaller than 32 x 32");
  int n = std::max(32, options.tile);
  while (n > small)
    n /= 2;
  n &= ~1;
  const int step = std::max(1, static_cast<int>(std::lround(n * (1.0 - options.overlap))));

  std::vector<float> window(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    window[static_cast<std::size_t>(i)] =
        static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / n));
  double window_energy = 0;
  for (float a : window)
    for (float b : window)
      window_energy += double(a) * a * b * b;

  cv::Mat sum = cv::Mat::zeros(n, n, CV_64F);
  cv::Mat tile(n, n, CV_32F), spectrum, mag;
  int tiles = 0;
  for (std::int64_t y0 = 0; y0 + n <= plane.height; y0 += step) {
    for (std::int64_t x0 = 0; x0 + n <= plane.width; x0 += step) {
      double mean = 0;
      std::int64_t finite = 0;
      for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) {
          const float v = plane.at(x0 + x, y0 + y);
          if (std::isfinite(v)) mean += v, ++finite;
        }
      mean = finite ? mean / static_cast<double>(finite) : 0.0;
      for (int y = 0; y < n; ++y) {
        float* row = tile.ptr<float>(y);
        for (int x = 0; x < n; ++x) {
          const float v = plane.at(x0 + x, y0 + y);
          row[x] = std::isfinite(v)
                       ? static_cast<float>(v - mean) * window[static_cast<std::size_t>(x)] *
                             window[static_cast<std::size_t>(y)]
                       : 0.0f;
        }
      }
      cv::dft(tile, spectrum, cv::DFT_COMPLEX_OUTPUT);
      for (int y = 0; y < n; ++y) {
        const auto* s = spectrum.ptr<cv::Vec2f>(y);
        auto* acc = sum.ptr<double>(y);
        for (int x = 0; x < n; ++x)
          acc[x] += double(s[x][0]) * s[x][0] + double(s[x][1]) * s[x][1];
      }
      ++tiles;
    }
  }

  PowerSpectrum1D out;
  out.tile = n;
  out.tiles = tiles;
  out.pixel_size_A = pixel_size_A > 0 ? pixel_size_A : 0.0;
  const int bins = n / 2 + 1;
  std::vector<double> power(static_cast<std::size_t>(bins)), radius(power.size()),
      count(power.size());
  for (int y = 0; y < n; ++y) {
    const int fy = y <= n / 2 ? y : y - n;
    const auto* acc = sum.ptr<double>(y);
    for (int x = 0; x < n; ++x) {
      const int fx = x <= n / 2 ? x : x - n;
      const double r = std::sqrt(double(fx) * fx + double(fy) * fy);
      const auto b = static_cast<std::size_t>(std::lround(r));
      if (b >= power.size()) continue;
      power[b] += acc[x];
      radius[b] += r;
      count[b] += 1;
    }
  }
  const double norm = 1.0 / (std::max(tiles, 1) * window_energy);
  for (std::size_t b = 0; b < power.size(); ++b) {
    out.freq_per_px.push_back(radius[b] / count[b] / n);
    out.power.push_back(power[b] / count[b] * norm);
    out.samples.push_back(count[b] * tiles);
  }
  return out;
}

PowerSpectrum1D rotational_power_spectrum(const Image& image, const PowerSpectrumOptions& options) {
  return rotational_power_spectrum(mean_plane(image), pixel_size_in_A(image.spacing), options);
}

ThonRings analyse_thon_rings(const PowerSpectrum1D& spectrum) {
  ThonRings out;
  out.pixel_size_A = spectrum.pixel_size_A;
  const auto n = static_cast<std::ptrdiff_t>(spectrum.power.size());
  if (n < 16) return out;
  const std::ptrdiff_t half_bg = std::max<std::ptrdiff_t>(3, (n - 1) / 16);
  const std::ptrdiff_t half_c = std::max<std::ptrdiff_t>(2, (n - 1) / 32);
  const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(3, (n - 1) / 32);

  std::vector<double> s(static_cast<std::size_t>(n)), osc(s.size()), smooth(s.size()),
      contrast(s.size()), threshold(s.size()), floor(s.size());
  for (std::ptrdiff_t r = 0; r < n; ++r)
    s[r] = std::sqrt(std::max(0.0, spectrum.power[r]));
  auto mean_over = [&](const std::vector<double>& v, std::ptrdiff_t a, std::ptrdiff_t b) {
    a = std::max<std::ptrdiff_t>(a, 1); // bin 0 (DC) is removed with the tile mean
    b = std::min(b, n - 1);
    double acc = 0;
    for (std::ptrdiff_t i = a; i <= b; ++i)
      acc += v[i];
    return acc / static_cast<double>(b - a + 1);
  };
  for (std::ptrdiff_t r = 1; r < n; ++r) {
    const double bg = mean_over(s, r - half_bg, r + half_bg);
    osc[r] = bg > 0 ? s[r] / bg - 1.0 : 0.0;
    smooth[r] = mean_over(s, r - 1, r + 1);
  }
  std::vector<double> osc2(osc.size());
  for (std::ptrdiff_t r = 0; r < n; ++r)
    osc2[r] = osc[r] * osc[r];
  double visibility = 0;
  int visibility_bins = 0;
  for (std::ptrdiff_t r = 1; r < n; ++r) {
    contrast[r] = std::sqrt(mean_over(osc2, r - half_c, r + half_c));
    double samples = 0;
    for (std::ptrdiff_t i = std::max<std::ptrdiff_t>(1, r - half_c);
         i <= std::min(n - 1, r + half_c); ++i)
      samples += spectrum.samples.empty() ? 1.0 : spectrum.samples[i];
    floor[r] = 1.0 / (2.0 * std::sqrt(std::max(samples, 1.0) / 3.0));
    threshold[r] = std::max(0.1, 3.0 * floor[r]);
    if (r >= lo && r < n - half_c) {
      visibility += std::max(0.0, contrast[r] - 3.0 * floor[r]);
      ++visibility_bins;
    }
  }
  out.visibility = visibility_bins ? visibility / visibility_bins : 0.0;

  // First local maximum, then the first local minimum, each further from the
  // background than the noise threshold.
  std::ptrdiff_t peak = -1, zero = -1;
  for (std::ptrdiff_t r = lo + 1; r + 1 < n; ++r) {
    if (peak < 0) {
      if (smooth[r] >= smooth[r - 1] && smooth[r] > smooth[r + 1] && osc[r] > threshold[r])
        peak = r;
    } else if (smooth[r] < smooth[r - 1] && smooth[r] <= smooth[r + 1] && osc[r] < -threshold[r]) {
      zero = r;
      break;
    }
  }
  if (zero < 0) return out;
  // Refine with a least-squares parabola through the power of 5 bins.
  double f0 = spectrum.freq_per_px[zero];
  if (zero >= 2 && zero + 2 < n) {
    cv::Mat a(5, 3, CV_64F), b(5, 1, CV_64F), coef;
    for (int i = 0; i < 5; ++i) {
      const double x = spectrum.freq_per_px[zero - 2 + i] - f0;
      a.at<double>(i, 0) = x * x;
      a.at<double>(i, 1) = x;
      a.at<double>(i, 2) = 1.0;
      b.at<double>(i, 0) = spectrum.power[zero - 2 + i];
    }
    if (cv::solve(a, b, coef, cv::DECOMP_SVD) && coef.at<double>(0) > 0) {
      const double vertex = -coef.at<double>(1) / (2.0 * coef.at<double>(0));
      const double span = spectrum.freq_per_px[zero + 2] - spectrum.freq_per_px[zero - 2];
      if (std::abs(vertex) <= span / 2) f0 += vertex;
    }
  }
  out.first_zero_per_px = f0;

  out.fade_per_px = spectrum.freq_per_px[n - 1];
  for (std::ptrdiff_t r = zero; r < n; ++r) {
    bool faded = true;
    for (std::ptrdiff_t i = r; i < std::min(n, r + half_c + 1) && faded; ++i)
      faded = contrast[i] < threshold[i];
    if (faded) {
      out.fade_per_px = spectrum.freq_per_px[r];
      break;
    }
  }
  return out;
}

std::vector<Metric> cryoem_metrics(const Image& image, double pixel_size_A) {
  if (pixel_size_A <= 0) pixel_size_A = pixel_size_in_A(image.spacing);
  const auto spectrum = rotational_power_spectrum(mean_plane(image), pixel_size_A);
  const ThonRings rings = analyse_thon_rings(spectrum);
  std::vector<Metric> out{
      {"thon_visibility", rings.visibility},
      {"first_zero_freq_per_px", rings.first_zero_per_px},
      {"ring_fade_freq_per_px", rings.fade_per_px},
      {"ring_fade_resolution_px", rings.fade_resolution_px()},
  };
  if (rings.pixel_size_A > 0) {
    out.push_back({"first_zero_resolution_A",
                   rings.first_zero_per_A() > 0 ? 1.0 / rings.first_zero_per_A() : 0.0});
    out.push_back({"ring_fade_resolution_A", rings.fade_resolution_A()});
  }
  return out;
}

} // namespace atelier::metrics

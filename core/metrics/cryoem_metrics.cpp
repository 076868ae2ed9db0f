// Power spectrum, Thon-ring analysis and the CTF model (see cryoem_metrics.h).
#include "core/metrics/cryoem_metrics.h"

#include "core/metrics/defocus_fit.h"

#include "core/base/error.h"
#include "core/base/float4.h"
#include "core/metrics/real_fft.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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

namespace {

// Radial bins of an n x (n/2+1) half spectrum: each Fourier pixel's bin
// (its radius rounded), the mean radius and pixel count per bin, counting
// the columns 1 .. n/2-1 twice for their mirror images in the missing half.
struct RadialBins {
  std::vector<std::uint32_t> bin; // per half-spectrum pixel; bins() = out of range
  std::vector<double> radius_sum, count;
  std::size_t bins() const { return count.size(); }
};

std::shared_ptr<const RadialBins> radial_bins(int n) {
  static std::mutex mutex;
  static std::map<int, std::shared_ptr<const RadialBins>> cache;
  std::lock_guard lock(mutex);
  if (auto it = cache.find(n); it != cache.end()) return it->second;
  auto rb = std::make_shared<RadialBins>();
  const int half = n / 2 + 1;
  const auto bins = static_cast<std::uint32_t>(half);
  rb->bin.resize(static_cast<std::size_t>(n) * half);
  rb->radius_sum.assign(bins, 0.0);
  rb->count.assign(bins, 0.0);
  for (int y = 0; y < n; ++y) {
    const int fy = y <= n / 2 ? y : y - n;
    for (int x = 0; x < half; ++x) {
      const double r = std::sqrt(double(x) * x + double(fy) * fy);
      const auto b = static_cast<std::uint32_t>(std::lround(r));
      const std::size_t i = static_cast<std::size_t>(y) * half + x;
      rb->bin[i] = std::min(b, bins);
      if (b >= bins) continue;
      const double weight = (x == 0 || x == n / 2) ? 1.0 : 2.0;
      rb->radius_sum[b] += weight * r;
      rb->count[b] += weight;
    }
  }
  cache.emplace(n, rb);
  return rb;
}

// count tile origins from 0 to last, evenly spread (first and last included).
std::vector<std::int64_t> tile_origins(std::int64_t last, int count) {
  std::vector<std::int64_t> out;
  for (int i = 0; i < count; ++i)
    out.push_back(count == 1 ? last / 2
                             : static_cast<std::int64_t>(
                                   std::llround(static_cast<double>(last) * i / (count - 1))));
  return out;
}

// dst = (tile - offset) * window(y) * window(x), NaN/Inf pixels set to 0;
// adds the tile's finite values to sum and their number to count.
ATELIER_HOT_LOOP
void window_tile(PlaneView plane, std::int64_t x0, std::int64_t y0,
                 const std::vector<float>& window, float offset, float* dst, double& sum,
                 std::uint64_t& count) {
  const int n = static_cast<int>(window.size());
  for (int y = 0; y < n; ++y) {
    const float* row = plane.row(y0 + y) + x0;
    const float wy = window[static_cast<std::size_t>(y)];
    float* out = dst + static_cast<std::size_t>(y) * static_cast<std::size_t>(n);
    float4 acc = splat4(0.0f);
    mask4 cnt = {};
    int x = 0;
    for (; x + 4 <= n; x += 4) {
      const float4 raw = load4(row + x);
      const mask4 finite = finite_mask(raw);
      acc += select4(finite, raw, splat4(0.0f));
      cnt -= finite;
      const float4 v = (raw - splat4(offset)) * (load4(&window[x]) * splat4(wy));
      store4(out + x, select4(finite, v, splat4(0.0f)));
    }
    double row_sum = sum4(acc);
    std::int64_t row_count = sum4(cnt);
    for (; x < n; ++x) {
      const bool finite = row[x] - row[x] == 0.0f;
      if (finite) row_sum += row[x], ++row_count;
      out[x] = finite ? (row[x] - offset) * (window[static_cast<std::size_t>(x)] * wy) : 0.0f;
    }
    sum += row_sum;
    count += static_cast<std::uint64_t>(row_count);
  }
}

} // namespace

// The periodograms of the tiles, summed: n rows of n / 2 + 1 (see RealFft2d).
struct TilePowerSum {
  int n = 0, tiles = 0;
  double window_energy = 1.0; // the Hann window's sum of squares
  std::vector<float> sum;
};

TilePowerSum tile_power_sum(PlaneView plane, const PowerSpectrumOptions& options) {
  const std::int64_t small = std::min(plane.width, plane.height);
  if (small < 32) throw Error("power spectrum: image smaller than 32 x 32");
  int n = std::max(32, options.tile);
  while (n > small)
    n /= 2;
  n &= ~1;
  const double overlap = std::clamp(options.overlap, 0.0, 0.9);
  const auto step = std::max<std::int64_t>(1, std::llround(n * (1.0 - overlap)));
  int nx = static_cast<int>((plane.width - n) / step + 1);
  int ny = static_cast<int>((plane.height - n) / step + 1);
  const int max_tiles = std::max(1, options.max_tiles);
  while (nx * ny > max_tiles)
    (nx >= ny ? nx : ny) -= 1;
  const auto xs = tile_origins(plane.width - n, nx);
  const auto ys = tile_origins(plane.height - n, ny);

  std::vector<float> window(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i)
    window[static_cast<std::size_t>(i)] =
        static_cast<float>(0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / n));
  double energy_1d = 0; // the 2D window's energy is this squared (separable)
  for (float a : window)
    energy_1d += double(a) * a;
  const double window_energy = energy_1d * energy_1d;

  RealFft2d fft(n);
  std::vector<float> sum;
  int tiles = 0;
  for (const std::int64_t y0 : ys) {
    for (const std::int64_t x0 : xs) {
      // One pass: subtract a provisional offset (the first row's finite
      // mean, so the float FFT never sees a large constant), window, and
      // sum the tile. The Hann window's transform is nonzero only at
      // |kx|, |ky| <= 1, so subtracting the rest of the mean afterwards
      // touches six coefficients (exactly what subtracting it first gives).
      double row_sum = 0;
      std::uint64_t row_count = 0;
      add_finite(plane.row(y0) + x0, static_cast<std::size_t>(n), row_sum, row_count);
      const auto offset = static_cast<float>(row_count ? row_sum / double(row_count) : 0.0);
      double tile_sum = 0;
      std::uint64_t finite = 0;
      window_tile(plane, x0, y0, window, offset, fft.input(), tile_sum, finite);
      const double mean = finite ? tile_sum / static_cast<double>(finite) : 0.0;
      const auto all = static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(n);
      if (finite < all) {
        // NaN/Inf pixels must be 0 after the mean is removed: redo the tile.
        double unused_sum = 0;
        std::uint64_t unused_count = 0;
        window_tile(plane, x0, y0, window, static_cast<float>(mean), fft.input(), unused_sum,
                    unused_count);
        fft.transform();
      } else {
        fft.transform();
        const double rest = mean - offset;
        const double w1[2] = {n / 2.0, -n / 4.0}; // Hann DFT at k = 0 and +-1
        std::complex<float>* f = fft.output();
        const std::size_t half = static_cast<std::size_t>(n / 2 + 1);
        for (int ky : {0, 1, n - 1})
          for (int kx : {0, 1})
            f[static_cast<std::size_t>(ky) * half + static_cast<std::size_t>(kx)] -=
                static_cast<float>(rest * w1[ky == 0 ? 0 : 1] * w1[kx]);
      }
      fft.add_power(sum);
      ++tiles;
    }
  }
  return {n, tiles, window_energy, std::move(sum)};
}

PowerSpectrum1D rotational_power_spectrum(PlaneView plane, double pixel_size_A,
                                          const PowerSpectrumOptions& options) {
  const TilePowerSum tp = tile_power_sum(plane, options);
  const int n = tp.n;
  const int tiles = tp.tiles;
  const std::vector<float>& sum = tp.sum;
  const double window_energy = tp.window_energy;
  PowerSpectrum1D out;
  out.tile = n;
  out.tiles = tiles;
  out.pixel_size_A = pixel_size_A > 0 ? pixel_size_A : 0.0;
  const auto rb = radial_bins(n);
  std::vector<double> power(rb->bins(), 0.0);
  const std::size_t half = static_cast<std::size_t>(n / 2 + 1);
  for (std::size_t row = 0; row < static_cast<std::size_t>(n); ++row) {
    const float* srow = sum.data() + row * half;
    const std::uint32_t* brow = rb->bin.data() + row * half;
    for (std::size_t x = 0; x < half; ++x) {
      const std::uint32_t b = brow[x];
      if (b >= power.size()) continue;
      power[b] += (x == 0 || x == half - 1) ? double(srow[x]) : 2.0 * srow[x];
    }
  }
  const double norm = 1.0 / (std::max(tiles, 1) * window_energy);
  for (std::size_t b = 0; b < power.size(); ++b) {
    out.freq_per_px.push_back(rb->radius_sum[b] / rb->count[b] / n);
    out.power.push_back(power[b] / rb->count[b] * norm);
    out.samples.push_back(rb->count[b] * tiles);
  }
  return out;
}

FloatPlane power_spectrum_image(PlaneView plane, const PowerSpectrumOptions& options) {
  const TilePowerSum tp = tile_power_sum(plane, options);
  const int n = tp.n;
  const std::size_t half = static_cast<std::size_t>(n / 2 + 1);
  const double norm = 1.0 / (std::max(tp.tiles, 1) * tp.window_energy);
  FloatPlane out;
  out.width = out.height = n;
  out.data.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(n));
  // Centred: frequency (fx, fy) at (n/2 + fx, n/2 + fy); the left half
  // mirrors the right through the origin (real input: P(-k) = P(k)).
  for (int y = 0; y < n; ++y) {
    const int fy = y - n / 2;
    for (int x = 0; x < n; ++x) {
      const int fx = x - n / 2;
      const int kx = fx >= 0 ? fx : -fx;
      const int ky = ((fx >= 0 ? fy : -fy) + n) % n;
      const float p = tp.sum[static_cast<std::size_t>(ky) * half + static_cast<std::size_t>(kx)];
      out.data[static_cast<std::size_t>(y) * static_cast<std::size_t>(n) +
               static_cast<std::size_t>(x)] = static_cast<float>(std::log10(p * norm + 1e-30));
    }
  }
  // The mean was removed, so the origin holds no power: show its neighbour's.
  const std::size_t centre = static_cast<std::size_t>(n / 2) * static_cast<std::size_t>(n + 1);
  out.data[centre] = out.data[centre + 1];
  return out;
}

void flatten_spectrum_background(FloatPlane& s) {
  const std::int64_t n = std::min(s.width, s.height);
  if (n < 8) return;
  const double cx = static_cast<double>(s.width / 2), cy = static_cast<double>(s.height / 2);
  const auto radius = [&](std::int64_t x, std::int64_t y) {
    return static_cast<std::size_t>(std::lround(std::hypot(double(x) - cx, double(y) - cy)));
  };
  const std::size_t bins = radius(0, 0) + 2;
  std::vector<double> sum(bins, 0.0), count(bins, 0.0);
  for (std::int64_t y = 0; y < s.height; ++y)
    for (std::int64_t x = 0; x < s.width; ++x) {
      const float v = s.data[static_cast<std::size_t>(y * s.width + x)];
      if (!std::isfinite(v)) continue;
      const std::size_t r = radius(x, y);
      sum[r] += v;
      count[r] += 1;
    }
  // Moving average of the radial means over +-n/32 radii (weighted by the
  // pixels each radius has).
  const auto half = static_cast<std::ptrdiff_t>(std::max<std::int64_t>(2, n / 32));
  std::vector<float> background(bins, 0.0f);
  for (std::ptrdiff_t r = 0; r < static_cast<std::ptrdiff_t>(bins); ++r) {
    double a = 0, c = 0;
    for (std::ptrdiff_t i = std::max<std::ptrdiff_t>(0, r - half);
         i <= std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(bins) - 1, r + half); ++i) {
      a += sum[static_cast<std::size_t>(i)];
      c += count[static_cast<std::size_t>(i)];
    }
    background[static_cast<std::size_t>(r)] = c > 0 ? static_cast<float>(a / c) : 0.0f;
  }
  for (std::int64_t y = 0; y < s.height; ++y)
    for (std::int64_t x = 0; x < s.width; ++x)
      s.data[static_cast<std::size_t>(y * s.width + x)] -= background[radius(x, y)];
}

PowerSpectrum1D rotational_power_spectrum(const Image& image, const PowerSpectrumOptions& options) {
  FloatPlane storage;
  return rotational_power_spectrum(mean_view(image, storage), pixel_size_in_A(image.spacing),
                                   options);
}

std::vector<double> ring_oscillation(const PowerSpectrum1D& spectrum) {
  const auto n = static_cast<std::ptrdiff_t>(spectrum.power.size());
  const std::ptrdiff_t half = ring_background_half_window(n);
  std::vector<double> s(static_cast<std::size_t>(n)), prefix(s.size() + 1, 0.0);
  for (std::ptrdiff_t r = 0; r < n; ++r) {
    s[r] = std::sqrt(std::max(0.0, spectrum.power[r]));
    prefix[r + 1] = prefix[r] + (r > 0 ? s[r] : 0.0); // bin 0 (DC) is left out
  }
  std::vector<double> osc(s.size(), 0.0);
  for (std::ptrdiff_t r = 1; r < n; ++r) {
    const std::ptrdiff_t a = std::max<std::ptrdiff_t>(1, r - half), b = std::min(n - 1, r + half);
    const double bg = (prefix[b + 1] - prefix[a]) / static_cast<double>(b - a + 1);
    osc[r] = bg > 0 ? s[r] / bg - 1.0 : 0.0;
  }
  return osc;
}

ThonRings analyse_thon_rings(const PowerSpectrum1D& spectrum) {
  ThonRings out;
  out.pixel_size_A = spectrum.pixel_size_A;
  const auto n = static_cast<std::ptrdiff_t>(spectrum.power.size());
  if (n < 16) return out;
  const std::ptrdiff_t half_c = std::max<std::ptrdiff_t>(2, (n - 1) / 32);
  const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(3, (n - 1) / 32);

  const std::vector<double> osc = ring_oscillation(spectrum);
  std::vector<double> s(osc.size()), smooth(s.size()), contrast(s.size()), threshold(s.size()),
      floor(s.size());
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
  for (std::ptrdiff_t r = 1; r < n; ++r)
    smooth[r] = mean_over(s, r - 1, r + 1);
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

  // Minima of the rings: after the first local maximum, alternating local
  // minima and maxima, each further from the background than the noise
  // threshold; each minimum refined by a least-squares parabola through the
  // power of its 5 bins.
  auto refine = [&](std::ptrdiff_t r) {
    double f = spectrum.freq_per_px[r];
    if (r < 2 || r + 2 >= n) return f;
    cv::Mat a(5, 3, CV_64F), b(5, 1, CV_64F), coef;
    for (int i = 0; i < 5; ++i) {
      const double x = spectrum.freq_per_px[r - 2 + i] - f;
      a.at<double>(i, 0) = x * x;
      a.at<double>(i, 1) = x;
      a.at<double>(i, 2) = 1.0;
      b.at<double>(i, 0) = spectrum.power[r - 2 + i];
    }
    if (cv::solve(a, b, coef, cv::DECOMP_SVD) && coef.at<double>(0) > 0) {
      const double vertex = -coef.at<double>(1) / (2.0 * coef.at<double>(0));
      const double span = spectrum.freq_per_px[r + 2] - spectrum.freq_per_px[r - 2];
      if (std::abs(vertex) <= span / 2) f += vertex;
    }
    return f;
  };
  std::vector<double> minima;
  std::ptrdiff_t zero = -1;
  bool after_peak = false;
  for (std::ptrdiff_t r = lo + 1; r + 1 < n && minima.size() < 6; ++r) {
    if (!after_peak) {
      after_peak = smooth[r] >= smooth[r - 1] && smooth[r] > smooth[r + 1] && osc[r] > threshold[r];
    } else if (smooth[r] < smooth[r - 1] && smooth[r] <= smooth[r + 1] && osc[r] < -threshold[r]) {
      if (zero < 0) zero = r;
      minima.push_back(refine(r));
      after_peak = false;
    }
  }
  if (zero < 0) return out;
  out.first_zero_per_px = minima[0];
  // Which zero is the first one seen? Below the Cs term's reach the zeros sit
  // at k_n^2 = (n - c) s (s = 1 / (lambda defocus), c = the amplitude
  // contrast phase / pi, about 0.02), so k^2 steps by s from zero to zero.
  // When the first zero hides under the low-frequency envelope, the first
  // one seen is the n-th, n = k^2 / s + c, and the first lies at
  // sqrt(k^2 - (n - 1) s).
  if (minima.size() >= 2) {
    std::vector<double> steps;
    for (std::size_t i = 0; i + 1 < minima.size() && i < 3; ++i)
      steps.push_back(minima[i + 1] * minima[i + 1] - minima[i] * minima[i]);
    std::nth_element(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(steps.size() / 2),
                     steps.end());
    const double step = steps[steps.size() / 2];
    constexpr double kPhase = 0.025;
    if (step > 0) {
      const double order = std::round(minima[0] * minima[0] / step + kPhase);
      if (order >= 2 && order <= 4)
        out.first_zero_per_px = std::sqrt(minima[0] * minima[0] - (order - 1) * step);
    }
  }

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
  FloatPlane storage;
  const auto spectrum = rotational_power_spectrum(mean_view(image, storage), pixel_size_A);
  ThonRings rings = analyse_thon_rings(spectrum);
  // Without rings the zero and the fade are unknown, not 0: a 0 Å
  // "resolution" would pass every "better than" filter. They are left out,
  // so filters and sorts treat the item as having no such metric.
  std::vector<Metric> out{{"thon_visibility", rings.visibility}};
  // With a pixel size, the CTF fit gives the defocus and puts the first zero
  // where the model has it (better than 0.5% on simulated 40 e-/Å^2 sums,
  // whose single minima are lost in the noise); otherwise, or when its peak
  // is not distinct, the first minimum found stands.
  if (rings.pixel_size_A > 0) {
    const DefocusFit fit = fit_defocus(spectrum);
    if (fit.found) {
      out.push_back({"defocus_fit_A", fit.defocus_A});
      out.push_back({"defocus_fit_margin", fit.margin});
      rings.first_zero_per_px = fit.first_zero_per_A * rings.pixel_size_A;
    }
  }
  if (rings.first_zero_per_px > 0) {
    out.push_back({"first_zero_freq_per_px", rings.first_zero_per_px});
    if (rings.pixel_size_A > 0)
      out.push_back({"first_zero_resolution_A", 1.0 / rings.first_zero_per_A()});
  }
  if (rings.fade_per_px > 0) {
    out.push_back({"ring_fade_freq_per_px", rings.fade_per_px});
    out.push_back({"ring_fade_resolution_px", rings.fade_resolution_px()});
    if (rings.pixel_size_A > 0)
      out.push_back({"ring_fade_resolution_A", rings.fade_resolution_A()});
  }
  return out;
}

} // namespace atelier::metrics

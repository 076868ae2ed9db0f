// Power spectrum, Thon-ring analysis and the CTF model (see cryoem_metrics.h).
#include "core/metrics/cryoem_metrics.h"

#include "core/metrics/defocus_fit.h"
#include "core/metrics/poly_fit.h"

#include "core/base/error.h"
#include "core/base/float4.h"
#include "core/metrics/tile_pair_fft.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <numbers>
#include <optional>
#include <span>

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

// The least-squares parabola y = a t^2 + b t + c through five points, t =
// (x - origin) / scale (scale near the points' spacing keeps the fit well
// conditioned): the vertex's offset from origin in x, when the parabola
// opens upwards (a minimum), else nothing.
std::optional<double> parabola_vertex(const double* x, const double* y, double origin,
                                      double scale) {
  if (!(scale > 0)) return std::nullopt;
  double t[5];
  for (int i = 0; i < 5; ++i)
    t[i] = (x[i] - origin) / scale;
  const std::vector<double> c = fit_polynomial(t, std::span<const double>(y, 5), 2);
  if (!(c[2] > 0)) return std::nullopt;
  return -c[1] / (2.0 * c[2]) * scale;
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

// One tile of a pair for the power spectrum: its top-left corner, the
// provisional offset subtracted before windowing, and (filled by
// window_pair) the sum and number of its finite values.
struct PairTile {
  std::int64_t x0 = 0, y0 = 0;
  float offset = 0.0f;
  double sum = 0.0;
  std::uint64_t finite = 0;
};

// Windows tile a into the real parts and tile b (or zeros, when b is null)
// into the imaginary parts of dst (n x n complex, interleaved):
// (tile - offset) * window(y) * window(x), NaN/Inf pixels set to 0; adds
// each tile's finite values to its sum and their number to its count.
ATELIER_HOT_LOOP
void window_pair(PlaneView plane, const std::vector<float>& window, PairTile& a, PairTile* b,
                 float* dst) {
  const int n = static_cast<int>(window.size());
  const float4 zero = splat4(0.0f);
  for (int y = 0; y < n; ++y) {
    const float* ra = plane.row(a.y0 + y) + a.x0;
    const float* rb = b ? plane.row(b->y0 + y) + b->x0 : nullptr;
    const float wy = window[static_cast<std::size_t>(y)];
    float* out = dst + 2 * static_cast<std::size_t>(y) * static_cast<std::size_t>(n);
    float4 acc_a = zero, acc_b = zero;
    mask4 cnt_a = {}, cnt_b = {};
    int x = 0;
    for (; x + 4 <= n; x += 4) {
      const float4 w = load4(&window[static_cast<std::size_t>(x)]) * splat4(wy);
      const float4 va = load4(ra + x);
      const mask4 fa = finite_mask(va);
      acc_a += select4(fa, va, zero);
      cnt_a -= fa;
      const float4 wa = select4(fa, (va - splat4(a.offset)) * w, zero);
      float4 wb = zero;
      if (rb) {
        const float4 vb = load4(rb + x);
        const mask4 fb = finite_mask(vb);
        acc_b += select4(fb, vb, zero);
        cnt_b -= fb;
        wb = select4(fb, (vb - splat4(b->offset)) * w, zero);
      }
      store4(out + 2 * x, __builtin_shufflevector(wa, wb, 0, 4, 1, 5));
      store4(out + 2 * x + 4, __builtin_shufflevector(wa, wb, 2, 6, 3, 7));
    }
    double sum_a = sum4(acc_a), sum_b = sum4(acc_b);
    std::int64_t count_a = sum4(cnt_a), count_b = sum4(cnt_b);
    for (; x < n; ++x) {
      const float w = window[static_cast<std::size_t>(x)] * wy;
      const bool fa = ra[x] - ra[x] == 0.0f;
      if (fa) sum_a += ra[x], ++count_a;
      out[2 * x] = fa ? (ra[x] - a.offset) * w : 0.0f;
      out[2 * x + 1] = 0.0f;
      if (rb) {
        const bool fb = rb[x] - rb[x] == 0.0f;
        if (fb) sum_b += rb[x], ++count_b;
        out[2 * x + 1] = fb ? (rb[x] - b->offset) * w : 0.0f;
      }
    }
    a.sum += sum_a;
    a.finite += static_cast<std::uint64_t>(count_a);
    if (b) {
      b->sum += sum_b;
      b->finite += static_cast<std::uint64_t>(count_b);
    }
  }
}

// A provisional offset for a tile: its first row's finite mean, so the
// float FFT never sees a large constant.
float first_row_offset(PlaneView plane, std::int64_t x0, std::int64_t y0, int n) {
  double sum = 0;
  std::uint64_t count = 0;
  add_finite(plane.row(y0) + x0, static_cast<std::size_t>(n), sum, count);
  return static_cast<float>(count ? sum / static_cast<double>(count) : 0.0);
}

} // namespace

// The periodograms of the tiles, summed: n rows of n / 2 + 1 (see TilePairFft).
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

  std::vector<PairTile> all;
  for (const std::int64_t y0 : ys)
    for (const std::int64_t x0 : xs)
      all.push_back({x0, y0, first_row_offset(plane, x0, y0, n), 0.0, 0});
  TilePairFft fft(n, options.plan);
  std::vector<float> sum;
  const auto pixels = static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(n);
  const auto mean = [](const PairTile& t) {
    return t.finite ? t.sum / static_cast<double>(t.finite) : 0.0;
  };
  for (std::size_t i = 0; i < all.size(); i += 2) {
    PairTile& a = all[i];
    PairTile* b = i + 1 < all.size() ? &all[i + 1] : nullptr;
    // One pass: subtract the provisional offset, window, and sum the tile.
    // The Hann window's transform is nonzero only at |kx|, |ky| <= 1, so
    // subtracting the rest of the mean afterwards touches nine coefficients
    // (exactly what subtracting it first gives).
    auto* dst = reinterpret_cast<float*>(fft.input());
    window_pair(plane, window, a, b, dst);
    if (a.finite < pixels || (b && b->finite < pixels)) {
      // NaN/Inf pixels must be 0 after the mean is removed: redo the pair.
      PairTile ra{a.x0, a.y0, static_cast<float>(mean(a)), 0.0, 0};
      PairTile rb = b ? PairTile{b->x0, b->y0, static_cast<float>(mean(*b)), 0.0, 0} : PairTile{};
      window_pair(plane, window, ra, b ? &rb : nullptr, dst);
      fft.transform();
    } else {
      fft.transform();
      // z = a + i b, so the rest of b's mean comes off the imaginary parts.
      const std::complex<double> rest(mean(a) - a.offset, b ? mean(*b) - b->offset : 0.0);
      const double w1[2] = {n / 2.0, -n / 4.0}; // Hann DFT at k = 0 and +-1
      std::complex<float>* f = fft.output();
      for (int ky : {0, 1, n - 1})
        for (int kx : {0, 1, n - 1})
          f[static_cast<std::size_t>(ky) * static_cast<std::size_t>(n) +
            static_cast<std::size_t>(kx)] -=
              std::complex<float>(rest * (w1[ky == 0 ? 0 : 1] * w1[kx == 0 ? 0 : 1]));
    }
    fft.add_power(sum);
  }
  const int tiles = static_cast<int>(all.size());
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
    const double span = spectrum.freq_per_px[r + 2] - spectrum.freq_per_px[r - 2];
    const std::optional<double> vertex =
        parabola_vertex(&spectrum.freq_per_px[r - 2], &spectrum.power[r - 2], f, span / 4);
    if (vertex && std::abs(*vertex) <= span / 2) f += *vertex;
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

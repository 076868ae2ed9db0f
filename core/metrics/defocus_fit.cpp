// 1D CTF fit of the defocus (see defocus_fit.h).
#include "core/metrics/defocus_fit.h"

#include "core/base/float4.h"
#include "core/simulate/ctf.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace atelier::metrics {
namespace {

struct Score {
  double defocus_A, z;
};

// The scan's inner loops, compiled for AVX2 too (ATELIER_HOT_LOOP).

// (re + i im) *= (cr + i ci) for bins 1 .. to.
ATELIER_HOT_LOOP
void rotate(double* re, double* im, const double* cr, const double* ci, std::ptrdiff_t to) {
  for (std::ptrdiff_t r = 1; r <= to; ++r) {
    const double x = re[r] * cr[r] - im[r] * ci[r];
    im[r] = re[r] * ci[r] + im[r] * cr[r];
    re[r] = x;
  }
}

// Weighted sums of x = v - (v's mean over [first[r], last[r]]) and of x
// times osc, for r in [lo, end]: out = {sum w x, sum w x^2, sum w x osc}.
// prefix: v's running sum from bin 1 (prefix[r + 1] - prefix[a] sums a .. r).
ATELIER_HOT_LOOP
void detrended_sums(const double* v, double* prefix, const std::ptrdiff_t* first,
                    const std::ptrdiff_t* last, const double* inv_count, const double* weight,
                    const double* osc, std::ptrdiff_t lo, std::ptrdiff_t end, std::ptrdiff_t used,
                    double out[3]) {
  for (std::ptrdiff_t r = 1; r <= used; ++r)
    prefix[r + 1] = prefix[r] + v[r];
  double sx = 0, sxx = 0, sxy = 0;
  for (std::ptrdiff_t r = lo; r <= end; ++r) {
    const double x = v[r] - (prefix[last[r] + 1] - prefix[first[r]]) * inv_count[r];
    const double wx = weight[r] * x;
    sx += wx, sxx += wx * x, sxy += wx * osc[r];
  }
  out[0] = sx, out[1] = sxx, out[2] = sxy;
}

} // namespace

DefocusFit fit_defocus(const PowerSpectrum1D& spectrum, const DefocusFitOptions& options) {
  DefocusFit out;
  const auto n = static_cast<std::ptrdiff_t>(spectrum.power.size());
  if (n < 32 || spectrum.pixel_size_A <= 0 || spectrum.tile <= 0) return out;
  const double px = spectrum.pixel_size_A;
  const double lambda = simulate::electron_wavelength_A(options.voltage_kV);
  const double cs_A = options.cs_mm * 1e7;
  const double ac = std::clamp(options.amplitude_contrast, 0.0, 0.99);
  const double phase = simulate::amplitude_phase(ac);

  // The ring oscillation (as the ring analysis reads it); the model is
  // detrended over the same window.
  const std::vector<double> osc = ring_oscillation(spectrum);
  const std::ptrdiff_t half = ring_background_half_window(n);
  std::vector<double> k2(osc.size()), k4(osc.size());
  for (std::ptrdiff_t r = 0; r < n; ++r) {
    const double k = spectrum.freq_per_px[r] / px;
    k2[r] = k * k;
    k4[r] = k2[r] * k2[r];
  }
  const std::ptrdiff_t lo = std::max<std::ptrdiff_t>(3, (n - 1) / 32);
  const auto hi = static_cast<std::ptrdiff_t>(0.85 * static_cast<double>(n - 1));
  const double bin_per_A = static_cast<double>(spectrum.tile) * px; // bins per 1/Å

  // Rings closer than 2.5 bins alias: for defocus df the band ends where
  // their spacing 1 / (2 lambda df k) (1/Å) gets there, at bin
  // bin_per_A^2 / (5 lambda df). The end only falls as df grows.
  auto band_end = [&](double df) {
    return std::min(hi, static_cast<std::ptrdiff_t>(bin_per_A * bin_per_A / (5.0 * lambda * df)));
  };
  // Bins are weighted by their Fourier pixels (the inverse of their noise
  // variance): unweighted, the few noisy low-frequency bins would let noise
  // correlate as well as real rings do.
  std::vector<double> weight(osc.size(), 1.0);
  if (spectrum.samples.size() == osc.size())
    for (std::ptrdiff_t r = 0; r < n; ++r)
      weight[r] = std::max(1.0, spectrum.samples[r]);
  std::vector<double> prefix_w(static_cast<std::size_t>(n + 1), 0.0), prefix_wo(prefix_w),
      prefix_wo2(prefix_w);
  for (std::ptrdiff_t r = 0; r < n; ++r) {
    prefix_w[r + 1] = prefix_w[r] + weight[r];
    prefix_wo[r + 1] = prefix_wo[r] + weight[r] * osc[r];
    prefix_wo2[r + 1] = prefix_wo2[r] + weight[r] * osc[r] * osc[r];
  }
  // Weighted Pearson r of osc and the model minus its local mean (as osc is
  // taken) over [lo, end]. The model is -re (see sweep): the sums of re are
  // taken and the sign of the covariance turned.
  std::vector<double> re(osc.size()), im(osc.size()), rot_re(osc.size()), rot_im(osc.size());
  std::vector<double> prefix_model(static_cast<std::size_t>(n + 1), 0.0), inv_count(osc.size());
  std::vector<std::ptrdiff_t> first(osc.size()), last(osc.size());
  for (std::ptrdiff_t r = 1; r < n; ++r) {
    first[r] = std::max<std::ptrdiff_t>(1, r - half);
    last[r] = std::min(n - 1, r + half);
    inv_count[r] = 1.0 / static_cast<double>(last[r] - first[r] + 1);
  }
  auto correlate = [&](std::ptrdiff_t end) {
    const std::ptrdiff_t used = std::min(n - 1, end + half);
    double sums[3];
    detrended_sums(re.data(), prefix_model.data(), first.data(), last.data(), inv_count.data(),
                   weight.data(), osc.data(), lo, end, used, sums);
    const double sx = -sums[0], sxx = sums[1], sxy = -sums[2];
    const double m = prefix_w[end + 1] - prefix_w[lo];
    const double sy = prefix_wo[end + 1] - prefix_wo[lo];
    const double syy = prefix_wo2[end + 1] - prefix_wo2[lo];
    const double cov = sxy / m - (sx / m) * (sy / m);
    const double vx = sxx / m - (sx / m) * (sx / m), vy = syy / m - (sy / m) * (sy / m);
    const double r = vx > 0 && vy > 0 ? cov / std::sqrt(vx * vy) : 0.0;
    // As a z-score (Fisher), so that bands of different lengths compare:
    // a short band (a large defocus) correlates with noise more easily.
    const auto bins = static_cast<double>(end - lo + 1);
    return std::atanh(std::clamp(r, -0.999, 0.999)) * std::sqrt(std::max(1.0, bins - 3.0));
  };
  const double pi = std::numbers::pi;
  // The model 2 (sin^2 (chi + phase) - 1/2) = -cos 2 (chi + phase) at df
  // = from, from + step, ...: each bin's phasor exp(2i (chi + phase)) is
  // rotated one step at a time (no cosine per bin and step). Calls
  // visit(df, end) with re holding -model over [1, end + half]; bins past
  // that are never read again, since the end only falls as df grows.
  auto sweep = [&](double from, double step, int count, auto&& visit) {
    for (std::ptrdiff_t r = 1; r < n; ++r) {
      const double a = 2.0 * (pi * lambda * from * k2[r] -
                              0.5 * pi * cs_A * lambda * lambda * lambda * k4[r] + phase);
      re[r] = std::cos(a), im[r] = std::sin(a);
      const double d = 2.0 * pi * lambda * step * k2[r];
      rot_re[r] = std::cos(d), rot_im[r] = std::sin(d);
    }
    for (int i = 0; i < count; ++i) {
      const double df = from + step * i;
      const std::ptrdiff_t end = band_end(df);
      if (end - lo < 16) break; // too few rings resolved from here on
      visit(df, end);
      rotate(re.data(), im.data(), rot_re.data(), rot_im.data(), std::min(n - 1, end + half));
    }
  };

  // Scan: a step that turns the phase at the band's top by 1.5 rad (the
  // peaks are wider than that; the refinement takes tenths of it).
  const double df_lo = std::max(100.0, options.min_defocus_A);
  const double df_hi = std::max(df_lo, options.max_defocus_A);
  const double step = 1.5 / (2.0 * pi * lambda * k2[static_cast<std::size_t>(hi)]);
  std::vector<Score> scan;
  sweep(df_lo, step, static_cast<int>((df_hi - df_lo) / step) + 1,
        [&](double df, std::ptrdiff_t end) {
          scan.push_back({df, correlate(end)});
        });
  if (scan.empty()) return out;

  // Refine the three best local maxima in tenths of a step.
  std::vector<std::size_t> peaks;
  for (std::size_t i = 0; i < scan.size(); ++i) {
    const bool left = i == 0 || scan[i].z >= scan[i - 1].z;
    const bool right = i + 1 == scan.size() || scan[i].z >= scan[i + 1].z;
    if (left && right) peaks.push_back(i);
  }
  std::sort(peaks.begin(), peaks.end(),
            [&](std::size_t a, std::size_t b) { return scan[a].z > scan[b].z; });
  peaks.resize(std::min<std::size_t>(peaks.size(), 3));
  Score best = scan[peaks.front()];
  for (const std::size_t i : peaks)
    sweep(std::max(df_lo, scan[i].defocus_A - step), step / 10.0, 21,
          [&](double df, std::ptrdiff_t end) {
            const double z = correlate(end);
            if (z > best.z) best = {df, z};
          });
  double far = -1e300; // the best score more than 10% away
  for (const Score& sc : scan)
    if (std::abs(sc.defocus_A - best.defocus_A) > 0.1 * best.defocus_A) far = std::max(far, sc.z);
  out.defocus_A = best.defocus_A;
  out.score = best.z;
  out.margin = best.z - far;
  out.found = out.margin >= options.min_margin;
  simulate::CtfParams ctf;
  ctf.voltage_kV = options.voltage_kV;
  ctf.cs_mm = options.cs_mm;
  ctf.amplitude_contrast = ac;
  ctf.defocus_u_A = ctf.defocus_v_A = best.defocus_A;
  out.first_zero_per_A = simulate::ctf_first_zero_frequency(ctf);
  return out;
}

} // namespace atelier::metrics

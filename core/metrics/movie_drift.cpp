// Group sums, their alignment by cross-correlation, and the smooth
// trajectory (see movie_drift.h).
#include "core/metrics/movie_drift.h"

#include "core/base/float4.h"
#include "core/metrics/fourier_shift.h"
#include "core/metrics/poly_fit.h"
#include "core/metrics/real_fft.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <complex>
#include <cstddef>
#include <numbers>
#include <system_error>

namespace atelier::metrics {
namespace {

constexpr int kMinSide = 64;

using Spectrum = std::vector<std::complex<float>>;

// Tukey window: flat in the middle, a cosine taper over `taper` samples at
// each end, so the crop's edges do not correlate with themselves.
std::vector<float> tukey(int n, int taper) {
  std::vector<float> w(static_cast<std::size_t>(n), 1.0f);
  for (int i = 0; i < taper; ++i) {
    const auto v = static_cast<float>(0.5 - 0.5 * std::cos(std::numbers::pi * (i + 0.5) / taper));
    w[static_cast<std::size_t>(i)] = v;
    w[static_cast<std::size_t>(n - 1 - i)] = v;
  }
  return w;
}

// The cross-power of a group (spectrum, placed at -shift in sum) with the
// others: f conj(sum - f phase) = f conj(sum) - |f|^2 conj(phase).
ATELIER_HOT_LOOP
void cross_power(std::complex<float>* cross, const std::complex<float>* spectrum,
                 const std::complex<float>* sum, int n, const ShiftPhases& p) {
  // Complex products by hand, as in add_shifted.
  const int half = n / 2 + 1;
  for (int y = 0; y < n; ++y) {
    const std::size_t row = static_cast<std::size_t>(y) * static_cast<std::size_t>(half);
    const auto* f = reinterpret_cast<const float*>(spectrum + row);
    const auto* s = reinterpret_cast<const float*>(sum + row);
    auto* c = reinterpret_cast<float*>(cross + row);
    const float yr = p.y[static_cast<std::size_t>(y)].real(),
                yi = p.y[static_cast<std::size_t>(y)].imag();
    for (int x = 0; x < half; ++x) {
      const float xr = p.x[static_cast<std::size_t>(x)].real(),
                  xi = p.x[static_cast<std::size_t>(x)].imag();
      const float pr = xr * yr - xi * yi, pi = xr * yi + xi * yr;
      const float fr = f[2 * x], fi = f[2 * x + 1], sr = s[2 * x], si = s[2 * x + 1];
      const float power = fr * fr + fi * fi;
      c[2 * x] = fr * sr + fi * si - power * pr;
      c[2 * x + 1] = fi * sr - fr * si + power * pi;
    }
  }
}

// Vertex of the parabola through (-1, a), (0, b), (1, c), in [-0.5, 0.5].
double parabola_vertex(double a, double b, double c) {
  const double d = a - 2.0 * b + c;
  if (!(d < 0.0)) return 0.0;
  return std::clamp(0.5 * (a - c) / d, -0.5, 0.5);
}

// The correlation map's highest value within radius of (cx, cy) (maps are
// periodic), refined to sub-pixel precision: the shift of the group against
// its reference, in binned pixels.
std::array<double, 2> find_peak(const float* map, int n, int cx, int cy, int radius) {
  const auto wrap = [n](int v) { return ((v % n) + n) % n; };
  const auto at = [&](int x, int y) {
    return static_cast<double>(map[static_cast<std::size_t>(wrap(y)) * static_cast<std::size_t>(n) +
                                   static_cast<std::size_t>(wrap(x))]);
  };
  radius = std::min(radius, n / 2 - 1);
  std::vector<int> columns;
  for (int x = cx - radius; x <= cx + radius; ++x)
    columns.push_back(wrap(x));
  int bx = cx, by = cy;
  double best = at(cx, cy);
  for (int y = cy - radius; y <= cy + radius; ++y) {
    const float* row = map + static_cast<std::size_t>(wrap(y)) * static_cast<std::size_t>(n);
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (const double v = row[columns[i]]; v > best) {
        best = v;
        bx = cx - radius + static_cast<int>(i);
        by = y;
      }
  }
  return {bx + parabola_vertex(at(bx - 1, by), best, at(bx + 1, by)),
          by + parabola_vertex(at(bx, by - 1), best, at(bx, by + 1))};
}

// Least-squares polynomial of degree `degree` through (t, v), evaluated at
// each of ts. t is rescaled to [-1, 1] over [t0, t1] for conditioning.
std::vector<double> poly_fit_eval(const std::vector<double>& t, const std::vector<double>& v,
                                  int degree, double t0, double t1, const std::vector<double>& ts) {
  const double mid = 0.5 * (t0 + t1), half = std::max(0.5 * (t1 - t0), 1e-9);
  std::vector<double> u;
  u.reserve(t.size());
  for (const double tv : t)
    u.push_back((tv - mid) / half);
  const std::vector<double> coef = fit_polynomial(u, v, degree);
  std::vector<double> out;
  out.reserve(ts.size());
  for (const double tv : ts)
    out.push_back(eval_polynomial(coef, (tv - mid) / half));
  return out;
}

// Aligns each group to the aligned sum of the others, in rounds, until no
// shift moves by 0.01 binned pixels or max_rounds. shift: the starting
// shifts, replaced by the result. full_radius > 0: the first round searches
// that far from the origin; later rounds (and all, when 0) search only
// kRefineRadius around the current shift. Returns the rounds run.
int align_groups(const std::vector<Spectrum>& spectra, int n,
                 std::vector<std::array<double, 2>>& shift, int full_radius, int max_rounds,
                 RealFftPlane& ifft) {
  constexpr int kRefineRadius = 4;
  const std::size_t complex_count = spectra.front().size();
  Spectrum aligned_sum(complex_count);
  int rounds = 0;
  for (int round = 0; round < max_rounds; ++round) {
    std::vector<ShiftPhases> phases;
    for (const auto& s : shift)
      phases.emplace_back(n, n, s);
    std::fill(aligned_sum.begin(), aligned_sum.end(), std::complex<float>{});
    for (std::size_t g = 0; g < spectra.size(); ++g)
      add_shifted(aligned_sum.data(), spectra[g].data(), n, n, phases[g]);
    double largest_change = 0.0;
    std::vector<std::array<double, 2>> next(shift.size());
    for (std::size_t g = 0; g < spectra.size(); ++g) {
      cross_power(ifft.spectrum(), spectra[g].data(), aligned_sum.data(), n, phases[g]);
      ifft.inverse();
      next[g] = round == 0 && full_radius > 0
                    ? find_peak(ifft.real(), n, 0, 0, full_radius)
                    : find_peak(ifft.real(), n, static_cast<int>(std::lround(shift[g][0])),
                                static_cast<int>(std::lround(shift[g][1])), kRefineRadius);
      largest_change = std::max(
          {largest_change, std::abs(next[g][0] - shift[g][0]), std::abs(next[g][1] - shift[g][1])});
    }
    shift = std::move(next);
    rounds = round + 1;
    if (largest_change < 0.01) break;
  }
  return rounds;
}

} // namespace

int fft_friendly_side(int limit) {
  for (int n = limit - (limit % 2); n >= 2; n -= 2) {
    int r = n;
    for (const int p : {2, 3, 5})
      while (r % p == 0)
        r /= p;
    if (r == 1) return n;
  }
  return 0;
}

MovieDriftTracker::MovieDriftTracker(std::int64_t width, std::int64_t height, std::int64_t frames,
                                     double pixel_size_A, const DriftOptions& options)
    : width_(width), height_(height), frames_(frames), options_(options) {
  if (frames < 2 || width <= 0 || height <= 0 || options.max_groups < 2) return;
  const int bin =
      pixel_size_A > 0 && std::isfinite(pixel_size_A)
          ? static_cast<int>(std::clamp(std::lround(1.0 / pixel_size_A), 1L,
                                        static_cast<long>(std::max(options.max_bin, 1))))
          : 1;
  const std::int64_t shorter = std::min(width, height) / bin;
  const int side = fft_friendly_side(
      static_cast<int>(std::min<std::int64_t>(shorter, std::max(options.max_side, kMinSide))));
  if (side < kMinSide) return;
  bin_ = bin;
  side_ = side;
  groups_ = static_cast<int>(std::min<std::int64_t>(frames, options.max_groups));
  sums_.assign(
      static_cast<std::size_t>(groups_),
      std::vector<float>(static_cast<std::size_t>(side) * static_cast<std::size_t>(side), 0.0f));
}

void MovieDriftTracker::add_frame(std::int64_t index, PlaneView frame) {
  if (!active() || index < 0 || index >= frames_ || frame.width != width_ ||
      frame.height != height_)
    return;
  const auto g = static_cast<std::size_t>(index * groups_ / frames_);
  float* acc = sums_[g].data();
  const std::int64_t span = static_cast<std::int64_t>(side_) * bin_;
  const std::int64_t x0 = (width_ - span) / 2, y0 = (height_ - span) / 2;
  for (int y = 0; y < side_; ++y) {
    float* out = acc + static_cast<std::size_t>(y) * static_cast<std::size_t>(side_);
    for (int by = 0; by < bin_; ++by) {
      const float* in = frame.row(y0 + static_cast<std::int64_t>(y) * bin_ + by) + x0;
      for (int x = 0; x < side_; ++x) {
        float s = 0.0f;
        for (int bx = 0; bx < bin_; ++bx) {
          const float v = in[x * bin_ + bx];
          s += std::isfinite(v) ? v : 0.0f;
        }
        out[x] += s;
      }
    }
  }
}

DriftEstimate MovieDriftTracker::estimate() const {
  DriftEstimate est;
  if (!active()) return est;
  const int n = side_, half = n / 2 + 1;
  const std::size_t count = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  const std::size_t complex_count = static_cast<std::size_t>(n) * static_cast<std::size_t>(half);

  // sqrt of the Gaussian low-pass weight on each group's spectrum (so their
  // product, the cross-power, carries the weight itself); it is separable.
  std::vector<float> weight(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k)
    weight[static_cast<std::size_t>(k)] =
        static_cast<float>(std::exp(-0.5 * std::pow(signed_frequency(k, n) / options_.lowpass, 2)));
  const std::vector<float> window = tukey(n, std::max(1, n / 8));

  std::vector<Spectrum> spectra(static_cast<std::size_t>(groups_));
  {
    RealFft2d fft(n);
    for (int g = 0; g < groups_; ++g) {
      const std::vector<float>& s = sums_[static_cast<std::size_t>(g)];
      double mean = 0.0;
      for (const float v : s)
        mean += v;
      mean /= static_cast<double>(count);
      float* in = fft.input();
      for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) {
          const std::size_t i = static_cast<std::size_t>(y) * static_cast<std::size_t>(n) +
                                static_cast<std::size_t>(x);
          in[i] = static_cast<float>(s[i] - mean) * window[static_cast<std::size_t>(x)] *
                  window[static_cast<std::size_t>(y)];
        }
      fft.transform();
      Spectrum& out = spectra[static_cast<std::size_t>(g)];
      out.assign(fft.output(), fft.output() + complex_count);
      for (int y = 0; y < n; ++y)
        for (int x = 0; x < half; ++x)
          out[static_cast<std::size_t>(y) * static_cast<std::size_t>(half) +
              static_cast<std::size_t>(x)] *=
              weight[static_cast<std::size_t>(x)] * weight[static_cast<std::size_t>(y)];
    }
  }

  // Coarse groups (consecutive fine groups summed: spectra add) are aligned
  // with a full search; their smooth trajectory places the fine groups,
  // which are then only refined locally, so a noisy fine group cannot jump
  // to a false peak far away.
  const int coarse = std::min(groups_, std::max(2, options_.coarse_groups));
  std::vector<int> coarse_of(static_cast<std::size_t>(groups_));
  std::vector<Spectrum> coarse_spectra(static_cast<std::size_t>(coarse), Spectrum(complex_count));
  for (int g = 0; g < groups_; ++g) {
    const int c = g * coarse / groups_;
    coarse_of[static_cast<std::size_t>(g)] = c;
    Spectrum& acc = coarse_spectra[static_cast<std::size_t>(c)];
    const Spectrum& f = spectra[static_cast<std::size_t>(g)];
    for (std::size_t i = 0; i < complex_count; ++i)
      acc[i] += f[i];
  }
  std::vector<double> fine_time(static_cast<std::size_t>(groups_), 0.0),
      coarse_time(static_cast<std::size_t>(coarse), 0.0);
  {
    std::vector<int> fine_count(fine_time.size(), 0), coarse_count(coarse_time.size(), 0);
    for (std::int64_t f = 0; f < frames_; ++f) {
      const auto g = static_cast<std::size_t>(f * groups_ / frames_);
      const auto c = static_cast<std::size_t>(coarse_of[g]);
      fine_time[g] += static_cast<double>(f);
      ++fine_count[g];
      coarse_time[c] += static_cast<double>(f);
      ++coarse_count[c];
    }
    for (std::size_t g = 0; g < fine_time.size(); ++g)
      fine_time[g] /= std::max(fine_count[g], 1);
    for (std::size_t c = 0; c < coarse_time.size(); ++c)
      coarse_time[c] /= std::max(coarse_count[c], 1);
  }

  const int radius = std::max(1, static_cast<int>(options_.max_shift_fraction * n));
  RealFftPlane ifft(n, n);
  std::vector<std::array<double, 2>> coarse_shift(static_cast<std::size_t>(coarse), {0.0, 0.0});
  est.iterations = align_groups(coarse_spectra, n, coarse_shift, radius,
                                std::max(1, options_.max_iterations), ifft);
  std::vector<std::array<double, 2>> shift(static_cast<std::size_t>(groups_));
  for (int a = 0; a < 2; ++a) {
    std::vector<double> v;
    for (const auto& c : coarse_shift)
      v.push_back(c[static_cast<std::size_t>(a)]);
    const auto at = poly_fit_eval(coarse_time, v, std::min(3, coarse - 1), 0.0,
                                  static_cast<double>(frames_ - 1), fine_time);
    for (std::size_t g = 0; g < shift.size(); ++g)
      shift[g][static_cast<std::size_t>(a)] = at[g];
  }
  if (groups_ > coarse)
    est.iterations +=
        align_groups(spectra, n, shift, 0, std::max(1, options_.refine_iterations), ifft);

  est.bin = bin_;
  est.side = side_;
  est.group_time = fine_time;
  for (const auto& sh : shift)
    est.group_px.push_back({(sh[0] - shift[0][0]) * bin_, (sh[1] - shift[0][1]) * bin_});
  const int degree = std::min(options_.max_degree, groups_ - 1);
  std::vector<double> times(static_cast<std::size_t>(frames_));
  for (std::size_t f = 0; f < times.size(); ++f)
    times[f] = static_cast<double>(f);
  std::array<std::vector<double>, 2> path;
  for (int a = 0; a < 2; ++a) {
    std::vector<double> v;
    for (const auto& p : est.group_px)
      v.push_back(p[static_cast<std::size_t>(a)]);
    path[static_cast<std::size_t>(a)] =
        poly_fit_eval(est.group_time, v, degree, 0.0, static_cast<double>(frames_ - 1), times);
  }
  for (std::size_t f = 0; f < times.size(); ++f)
    est.frame_px.push_back({path[0][f] - path[0][0], path[1][f] - path[1][0]});
  est.total_px = path_length(est.frame_px);
  est.net_px = net_displacement(est.frame_px);
  return est;
}

double path_length(const std::vector<std::array<double, 2>>& positions) {
  double total = 0.0;
  for (std::size_t f = 1; f < positions.size(); ++f)
    total +=
        std::hypot(positions[f][0] - positions[f - 1][0], positions[f][1] - positions[f - 1][1]);
  return total;
}

double net_displacement(const std::vector<std::array<double, 2>>& positions) {
  if (positions.size() < 2) return 0.0;
  return std::hypot(positions.back()[0] - positions.front()[0],
                    positions.back()[1] - positions.front()[1]);
}

std::vector<Metric> drift_metrics(const DriftEstimate& drift, double pixel_size_A) {
  if (!drift.valid()) return {};
  std::vector<Metric> out{{"drift_total_px", drift.total_px}, {"drift_net_px", drift.net_px}};
  if (pixel_size_A > 0) {
    out.push_back({"drift_total_A", drift.total_px * pixel_size_A});
    out.push_back({"drift_net_A", drift.net_px * pixel_size_A});
  }
  return out;
}

std::string format_trajectory(const std::vector<std::array<double, 2>>& frames_px) {
  // std::to_chars: the same text whatever the C locale (the app's follows
  // the desktop's, where the decimal separator may be a comma).
  std::string out;
  char buf[64];
  const auto put = [&](double v) {
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
    out.append(buf, r.ptr);
  };
  for (std::size_t f = 0; f < frames_px.size(); ++f) {
    if (f) out += ';';
    put(frames_px[f][0]);
    out += ',';
    put(frames_px[f][1]);
  }
  return out;
}

std::vector<std::array<double, 2>> parse_trajectory(std::string_view text) {
  constexpr std::size_t kMaxFrames = 100000;
  std::vector<std::array<double, 2>> out;
  const auto number = [](std::string_view s, double& v) {
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(v);
  };
  while (!text.empty()) {
    const std::size_t end = std::min(text.find(';'), text.size());
    const std::string_view pair = text.substr(0, end);
    const std::size_t comma = pair.find(',');
    std::array<double, 2> p{};
    if (comma == std::string_view::npos || !number(pair.substr(0, comma), p[0]) ||
        !number(pair.substr(comma + 1), p[1]) || out.size() == kMaxFrames)
      return {};
    out.push_back(p);
    if (end + 1 == text.size()) return {}; // a trailing ';'
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return out;
}

} // namespace atelier::metrics

// Widening Image bands to float planes, and exact percentiles.
#include "core/metrics/plane.h"

#include "core/base/error.h"
#include "core/base/float4.h"
#include "core/base/half.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <type_traits>

namespace atelier::metrics {

namespace {

template <typename T, typename Out>
void widen(const Image& image, std::int64_t band, std::vector<Out>& out) {
  const auto v = image.values<T>();
  const auto c = static_cast<std::size_t>(image.channels());
  const std::size_t n = image.pixel_count();
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<Out>(v[i * c + static_cast<std::size_t>(band)]);
}

template <typename Out>
void widen_band(const Image& image, std::int64_t band, std::vector<Out>& out) {
  switch (image.dtype()) {
  case DType::u8: return widen<std::uint8_t>(image, band, out);
  case DType::i8: return widen<std::int8_t>(image, band, out);
  case DType::u16: return widen<std::uint16_t>(image, band, out);
  case DType::i16: return widen<std::int16_t>(image, band, out);
  case DType::u32: return widen<std::uint32_t>(image, band, out);
  case DType::i32: return widen<std::int32_t>(image, band, out);
  case DType::f32: return widen<float>(image, band, out);
  case DType::f64: return widen<double>(image, band, out);
  case DType::f16: {
    const auto v = image.values<std::uint16_t>();
    const auto c = static_cast<std::size_t>(image.channels());
    out.resize(image.pixel_count());
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<Out>(half_to_float(v[i * c + static_cast<std::size_t>(band)]));
    return;
  }
  }
  throw Error("band_plane: unknown element type");
}

void check(const Image& image, std::int64_t band) {
  if (image.pixel_count() == 0 || image.channels() <= 0) throw Error("metrics: empty image");
  if (band < 0 || band >= image.channels())
    throw Error("metrics: band " + std::to_string(band) + " out of range");
}

} // namespace

FloatPlane band_plane(const Image& image, std::int64_t band) {
  check(image, band);
  FloatPlane p;
  p.width = image.width();
  p.height = image.height();
  widen_band(image, band, p.data);
  return p;
}

void add_finite(const float* p, std::size_t n, double& sum, std::uint64_t& count) {
  float4 acc = splat4(0.0f);
  mask4 cnt = {};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float4 v = load4(p + i);
    const mask4 finite = finite_mask(v);
    acc += select4(finite, v, splat4(0.0f));
    cnt -= finite;
  }
  double total = sum4(acc);
  auto c = static_cast<std::uint64_t>(sum4(cnt));
  for (; i < n; ++i)
    if (p[i] - p[i] == 0.0f) total += p[i], ++c;
  sum += total;
  count += c;
}

namespace {

// finite_stats, which also appends the finite values at multiples of stride
// to *sample when sample is not null, from each block while it is in L1.
ATELIER_HOT_LOOP
FiniteStats stats_and_sample(const float* p, std::size_t n, std::size_t stride,
                             std::vector<float>* sample) {
  std::size_t next = 0; // the next sampled index
  auto take_until = [&](std::size_t end) {
    if (!sample) return;
    for (; next < end; next += stride)
      if (p[next] - p[next] == 0.0f) sample->push_back(p[next]);
  };
  FiniteStats st;
  std::size_t first = 0;
  while (first < n && !(p[first] - p[first] == 0.0f))
    ++first;
  st.nonfinite = first;
  if (first == n) return st;
  // Moments of (x - shift), shift being a data value, so the two-moment
  // formula below does not cancel; float lanes per block of 1024 values,
  // double across blocks.
  const float shift = p[first];
  const float inf = std::numeric_limits<float>::infinity();
  float4 mn = splat4(inf), mx = splat4(-inf);
  mask4 at_max = {}, cnt = {};
  double s = 0, s2 = 0;
  std::uint64_t count = 0;
  std::size_t i = first;
  while (i + 4 <= n) {
    float4 bs = splat4(0.0f), bs2 = splat4(0.0f);
    const std::size_t block_end = std::min(n, i + 1024);
    for (; i + 4 <= block_end; i += 4) {
      const float4 v = load4(p + i);
      const mask4 finite = finite_mask(v);
      const float4 d = select4(finite, v - splat4(shift), splat4(0.0f));
      bs += d;
      bs2 += d * d;
      cnt -= finite;
      const float4 lo = select4(finite, v, splat4(inf));
      const float4 hi = select4(finite, v, splat4(-inf));
      mn = select4(lo < mn, lo, mn);
      const mask4 above = hi > mx;
      const mask4 same = (hi == mx) & finite;
      mx = select4(above, hi, mx);
      at_max = above ? mask4{} + 1 : at_max - same;
    }
    s += sum4(bs);
    s2 += sum4(bs2);
    take_until(i);
  }
  take_until(n);
  count = static_cast<std::uint64_t>(sum4(cnt));
  double lo = inf, hi = -inf;
  for (int j = 0; j < 4; ++j)
    lo = std::min<double>(lo, mn[j]), hi = std::max<double>(hi, mx[j]);
  std::uint64_t at_hi = 0;
  for (int j = 0; j < 4; ++j)
    if (cnt[j] != 0 && mx[j] == hi) at_hi += static_cast<std::uint64_t>(at_max[j]);
  for (; i < n; ++i) {
    const float v = p[i];
    if (!(v - v == 0.0f)) continue;
    const double d = double(v) - shift;
    s += d, s2 += d * d, ++count;
    lo = std::min<double>(lo, v);
    if (v > hi) hi = v, at_hi = 0;
    if (v == hi) ++at_hi;
  }
  st.count = count;
  st.nonfinite = n - count;
  st.min = lo;
  st.max = hi;
  st.at_max = at_hi;
  const double mean_d = s / static_cast<double>(count);
  st.mean = shift + mean_d;
  st.m2 = std::max(0.0, s2 - s * mean_d);
  return st;
}

} // namespace

FiniteStats finite_stats(const float* p, std::size_t n) {
  return stats_and_sample(p, n, 1, nullptr);
}

FiniteStats finite_stats(PlaneView plane, std::vector<float>& sample, std::size_t max_samples) {
  const std::size_t n = plane.size();
  const std::size_t stride = sample_stride(
      n, static_cast<std::size_t>(std::max<std::int64_t>(plane.width, 1)), max_samples);
  sample.clear();
  sample.reserve(n / stride + 1);
  return stats_and_sample(plane.data, n, stride, &sample);
}

PlaneView band_view(const Image& image, std::int64_t band, FloatPlane& storage) {
  check(image, band);
  if (image.dtype() == DType::f32 && image.channels() == 1)
    return {image.width(), image.height(), image.values<float>().data()};
  storage = band_plane(image, band);
  return storage;
}

PlaneView mean_view(const Image& image, FloatPlane& storage) {
  if (image.channels() == 1) return band_view(image, 0, storage);
  storage = mean_plane(image);
  return storage;
}

FloatPlane mean_plane(const Image& image) {
  FloatPlane p = band_plane(image, 0);
  if (image.channels() == 1) return p;
  std::vector<double> acc(p.data.begin(), p.data.end());
  std::vector<double> band;
  for (std::int64_t b = 1; b < image.channels(); ++b) {
    widen_band(image, b, band);
    for (std::size_t i = 0; i < acc.size(); ++i)
      acc[i] += band[i];
  }
  const double inv = 1.0 / static_cast<double>(image.channels());
  for (std::size_t i = 0; i < acc.size(); ++i)
    p.data[i] = static_cast<float>(acc[i] * inv);
  return p;
}

std::vector<double> all_values(const Image& image) {
  check(image, 0);
  std::vector<double> out(image.value_count());
  std::vector<double> band;
  const auto c = static_cast<std::size_t>(image.channels());
  for (std::int64_t b = 0; b < image.channels(); ++b) {
    widen_band(image, b, band);
    for (std::size_t i = 0; i < band.size(); ++i)
      out[i * c + static_cast<std::size_t>(b)] = band[i];
  }
  return out;
}

namespace {

// Places the order statistics at every rank of ranks[a, b) (sorted) into
// position in values[lo, hi): the middle rank first, then each side within
// its own part, so p01/p50/p99 cost about two selections, not three.
template <typename T>
void select_ranks(std::vector<T>& values, std::size_t lo, std::size_t hi,
                  const std::vector<std::size_t>& ranks, std::size_t a, std::size_t b) {
  while (a < b && lo < hi) {
    const std::size_t m = a + (b - a) / 2;
    const std::size_t k = ranks[m];
    const auto first = values.begin();
    std::nth_element(first + static_cast<std::ptrdiff_t>(lo),
                     first + static_cast<std::ptrdiff_t>(k),
                     first + static_cast<std::ptrdiff_t>(hi));
    std::size_t left_end = m; // ranks equal to k are done too
    while (left_end > a && ranks[left_end - 1] == k)
      --left_end;
    std::size_t right_begin = m + 1;
    while (right_begin < b && ranks[right_begin] == k)
      ++right_begin;
    select_ranks(values, lo, k, ranks, a, left_end);
    lo = k + 1;
    a = right_begin;
  }
}

// A float's order key as a signed integer: a < b exactly when key(a) <
// key(b) (-0 sorts just below +0), for every non-NaN float.
inline std::int32_t order_key(float f) {
  const auto i = std::bit_cast<std::int32_t>(f);
  return i ^ ((i >> 31) & 0x7fffffff);
}

// The order statistics at the sorted, unique ranks of values[0, n): through
// select_ranks, or for large float inputs by a radix pass: a histogram of the
// top kBucketBits bits of the order key finds each rank's bucket, and only
// the values in those few buckets are kept and selected (about two passes
// over the data instead of one nth_element per rank). 14 bits keep the
// histogram in L2 and put about 1% of a Gaussian's values in its fullest
// bucket.
constexpr int kBucketBits = 14;
constexpr int kBucketShift = 32 - kBucketBits;

ATELIER_HOT_LOOP
void key_histogram(const float* v, std::size_t n, std::uint32_t* hist) {
  for (std::size_t i = 0; i < n; ++i)
    ++hist[static_cast<std::uint32_t>(order_key(v[i]) ^ INT32_MIN) >> kBucketShift];
}

// Appends to members[k] every value whose key lies in [lo[k], hi[k]] (the
// ranges are disjoint), four values per step; most steps hold none. Up to
// kMaxRanges ranges are tested from registers.
constexpr std::size_t kMaxRanges = 6;

// Inlined into collect_members, whose clones compile it for each target
// (target_clones cannot be put on a template).
template <std::size_t Ranges>
[[gnu::always_inline]] inline void collect_ranges(const float* v, std::size_t n,
                                                  const std::int32_t* lo, const std::int32_t* hi,
                                                  std::vector<std::vector<float>>& members) {
  mask4 vlo[Ranges], vhi[Ranges];
  for (std::size_t k = 0; k < Ranges; ++k)
    vlo[k] = mask4{} + lo[k], vhi[k] = mask4{} + hi[k];
  auto add = [&](float x) {
    const std::int32_t key = order_key(x);
    for (std::size_t k = 0; k < Ranges; ++k)
      if (key >= lo[k] && key <= hi[k]) members[k].push_back(x);
  };
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    mask4 bits;
    std::memcpy(&bits, v + i, sizeof bits);
    const mask4 key = bits ^ ((bits >> 31) & 0x7fffffff);
    mask4 hit = (key >= vlo[0]) & (key <= vhi[0]);
    for (std::size_t k = 1; k < Ranges; ++k)
      hit |= (key >= vlo[k]) & (key <= vhi[k]);
    if (hit[0] | hit[1] | hit[2] | hit[3])
      for (int j = 0; j < 4; ++j)
        if (hit[j]) add(v[i + static_cast<std::size_t>(j)]);
  }
  for (; i < n; ++i)
    add(v[i]);
}

// collect_ranges for 1 .. kMaxRanges ranges.
ATELIER_HOT_LOOP
void collect_members(const float* v, std::size_t n, const std::vector<std::int32_t>& lo,
                     const std::vector<std::int32_t>& hi,
                     std::vector<std::vector<float>>& members) {
  switch (lo.size()) {
  case 1: return collect_ranges<1>(v, n, lo.data(), hi.data(), members);
  case 2: return collect_ranges<2>(v, n, lo.data(), hi.data(), members);
  case 3: return collect_ranges<3>(v, n, lo.data(), hi.data(), members);
  case 4: return collect_ranges<4>(v, n, lo.data(), hi.data(), members);
  case 5: return collect_ranges<5>(v, n, lo.data(), hi.data(), members);
  case 6: return collect_ranges<6>(v, n, lo.data(), hi.data(), members);
  default: throw Error("percentiles: too many key ranges");
  }
}

template <typename T>
std::vector<double> order_statistics(std::vector<T>& values, std::size_t n,
                                     const std::vector<std::size_t>& ranks) {
  std::vector<double> out;
  if constexpr (std::is_same_v<T, float>) {
    // Each percentile wants up to two ranks, and each rank one range at
    // most: more than three percentiles go through select_ranks.
    if (n >= 8192 && !ranks.empty() && ranks.size() <= kMaxRanges) {
      thread_local std::vector<std::uint32_t> hist;
      hist.assign(std::size_t{1} << kBucketBits, 0);
      key_histogram(values.data(), n, hist.data());
      // Each rank's bucket; runs of consecutive wanted buckets merge into
      // one key range, which keeps its first rank (cum) to offset from.
      std::vector<std::int32_t> lo, hi;
      std::vector<std::size_t> range_start, range_of(ranks.size());
      std::size_t cum = 0, j = 0;
      for (std::uint32_t b = 0; b < hist.size() && j < ranks.size(); ++b) {
        const bool wanted = ranks[j] < cum + hist[b];
        if (wanted) {
          const auto first_key = static_cast<std::int32_t>((b << kBucketShift) ^ 0x80000000u);
          const auto last_key =
              static_cast<std::int32_t>((((b + 1) << kBucketShift) - 1) ^ 0x80000000u);
          if (!hi.empty() && std::int64_t{hi.back()} + 1 == first_key) {
            hi.back() = last_key;
          } else {
            lo.push_back(first_key);
            hi.push_back(last_key);
            range_start.push_back(cum);
          }
          while (j < ranks.size() && ranks[j] < cum + hist[b])
            range_of[j++] = lo.size() - 1;
        }
        cum += hist[b];
      }
      std::vector<std::vector<float>> members(lo.size());
      for (std::size_t k = 0; k < lo.size(); ++k) {
        std::size_t count = 0;
        for (auto b = static_cast<std::uint32_t>(lo[k] ^ INT32_MIN) >> kBucketShift;
             b <= static_cast<std::uint32_t>(hi[k] ^ INT32_MIN) >> kBucketShift; ++b)
          count += hist[b];
        members[k].reserve(count);
      }
      collect_members(values.data(), n, lo, hi, members);
      for (std::size_t r = 0; r < ranks.size(); ++r) {
        auto& m = members[range_of[r]];
        const auto k = static_cast<std::ptrdiff_t>(ranks[r] - range_start[range_of[r]]);
        std::nth_element(m.begin(), m.begin() + k, m.end());
        out.push_back(m[static_cast<std::size_t>(k)]);
      }
      return out;
    }
  }
  select_ranks(values, 0, n, ranks, 0, ranks.size());
  for (const std::size_t r : ranks)
    out.push_back(static_cast<double>(values[r]));
  return out;
}

// The number of NaN and +-Inf values, four lanes at a time.
ATELIER_HOT_LOOP
std::size_t count_nonfinite(const float* v, std::size_t n) {
  mask4 bad = {};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4)
    bad -= ~finite_mask(load4(v + i));
  std::size_t c = static_cast<std::size_t>(sum4(bad));
  for (; i < n; ++i)
    c += !(v[i] - v[i] == 0.0f);
  return c;
}

// Moves the finite values to the front and returns their number; float
// values are counted first, since they are nearly always all finite.
template <typename T>
std::size_t finite_to_front(std::vector<T>& values) {
  if constexpr (std::is_same_v<T, float>) {
    if (count_nonfinite(values.data(), values.size()) == 0) return values.size();
  }
  return static_cast<std::size_t>(
      std::partition(values.begin(), values.end(), [](T v) { return std::isfinite(v); }) -
      values.begin());
}

template <typename T>
std::vector<double> percentiles_of(std::vector<T>& values, const std::vector<double>& ps) {
  const std::size_t n = finite_to_front(values);
  std::vector<double> out(ps.size(), std::numeric_limits<double>::quiet_NaN());
  if (n == 0) return out;
  // numpy's linear interpolation needs ranks floor(pos) and floor(pos) + 1.
  std::vector<double> pos(ps.size());
  std::vector<std::size_t> ranks;
  for (std::size_t i = 0; i < ps.size(); ++i) {
    pos[i] = std::clamp(ps[i], 0.0, 100.0) / 100.0 * static_cast<double>(n - 1);
    const auto r = static_cast<std::size_t>(std::floor(pos[i]));
    ranks.push_back(r);
    if (r + 1 < n) ranks.push_back(r + 1);
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  const std::vector<double> stats = order_statistics(values, n, ranks);
  auto at = [&](std::size_t r) {
    return stats[static_cast<std::size_t>(std::lower_bound(ranks.begin(), ranks.end(), r) -
                                          ranks.begin())];
  };
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const auto r = static_cast<std::size_t>(std::floor(pos[i]));
    const double frac = pos[i] - static_cast<double>(r);
    const double a = at(r);
    const double b = (frac > 0.0 && r + 1 < n) ? at(r + 1) : a;
    out[i] = a + (b - a) * frac;
  }
  return out;
}

} // namespace

namespace {
template <typename T>
std::vector<double> sampled_of(std::vector<T>& values, const std::vector<double>& ps) {
  const auto end =
      std::partition(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
  const auto n = static_cast<std::size_t>(end - values.begin());
  if (n <= kPercentileSamples) return percentiles_of(values, ps);
  std::vector<T> sample(kPercentileSamples);
  const double stride = static_cast<double>(n) / static_cast<double>(kPercentileSamples);
  for (std::size_t i = 0; i < sample.size(); ++i)
    sample[i] = values[static_cast<std::size_t>(static_cast<double>(i) * stride)];
  return percentiles_of(sample, ps);
}
} // namespace

std::vector<double> sampled_percentiles(std::vector<double>& values,
                                        const std::vector<double>& ps) {
  return sampled_of(values, ps);
}
std::vector<double> sampled_percentiles(std::vector<float>& values, const std::vector<double>& ps) {
  return sampled_of(values, ps);
}

std::size_t sample_stride(std::size_t n, std::size_t width, std::size_t max_samples) {
  max_samples = std::max<std::size_t>(max_samples, 1);
  if (n <= max_samples) return 1;
  std::size_t stride = (n + max_samples - 1) / max_samples;
  while (std::gcd(stride, std::max<std::size_t>(width, 1)) != 1)
    ++stride;
  return stride;
}

std::vector<float> sample_values(PlaneView plane, std::size_t max_samples) {
  const std::size_t n = plane.size();
  std::vector<float> out;
  if (n == 0) return out;
  max_samples = std::max<std::size_t>(max_samples, 1);
  if (n <= max_samples) {
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i)
      if (std::isfinite(plane.data[i])) out.push_back(plane.data[i]);
    return out;
  }
  const std::size_t stride = sample_stride(
      n, static_cast<std::size_t>(std::max<std::int64_t>(plane.width, 1)), max_samples);
  out.reserve(n / stride + 1);
  for (std::size_t i = 0; i < n; i += stride)
    if (std::isfinite(plane.data[i])) out.push_back(plane.data[i]);
  return out;
}

std::vector<double> percentiles(std::vector<double>& values, const std::vector<double>& ps) {
  return percentiles_of(values, ps);
}
std::vector<double> percentiles(std::vector<float>& values, const std::vector<double>& ps) {
  return percentiles_of(values, ps);
}

} // namespace atelier::metrics

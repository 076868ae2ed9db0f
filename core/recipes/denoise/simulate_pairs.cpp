// Stand-in micrograph simulation: background, soft particles, noisy halves.
#include "core/recipes/denoise/simulate_pairs.h"

#include "core/base/error.h"
#include "core/data/image.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/recipes/denoise/counter_rng.h"
#include "core/recipes/denoise/pair_image.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace atelier::denoise {
namespace {

constexpr double kPi = 3.14159265358979323846;

enum class Shape { disc, ellipse, ring, dumbbell };

// 1 inside, 0 outside, a logistic edge about `soft` pixels wide.
double soft_step(double signed_distance_inside, double soft) {
  return 1.0 / (1.0 + std::exp(-signed_distance_inside / soft));
}

void add_particle(std::vector<double>& img, std::int64_t h, std::int64_t w, SplitMix64& rng,
                  const SimOptions& o) {
  const Shape shape = static_cast<Shape>(rng.next() % 4);
  const double r = o.min_radius_px + (o.max_radius_px - o.min_radius_px) * rng.uniform();
  const double cy = rng.uniform() * static_cast<double>(h);
  const double cx = rng.uniform() * static_cast<double>(w);
  const double angle = rng.uniform() * kPi;
  const double aspect = 0.45 + 0.4 * rng.uniform(); // minor / major axis
  const double contrast = 0.6 + 0.4 * rng.uniform();
  const double soft = 0.6 + 0.8 * rng.uniform();
  const double ca = std::cos(angle), sa = std::sin(angle);

  const double reach = 2.0 * r + 4.0 * soft;
  const auto y0 = static_cast<std::int64_t>(std::max(0.0, std::floor(cy - reach)));
  const auto y1 = static_cast<std::int64_t>(std::min(double(h - 1), std::ceil(cy + reach)));
  const auto x0 = static_cast<std::int64_t>(std::max(0.0, std::floor(cx - reach)));
  const auto x1 = static_cast<std::int64_t>(std::min(double(w - 1), std::ceil(cx + reach)));
  for (std::int64_t y = y0; y <= y1; ++y) {
    for (std::int64_t x = x0; x <= x1; ++x) {
      const double dy = static_cast<double>(y) - cy, dx = static_cast<double>(x) - cx;
      const double u = dx * ca + dy * sa;  // along the major axis
      const double v = -dx * sa + dy * ca; // across it
      double inside = 0.0;                 // signed distance, positive inside
      switch (shape) {
      case Shape::disc: inside = r - std::hypot(u, v); break;
      case Shape::ellipse: inside = r - std::hypot(u, v / aspect); break;
      case Shape::ring: {
        const double d = std::hypot(u, v);
        inside = 0.3 * r - std::abs(d - 0.75 * r);
        break;
      }
      case Shape::dumbbell: {
        const double lobe = 0.55 * r;
        const double d1 = std::hypot(u - 0.8 * r, v), d2 = std::hypot(u + 0.8 * r, v);
        const double bar = std::max(std::abs(u) - 0.8 * r, std::abs(v) - 0.2 * r);
        inside = std::max({lobe - d1, lobe - d2, -bar});
        break;
      }
      }
      img[static_cast<std::size_t>(y * w + x)] += contrast * soft_step(inside, soft);
    }
  }
}

void check_options(int h, int w, const SimOptions& o) {
  if (h < 1 || w < 1)
    throw Error("simulate_micrograph: size " + std::to_string(w) + "x" + std::to_string(h) +
                " must be positive");
  if (static_cast<std::int64_t>(h) * w > (std::int64_t{1} << 28))
    throw Error("simulate_micrograph: more than 2^28 pixels");
  if (!(o.noise_sigma >= 0) || !(o.particle_coverage >= 0) || !(o.min_radius_px > 0) ||
      !(o.max_radius_px >= o.min_radius_px) || !std::isfinite(o.max_radius_px) ||
      !std::isfinite(o.background_amplitude) || !std::isfinite(o.noise_sigma) ||
      !(o.particle_coverage <= 10) || !(o.pixel_size_A > 0))
    throw Error("simulate_micrograph: invalid options");
}

Image as_image(const std::vector<float>& v, std::int64_t h, std::int64_t w, double pixel_size_A) {
  Image img(w, h, 1, DType::f32);
  std::memcpy(img.bytes(), v.data(), v.size() * sizeof(float));
  img.spacing.xyz = {pixel_size_A, pixel_size_A, pixel_size_A};
  img.spacing.unit = "A";
  img.spacing.source = PixelSizeSource::header;
  return img;
}

} // namespace

SimulatedMicrograph simulate_micrograph(int h, int w, std::uint64_t seed,
                                        const SimOptions& options) {
  check_options(h, w, options);
  const auto n = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  std::vector<double> img(n, 0.0);

  // Background: a few plane waves of wavelength >= half the image.
  SplitMix64 bg(hash_words(seed, 1));
  for (int k = 0; k < 4; ++k) {
    const double fy = (bg.uniform() * 2.0 - 1.0) * 2.0 / h;
    const double fx = (bg.uniform() * 2.0 - 1.0) * 2.0 / w;
    const double phase = bg.uniform() * 2.0 * kPi;
    const double amp = options.background_amplitude * (0.5 + 0.5 * bg.uniform()) / 2.0;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        img[static_cast<std::size_t>(y) * w + x] +=
            amp * std::cos(2.0 * kPi * (fy * y + fx * x) + phase);
  }

  SplitMix64 prng(hash_words(seed, 2));
  const double mean_r = 0.5 * (options.min_radius_px + options.max_radius_px);
  const auto particles = static_cast<std::int64_t>(
      std::llround(options.particle_coverage * static_cast<double>(n) / (kPi * mean_r * mean_r)));
  for (std::int64_t i = 0; i < particles; ++i)
    add_particle(img, h, w, prng, options);

  // Scale the clean image to mean 0, std 1 so noise_sigma is relative.
  double sum = 0.0;
  for (const double v : img)
    sum += v;
  const double mean = sum / static_cast<double>(n);
  double ss = 0.0;
  for (const double v : img)
    ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / static_cast<double>(n));
  const double inv = sd > 1e-12 ? 1.0 / sd : 0.0;

  SimulatedMicrograph out;
  out.height = h;
  out.width = w;
  out.clean.resize(n);
  out.odd.resize(n);
  out.even.resize(n);
  SplitMix64 odd_noise(hash_words(seed, 3)), even_noise(hash_words(seed, 4));
  for (std::size_t i = 0; i < n; ++i) {
    const double c = (img[i] - mean) * inv;
    out.clean[i] = static_cast<float>(c);
    out.odd[i] = static_cast<float>(c + options.noise_sigma * odd_noise.normal());
    out.even[i] = static_cast<float>(c + options.noise_sigma * even_noise.normal());
  }
  return out;
}

std::string write_simulated_pairs(const std::string& dir, int count, int h, int w,
                                  std::uint64_t seed, const SimOptions& options) {
  if (count < 1) throw Error("write_simulated_pairs: count must be >= 1");
  check_options(h, w, options);
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  const fs::path base(dir);
  std::string list = "# Simulated Noise2Noise pairs: odd even (clean_XXX.mrc is the truth)\n";
  for (int i = 0; i < count; ++i) {
    const SimulatedMicrograph m =
        simulate_micrograph(h, w, hash_words(seed, 0x51u, static_cast<std::uint64_t>(i)), options);
    char id[16];
    std::snprintf(id, sizeof id, "%03d", i);
    const std::string odd = std::string("odd_") + id + ".mrc";
    const std::string even = std::string("even_") + id + ".mrc";
    write_mrc((base / odd).string(), as_image(m.odd, h, w, options.pixel_size_A));
    write_mrc((base / even).string(), as_image(m.even, h, w, options.pixel_size_A));
    write_mrc((base / (std::string("clean_") + id + ".mrc")).string(),
              as_image(m.clean, h, w, options.pixel_size_A));
    list += odd + " " + even + "\n";
  }
  const std::string list_path = (base / "pairs.txt").string();
  std::ofstream out(list_path, std::ios::binary | std::ios::trunc);
  out << list;
  out.close();
  if (!out) throw Error("write_simulated_pairs: cannot write " + list_path);
  return list_path;
}

} // namespace atelier::denoise

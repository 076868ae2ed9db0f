// One simulated micrograph: specimen, CTF image, drifting Poisson frames and
// aligned sums (see micrograph_simulator.h for the model and conventions).
#include "core/simulate/micrograph_simulator.h"

#include "core/base/error.h"
#include "core/data/image.h"
#include "core/recipes/denoise/counter_rng.h"
#include "core/simulate/fft2d.h"
#include "core/simulate/poisson_sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace atelier::simulate {
namespace {

using denoise::hash_words;
using denoise::SplitMix64;

constexpr double kPi = 3.14159265358979323846;
// Stream tags: each random quantity has its own counter-keyed stream.
enum : std::uint64_t {
  kTagParams = 1,
  kTagSpecimen = 2,
  kTagIce = 3,
  kTagFrame = 4,
  kTagIceStructure = 5
};

constexpr double kProteinExcessPotentialV = 2.0; // protein minus vitreous ice
constexpr double kIcePotentialV = 4.5;           // mean inner potential of ice
constexpr double kIceRoughness = 0.05;           // relative thickness variation
constexpr double kWaterVolumeA3 = 30.0;          // per molecule in vitreous ice
// Amorphous ice's structure factor, as the projected potential sees it: a
// low plateau (water is nearly incompressible: long-wavelength density
// fluctuations are small) and the water ring near 1 / 3.7 A.
constexpr double kIceStructureLow = 0.02, kIceStructurePeak = 0.3;
constexpr double kWaterRingA = 3.7, kWaterRingWidthPerA = 0.05;

double ice_structure_factor(double k_per_A) {
  const double d = (k_per_A - 1.0 / kWaterRingA) / kWaterRingWidthPerA;
  return kIceStructureLow + (kIceStructurePeak - kIceStructureLow) * std::exp(-d * d);
}

// Adds amorphous ice to the specimen spectrum (re, im: the unnormalised
// FFT of the projected potential in V A): molecules at random places give
// each pixel column a potential of std kIcePotentialV sqrt(kWaterVolumeA3 t)
// / px (V A) if uncorrelated, shaped by the structure factor. A broadband
// scatterer, it carries the Thon rings past the particles' low-frequency
// signal, as ice and carbon do in real micrographs. Drawn straight in
// Fourier space with Hermitian symmetry, so the image stays real.
void add_ice_structure(float* re, float* im, const Fft2d& fft, const SimulationOptions& o,
                       std::uint64_t mseed) {
  if (o.ice_structure <= 0) return;
  const int p = fft.size();
  SplitMix64 rng(hash_words(mseed, kTagIceStructure));
  const double sigma_px = kIcePotentialV * std::sqrt(kWaterVolumeA3 * o.ice_thickness_A) /
                          o.pixel_size_A * std::sqrt(o.ice_structure);
  const double df_A = 1.0 / (p * o.pixel_size_A);
  for (int ky = 0; ky < p; ++ky) {
    const int my = (p - ky) % p;
    for (int kx = 0; kx < p; ++kx) {
      const int mx = (p - kx) % p;
      const std::size_t i = static_cast<std::size_t>(ky) * p + kx;
      const std::size_t m = static_cast<std::size_t>(my) * p + mx;
      if (m < i) continue; // set with its mirror
      const double fx = fft.frequency(kx) * df_A, fy = fft.frequency(ky) * df_A;
      const double amp = sigma_px * p * std::sqrt(ice_structure_factor(std::hypot(fx, fy)));
      if (m == i) { // self-conjugate: real
        re[i] += static_cast<float>(amp * rng.normal());
        continue;
      }
      const double a = amp * std::sqrt(0.5) * rng.normal(), b = amp * std::sqrt(0.5) * rng.normal();
      re[i] += static_cast<float>(a), im[i] += static_cast<float>(b);
      re[m] += static_cast<float>(a), im[m] -= static_cast<float>(b);
    }
  }
}

// Interaction constant sigma_e in rad / (V Å): 2 pi / (lambda V) (mc^2 + eV) / (2 mc^2 + eV).
double interaction_constant(double voltage_kV) {
  const double ev = voltage_kV * 1000.0, mc2 = 510998.95;
  return 2.0 * kPi / (electron_wavelength_A(voltage_kV) * ev) * (mc2 + ev) / (2.0 * mc2 + ev);
}

int padded_size(int n) {
  int p = 1;
  while (p < n)
    p <<= 1;
  return p;
}

double uniform(SplitMix64& rng, double lo, double hi) {
  return lo + (hi - lo) * rng.uniform();
}

// Adds peak * exp(-r^2 / (2 sigma^2)) at (cx, cy) to the p x p plane,
// wrapping at the edges (the specimen is periodic); separable, so one
// multiply-add per pixel.
void splat_blob(float* plane, int p, double cx, double cy, double sigma_px, double peak) {
  const int r = static_cast<int>(std::ceil(3.0 * sigma_px));
  const int ix = static_cast<int>(std::floor(cx)), iy = static_cast<int>(std::floor(cy));
  float gx[128], gy[128];
  const int span = std::min(2 * r + 2, 128);
  const double inv = 1.0 / (2.0 * sigma_px * sigma_px);
  for (int i = 0; i < span; ++i) {
    const double dx = (ix - r + i) - cx, dy = (iy - r + i) - cy;
    gx[i] = static_cast<float>(std::exp(-dx * dx * inv));
    gy[i] = static_cast<float>(peak * std::exp(-dy * dy * inv));
  }
  for (int j = 0; j < span; ++j) {
    const int y = ((iy - r + j) % p + p) % p;
    float* row = plane + static_cast<std::size_t>(y) * static_cast<std::size_t>(p);
    const float wy = gy[j];
    int x = ((ix - r) % p + p) % p;
    for (int i = 0; i < span; ++i) {
      row[x] += wy * gx[i];
      if (++x == p) x = 0;
    }
  }
}

// Projected potential (V Å) of the particles, periodic on the p x p grid.
// Returns the particle centres.
std::vector<std::array<double, 3>> render_particles(float* plane, int p, const SimulationOptions& o,
                                                    std::uint64_t mseed) {
  SplitMix64 rng(hash_words(mseed, kTagSpecimen));
  const double px = o.pixel_size_A;
  const double radius_A = 0.5 * o.particle_diameter_A;
  int count = o.particles;
  if (count < 0) {
    const double area_A2 = (static_cast<double>(p) * px) * (static_cast<double>(p) * px);
    count = static_cast<int>(std::lround(0.3 * area_A2 / (kPi * radius_A * radius_A)));
  }
  std::vector<std::array<double, 3>> centres;
  for (int n = 0; n < count; ++n) {
    const double cx = rng.uniform() * p, cy = rng.uniform() * p;
    const double r = radius_A * uniform(rng, 0.8, 1.2);
    const double half_ice = 0.5 * o.ice_thickness_A;
    // A particle taller than the ice keeps only the part the ice holds.
    const double fill = std::min(1.0, half_ice / r);
    const double z = uniform(rng, -1.0, 1.0) * std::max(0.0, half_ice - r);
    centres.push_back({cx, cy, z});
    const int domains = 2 + static_cast<int>(rng.next() % 3);
    for (int d = 0; d < domains; ++d) {
      // A domain: an ellipsoid inside the particle, filled with blobs
      // (secondary-structure-sized lumps) of equal mass.
      const double off_r = 0.45 * r * rng.uniform(), off_a = 2.0 * kPi * rng.uniform();
      const double dx0 = off_r * std::cos(off_a), dy0 = off_r * std::sin(off_a);
      const double ra = r * uniform(rng, 0.35, 0.6), rb = r * uniform(rng, 0.35, 0.6);
      const double rc = r * uniform(rng, 0.35, 0.6) * fill;
      const double rot = kPi * rng.uniform(), ca = std::cos(rot), sa = std::sin(rot);
      const double volume_A3 = 4.0 / 3.0 * kPi * ra * rb * rc;
      const double sigma_mean_A = 3.5;
      const int blobs =
          std::clamp(static_cast<int>(volume_A3 / std::pow(2.2 * sigma_mean_A, 3.0)), 8, 4000);
      const double mass = kProteinExcessPotentialV * volume_A3 / blobs; // V Å^3
      for (int b = 0; b < blobs; ++b) {
        double u = 0, v = 0, w = 0;
        do {
          u = uniform(rng, -1.0, 1.0);
          v = uniform(rng, -1.0, 1.0);
          w = uniform(rng, -1.0, 1.0);
        } while (u * u + v * v + w * w > 1.0);
        const double bx = u * ra, by = v * rb;
        const double x = cx + (dx0 + bx * ca - by * sa) / px;
        const double y = cy + (dy0 + bx * sa + by * ca) / px;
        const double sigma_A = uniform(rng, 2.5, 4.5);
        const double sigma_px = std::min(sigma_A / px, 20.0);
        // Projected along z: mass / (2 pi sigma^2) per Å^2, in V Å.
        const double peak = mass / (2.0 * kPi * sigma_A * sigma_A);
        if (sigma_px < 0.3) {
          // Below a third of a pixel: all mass in one pixel (per Å^2 of it).
          const int ix = ((static_cast<int>(std::floor(x)) % p) + p) % p;
          const int iy = ((static_cast<int>(std::floor(y)) % p) + p) % p;
          plane[static_cast<std::size_t>(iy) * p + ix] += static_cast<float>(mass / (px * px));
        } else {
          splat_blob(plane, p, x, y, sigma_px, peak);
        }
      }
    }
  }
  return centres;
}

struct FramePhases {
  std::vector<float> xr, xi, yr, yi; // exp(-2 pi i f d) per column / row frequency
};

FramePhases shift_phases(const Fft2d& fft, double dx, double dy) {
  const int p = fft.size();
  FramePhases ph;
  ph.xr.resize(p);
  ph.xi.resize(p);
  ph.yr.resize(p);
  ph.yi.resize(p);
  for (int k = 0; k < p; ++k) {
    const double f = static_cast<double>(fft.frequency(k)) / p;
    ph.xr[k] = static_cast<float>(std::cos(2 * kPi * f * dx));
    ph.xi[k] = static_cast<float>(-std::sin(2 * kPi * f * dx));
    ph.yr[k] = static_cast<float>(std::cos(2 * kPi * f * dy));
    ph.yi[k] = static_cast<float>(-std::sin(2 * kPi * f * dy));
  }
  return ph;
}

std::vector<std::array<double, 2>> draw_drifts(const SimulationOptions& o, std::uint64_t mseed) {
  SplitMix64 rng(hash_words(mseed, kTagParams, 1));
  const int frames = o.frames;
  const double total = o.drift_max_px * uniform(rng, 0.3, 1.0);
  double heading = 2.0 * kPi * rng.uniform();
  // Beam-induced motion: fast at first, slowing down, with a wandering heading.
  const double tau = std::max(1.0, frames / 4.0);
  std::vector<double> speed(static_cast<std::size_t>(std::max(0, frames - 1)));
  double speed_sum = 0.0;
  for (std::size_t f = 0; f < speed.size(); ++f) {
    speed[f] = std::exp(-static_cast<double>(f) / tau) + 0.15;
    speed_sum += speed[f];
  }
  std::vector<std::array<double, 2>> d(static_cast<std::size_t>(frames), {0.0, 0.0});
  for (std::size_t f = 1; f < d.size(); ++f) {
    heading += 0.35 * rng.normal();
    const double step = total * speed[f - 1] / speed_sum;
    d[f] = {d[f - 1][0] + step * std::cos(heading), d[f - 1][1] + step * std::sin(heading)};
  }
  return d;
}

} // namespace

std::string micrograph_name(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "sim_%04d", index + 1);
  return buf;
}

void validate_options(const SimulationOptions& o) {
  auto bad = [](const std::string& what) { throw Error("simulate micrographs: " + what); };
  if (o.count < 1 || o.count > 1000000) bad("count must be in [1, 1000000]");
  if (o.size < 8 || o.size > 8192) bad("size must be in [8, 8192]");
  if (o.frames < 1 || o.frames > 1000) bad("frames must be in [1, 1000]");
  if (!(o.pixel_size_A > 0.01 && o.pixel_size_A < 1000))
    bad("pixel size must be in (0.01, 1000) A");
  if (!(o.total_dose_e_per_A2 > 0 && o.total_dose_e_per_A2 <= 1e6)) bad("total dose out of range");
  if (!(o.voltage_kV >= 1 && o.voltage_kV <= 3000)) bad("voltage must be in [1, 3000] kV");
  if (!(o.cs_mm >= 0 && o.cs_mm <= 100)) bad("Cs must be in [0, 100] mm");
  if (!(o.amplitude_contrast >= 0 && o.amplitude_contrast < 1))
    bad("amplitude contrast must be in [0, 1)");
  if (!(o.defocus_min_um >= -20 && o.defocus_min_um <= o.defocus_max_um && o.defocus_max_um <= 50))
    bad("defocus range must satisfy -20 <= min <= max <= 50 um");
  if (!(o.astigmatism_max_A >= 0 && o.astigmatism_max_A <= 1e5)) bad("astigmatism out of range");
  if (!(o.bfactor_A2 >= 0 && o.bfactor_A2 <= 1e4)) bad("B-factor must be in [0, 10000] A^2");
  if (!(o.drift_max_px >= 0 && o.drift_max_px <= 1000)) bad("drift must be in [0, 1000] px");
  if (!(o.ice_thickness_A > 0 && o.ice_thickness_A <= 1e5)) bad("ice thickness out of range");
  if (!(o.ice_structure >= 0 && o.ice_structure <= 100)) bad("ice structure must be in [0, 100]");
  if (!(o.particle_diameter_A > 0 && o.particle_diameter_A <= 1e4))
    bad("particle diameter out of range");
  if (o.particles > 100000) bad("at most 100000 particles per micrograph");
  if (o.threads < 0) bad("threads must not be negative");
  const double counts = o.total_dose_e_per_A2 / o.frames * o.pixel_size_A * o.pixel_size_A;
  if (!(counts <= 1e4)) bad("more than 10000 expected electrons per pixel per frame");
  // Movie memory, guarded like any allocation from outside numbers.
  checked_byte_count({o.size, o.size, o.frames}, DType::u16);
}

SimulatedMicrograph simulate_micrograph(const SimulationOptions& o, int index) {
  validate_options(o);
  if (index < 0) throw Error("simulate_micrograph: negative index");
  const std::uint64_t mseed = hash_words(o.seed, static_cast<std::uint64_t>(index));
  const int n = o.size, p = padded_size(n), frames = o.frames;
  const std::size_t pp = static_cast<std::size_t>(p) * static_cast<std::size_t>(p);
  const std::size_t nn = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  const Fft2d fft(p);

  SimulatedMicrograph out;
  out.size = n;
  out.frames = frames;
  MicrographTruth& t = out.truth;
  t.name = micrograph_name(index);
  {
    SplitMix64 rng(hash_words(mseed, kTagParams));
    const double mean_df = uniform(rng, o.defocus_min_um, o.defocus_max_um) * 1e4;
    const double ast = o.astigmatism_max_A * rng.uniform();
    t.ctf.voltage_kV = o.voltage_kV;
    t.ctf.cs_mm = o.cs_mm;
    t.ctf.amplitude_contrast = o.amplitude_contrast;
    t.ctf.defocus_u_A = mean_df + 0.5 * ast;
    t.ctf.defocus_v_A = mean_df - 0.5 * ast;
    t.ctf.astigmatism_angle_deg = 180.0 * rng.uniform();
    t.ctf.pixel_size_A = o.pixel_size_A;
    t.ctf.bfactor_A2 = o.bfactor_A2;
  }
  t.dose_per_frame_e_per_A2 = o.total_dose_e_per_A2 / frames;
  t.expected_counts_per_pixel_per_frame =
      t.dose_per_frame_e_per_A2 * o.pixel_size_A * o.pixel_size_A;
  t.ice_thickness_A = o.ice_thickness_A;
  t.ice_structure = o.ice_structure;
  t.drifts_px = draw_drifts(o, mseed);

  // Specimen potential -> contrast spectrum C = 2 sigma_e CTF F[V].
  std::vector<float> cre(pp, 0.0f), cim(pp, 0.0f);
  for (const auto& c : render_particles(cre.data(), p, o, mseed))
    if (c[0] < n && c[1] < n) t.particles_px.push_back({c[0], c[1]});
  fft.forward(cre.data(), cim.data());
  add_ice_structure(cre.data(), cim.data(), fft, o, mseed);
  {
    // Ice thickness variation: a few long-wavelength Fourier components.
    SplitMix64 rng(hash_words(mseed, kTagIce));
    const double amp =
        kIcePotentialV * kIceRoughness * o.ice_thickness_A * 0.5 * static_cast<double>(pp) / 3.0;
    for (int c = 0; c < 6; ++c) {
      const int kx = static_cast<int>(rng.next() % 7) - 3;
      const int ky = 1 + static_cast<int>(rng.next() % 3);
      if (p <= 8) break;
      const double a = amp * rng.uniform(), ph = 2.0 * kPi * rng.uniform();
      const std::size_t i =
          static_cast<std::size_t>(ky) * p + static_cast<std::size_t>((kx + p) % p);
      const std::size_t j =
          static_cast<std::size_t>(p - ky) * p + static_cast<std::size_t>((p - kx) % p);
      cre[i] += static_cast<float>(a * std::cos(ph));
      cim[i] += static_cast<float>(a * std::sin(ph));
      cre[j] += static_cast<float>(a * std::cos(ph));
      cim[j] -= static_cast<float>(a * std::sin(ph));
    }
  }
  const double sigma2 = 2.0 * interaction_constant(o.voltage_kV);
  const double df_A = 1.0 / (p * o.pixel_size_A);
  for (int ky = 0; ky < p; ++ky) {
    for (int kx = 0; kx < p; ++kx) {
      const std::size_t i = static_cast<std::size_t>(ky) * p + kx;
      // No DC (the mean stays the incident flux; no inelastic loss is
      // modelled) and no Nyquist (its Fourier shift is not real-valued).
      const bool drop = (kx == 0 && ky == 0) || (p > 1 && (kx == p / 2 || ky == p / 2));
      const double g =
          drop ? 0.0
               : sigma2 * ctf_value(t.ctf, fft.frequency(kx) * df_A, fft.frequency(ky) * df_A);
      cre[i] = static_cast<float>(cre[i] * g);
      cim[i] = static_cast<float>(cim[i] * g);
    }
  }

  // Frames in (odd, even) pairs: one inverse FFT makes both contrast images,
  // one forward FFT of both noisy frames feeds the aligned odd / even sums.
  const double lam = t.expected_counts_per_pixel_per_frame;
  const std::uint32_t type_max = o.movie_storage == MovieStorage::int8 ? 127u : 65535u;
  if (!o.no_movies) out.movie.assign(nn * static_cast<std::size_t>(frames), 0);
  std::vector<float> zre(pp), zim(pp);
  std::vector<float> ore(pp, 0.0f), oim(pp, 0.0f), ere(pp, 0.0f), eim(pp, 0.0f);
  out.clean.resize(nn);
  std::int64_t clipped = 0;
  const PoissonTable poisson(2.0 * lam); // contrast stays far inside +-100%
  for (int f0 = 0; f0 < frames; f0 += 2) {
    const bool has_b = f0 + 1 < frames;
    const FramePhases pa = shift_phases(fft, t.drifts_px[f0][0], t.drifts_px[f0][1]);
    const FramePhases pb =
        has_b ? shift_phases(fft, t.drifts_px[f0 + 1][0], t.drifts_px[f0 + 1][1]) : FramePhases{};
    for (int ky = 0; ky < p; ++ky) {
      for (int kx = 0; kx < p; ++kx) {
        const std::size_t i = static_cast<std::size_t>(ky) * p + kx;
        const float ar = pa.xr[kx] * pa.yr[ky] - pa.xi[kx] * pa.yi[ky];
        const float ai = pa.xr[kx] * pa.yi[ky] + pa.xi[kx] * pa.yr[ky];
        float br = 0, bi = 0;
        if (has_b) {
          br = pb.xr[kx] * pb.yr[ky] - pb.xi[kx] * pb.yi[ky];
          bi = pb.xr[kx] * pb.yi[ky] + pb.xi[kx] * pb.yr[ky];
        }
        const float sr = ar - bi, si = ai + br; // phase_a + i phase_b
        zre[i] = cre[i] * sr - cim[i] * si;
        zim[i] = cre[i] * si + cim[i] * sr;
      }
    }
    fft.inverse(zre.data(), zim.data()); // re: contrast of frame a, im: of frame b
    if (f0 == 0) {
      // Frame 1 sits at drift (0, 0): its contrast is the clean image's.
      const double total = lam * frames;
      for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x)
          out.clean[static_cast<std::size_t>(y) * n + x] = static_cast<float>(
              total * std::max(0.0, 1.0 + zre[static_cast<std::size_t>(y) * p + x]));
    }
    for (int k = 0; k < (has_b ? 2 : 1); ++k) {
      const int f = f0 + k;
      float* plane = k == 0 ? zre.data() : zim.data();
      SplitMix64 rng(hash_words(mseed, kTagFrame, static_cast<std::uint64_t>(f)));
      std::uint16_t* movie =
          out.movie.empty() ? nullptr : out.movie.data() + nn * static_cast<std::size_t>(f);
      for (int y = 0; y < p; ++y) {
        for (int x = 0; x < p; ++x) {
          const std::size_t i = static_cast<std::size_t>(y) * p + x;
          std::uint32_t c = poisson.sample(rng, lam * std::max(0.0, 1.0 + double(plane[i])));
          if (c > type_max) {
            c = type_max;
            ++clipped;
          }
          plane[i] = static_cast<float>(c);
          if (movie && y < n && x < n)
            movie[static_cast<std::size_t>(y) * n + x] = static_cast<std::uint16_t>(c);
        }
      }
    }
    if (!has_b) std::fill(zim.begin(), zim.end(), 0.0f);
    fft.forward(zre.data(), zim.data());
    // Split Z = A + iB into the two frames' spectra and shift each back.
    for (int ky = 0; ky < p; ++ky) {
      const int my = (p - ky) % p;
      for (int kx = 0; kx < p; ++kx) {
        const int mx = (p - kx) % p;
        const std::size_t i = static_cast<std::size_t>(ky) * p + kx;
        const std::size_t m = static_cast<std::size_t>(my) * p + mx;
        const float a_r = 0.5f * (zre[i] + zre[m]), a_i = 0.5f * (zim[i] - zim[m]);
        const float b_r = 0.5f * (zim[i] + zim[m]), b_i = -0.5f * (zre[i] - zre[m]);
        // conj(phase): exp(+2 pi i f d) undoes the drift.
        const float ar = pa.xr[kx] * pa.yr[ky] - pa.xi[kx] * pa.yi[ky];
        const float ai = -(pa.xr[kx] * pa.yi[ky] + pa.xi[kx] * pa.yr[ky]);
        ore[i] += a_r * ar - a_i * ai;
        oim[i] += a_r * ai + a_i * ar;
        if (has_b) {
          const float br = pb.xr[kx] * pb.yr[ky] - pb.xi[kx] * pb.yi[ky];
          const float bi = -(pb.xr[kx] * pb.yi[ky] + pb.xi[kx] * pb.yr[ky]);
          ere[i] += b_r * br - b_i * bi;
          eim[i] += b_r * bi + b_i * br;
        }
      }
    }
  }
  t.clipped_counts = clipped;

  // Odd + i even, Nyquist dropped (see the header), back to real space.
  for (int ky = 0; ky < p; ++ky) {
    for (int kx = 0; kx < p; ++kx) {
      const std::size_t i = static_cast<std::size_t>(ky) * p + kx;
      const bool nyq = p > 1 && (kx == p / 2 || ky == p / 2);
      zre[i] = nyq ? 0.0f : ore[i] - eim[i];
      zim[i] = nyq ? 0.0f : oim[i] + ere[i];
    }
  }
  fft.inverse(zre.data(), zim.data());
  out.odd.resize(nn);
  out.even.resize(nn);
  out.sum.resize(nn);
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * n + x;
      const std::size_t j = static_cast<std::size_t>(y) * p + x;
      out.odd[i] = zre[j];
      out.even[i] = zim[j];
      out.sum[i] = zre[j] + zim[j];
    }
  }
  return out;
}

} // namespace atelier::simulate

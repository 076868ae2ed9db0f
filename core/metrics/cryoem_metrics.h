// Cryo-EM micrograph quality: the rotationally averaged power spectrum
// (tile-averaged periodogram, as CTFFIND computes it), Thon-ring visibility,
// the frequency where rings fade, and the first zero of the oscillation.
#pragma once

#include "core/data/image.h"
#include "core/metrics/fftw_plans.h"
#include "core/metrics/metric.h"
#include "core/metrics/plane.h"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace atelier::metrics {

struct PowerSpectrumOptions {
  int tile = 512;       // square tile side; halved until it fits the image
  double overlap = 0.0; // fraction of a tile shared by neighbours (0 .. 0.9)
  // At most this many tiles, spread evenly over the image: a 4k x 4k
  // micrograph's spectrum is as clear from 16 tiles as from all 64, at a
  // quarter of the cost.
  int max_tiles = 16;
  // How hard FFTW plans the tile transform the first time on a machine
  // (fftw_plans.h): patient (seconds, once; import's thousands of items
  // repay it) or measure (for an interactive view that must not stall).
  PlanEffort plan = PlanEffort::patient;
};

struct PowerSpectrum1D {
  // Bin r holds the Fourier pixels of the tile whose radius rounds to r
  // (0 .. tile/2); freq_per_px is their mean radius / tile, in cycles/pixel.
  std::vector<double> freq_per_px;
  // Mean periodogram over the annulus, normalised by the window energy so
  // white noise of variance s^2 gives a flat spectrum at s^2.
  std::vector<double> power;
  std::vector<double> samples; // Fourier pixels per bin, times tiles
  double pixel_size_A = 0.0;   // 0 when unknown
  int tile = 0;
  int tiles = 0;

  // freq_per_px / pixel size in 1/Å; empty when the pixel size is unknown.
  std::vector<double> freq_per_A() const;
};

// Each tile has its finite mean subtracted (NaN/Inf then set to 0) and is
// multiplied by a separable Hann window before a real FFT (FFTW). Tiles
// start at evenly spread origins, first and last flush with the image edges.
// Throws Error for images smaller than 32 x 32.
PowerSpectrum1D rotational_power_spectrum(PlaneView plane, double pixel_size_A = 0.0,
                                          const PowerSpectrumOptions& options = {});
// Band 0 (or the band mean); the pixel size comes from image.spacing when its
// unit is Å ("A", "Å", "angstrom").
PowerSpectrum1D rotational_power_spectrum(const Image& image,
                                          const PowerSpectrumOptions& options = {});
double pixel_size_in_A(const Spacing& spacing); // 0 when unknown or not Å
// The same tile-averaged periodogram as a centred 2D image for display:
// tile x tile values of log10(power), zero frequency at (tile/2, tile/2),
// x to the right, so Thon rings, astigmatism and drift streaks show.
FloatPlane power_spectrum_image(PlaneView plane, const PowerSpectrumOptions& options = {});
// Subtracts the smooth radial background from such a centred log spectrum:
// each radius' mean, averaged over +-side/32 radii (wider than a ring's
// spacing, so the rings themselves stay), as the Thon-ring analysis does.
// Rings, astigmatism and drift then stand out at any contrast setting.
void flatten_spectrum_background(FloatPlane& log_spectrum);

struct ThonRings {
  // Mean over the usable band of the local oscillation contrast above its
  // noise floor (see analyse_thon_rings); 0 without rings, ~0.4 for strong ones.
  double visibility = 0.0;
  double first_zero_per_px = 0.0; // 0 when not found
  double fade_per_px = 0.0;       // 0 when no rings were found
  double pixel_size_A = 0.0;

  double first_zero_per_A() const {
    return pixel_size_A > 0 ? first_zero_per_px / pixel_size_A : 0;
  }
  double fade_per_A() const { return pixel_size_A > 0 ? fade_per_px / pixel_size_A : 0; }
  // Resolution where rings fade: Å when the pixel size is known, else pixels.
  double fade_resolution_A() const { return fade_per_A() > 0 ? 1.0 / fade_per_A() : 0; }
  double fade_resolution_px() const { return fade_per_px > 0 ? 1.0 / fade_per_px : 0; }
};

// s = sqrt(power); background B = mean of s over +-tile/32 bins; the
// oscillation o = s / B - 1; local contrast c = rms of o over +-tile/64 bins,
// compared with the periodogram's noise floor f = 1 / (2 sqrt(samples / 3))
// (the Hann window correlates about three neighbouring Fourier pixels).
// Ring minima: local minima (3-bin smoothing, o < -t) alternating with local
// maxima (o > t) above tile/64, t = max(0.1, 3 f), each refined by a
// least-squares parabola through the power of its 5 bins. First zero: the
// first minimum, unless the spacing of the next ones (k^2 grows by a
// constant step s between zeros) says it is the n-th zero (n = 2 .. 4, the
// first hidden under the low-frequency envelope): then sqrt(k^2 - (n-1) s).
// Fade: the first bin after the first minimum from which c stays below t
// for tile/64 bins (Nyquist if never).
// Limits: the extremum detector needs rings above about 10% of the local
// background. Shot-noise-dominated sums (40 e-/A^2, 1-2k pixels) show rings
// at a few % (visibility ~0.03 against ~0.25 for the noise-free image), so
// their first zero is not found here; cryoem_metrics then takes it from the
// CTF fit (fit_defocus, defocus_fit.h), which integrates every ring.
ThonRings analyse_thon_rings(const PowerSpectrum1D& spectrum);

// The rings' background window: +-this many bins of a spectrum of `bins`.
inline std::ptrdiff_t ring_background_half_window(std::ptrdiff_t bins) {
  return std::max<std::ptrdiff_t>(3, (bins - 1) / 16);
}
// The ring oscillation the analysis above and the CTF fit (defocus_fit.h)
// read: o = s / B - 1, s = sqrt(power), B = mean of s over
// +-ring_background_half_window bins (clipped to 1 .. n - 1); o[0] = 0.
std::vector<double> ring_oscillation(const PowerSpectrum1D& spectrum);

// thon_visibility, first_zero_freq_per_px, ring_fade_freq_per_px,
// ring_fade_resolution_px, and with a known pixel size also
// first_zero_resolution_A and ring_fade_resolution_A, plus defocus_fit_A and
// defocus_fit_margin when the CTF fit finds a distinct defocus (its first
// zero then wins over the ring minima's). pixel_size_A <= 0 takes it from
// image.spacing.
std::vector<Metric> cryoem_metrics(const Image& image, double pixel_size_A = 0.0);

} // namespace atelier::metrics

// A stand-in micrograph simulator for tests and demos of the denoiser (the
// physics-based simulator comes separately): a smooth background plus soft
// particles of a few shapes, and two half-sums with independent Gaussian
// noise, like the odd / even frame sums Noise2Noise trains on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atelier::denoise {

struct SimOptions {
  // Noise std of each half, in units of the clean image's std (the clean
  // image is scaled to mean 0, std 1). 1.5 gives the low SNR of cryo-EM
  // half-sums (noise std above signal std, input PSNR around 13 dB).
  double noise_sigma = 1.5;
  double particle_coverage = 0.25; // summed particle area / image area
  double min_radius_px = 5.0, max_radius_px = 14.0;
  double background_amplitude = 0.3; // relative to a particle's contrast of about 1
  double pixel_size_A = 1.0;         // written into the MRC header
};

struct SimulatedMicrograph {
  std::int64_t height = 0, width = 0;
  std::vector<float> clean, odd, even; // row-major, height x width
};

// Deterministic in (h, w, seed, options). Throws Error for non-positive
// sizes, images above 2^28 pixels, or invalid options.
SimulatedMicrograph simulate_micrograph(int h, int w, std::uint64_t seed,
                                        const SimOptions& options = {});

// Writes odd_XXX.mrc, even_XXX.mrc and clean_XXX.mrc (float32, pixel size
// options.pixel_size_A; XXX = 000, 001, ...; micrograph i uses a seed derived
// from (seed, i)) and pairs.txt listing odd / even by relative path into dir
// (created when missing). Returns the path of pairs.txt.
std::string write_simulated_pairs(const std::string& dir, int count, int h, int w,
                                  std::uint64_t seed, const SimOptions& options = {});

} // namespace atelier::denoise

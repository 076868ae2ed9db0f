// Physics-based cryo-EM movie simulator: protein-like particles (clusters of
// Gaussian blobs) in a thin layer of amorphous ice (its structure factor's
// plateau and water ring), projected along z, imaged through an
// astigmatic CTF with a B-factor envelope, then drifting frame by frame and
// Poisson-sampled as electron counts at the frame's dose.
//
// The specimen is periodic on the simulation grid (the size padded to the
// next power of two), so drift shifts are exact Fourier shifts without seams;
// sizes that are not powers of two are cropped from that grid.
//
// Sums: the sum / odd / even images are ALIGNED with the known drifts: each
// noisy frame is shifted back by -drift (Fourier shift) before summing, so
// odd and even share one expectation, the clean image (= frames x dose x
// (1 + contrast), the sum's scale) -- what Noise2Noise training wants. Odd
// holds frames 1, 3, 5, ... (1-based), even frames 2, 4, ...; sum = odd +
// even. The Nyquist row and column are left out of the image formation and
// of the aligned sums (a Fourier shift there is not real-valued).
//
// Deterministic for (options, index): every random draw comes from
// counter-based streams keyed by (seed, micrograph, frame), so results do not
// depend on the thread count.
#pragma once

#include "core/simulate/ctf.h"

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace atelier::simulate {

enum class MovieStorage : std::uint8_t {
  uint16, // MRC mode 6 (counts clamp at 65535)
  int8,   // MRC mode 0 (counts clamp at 127; clamped counts are what the sums see)
};

struct SimulationOptions {
  int count = 1;   // micrographs
  int size = 1024; // width = height in pixels
  int frames = 20;
  std::uint64_t seed = 0;
  double pixel_size_A = 1.0;
  double total_dose_e_per_A2 = 40.0; // spread evenly over the frames
  double voltage_kV = 300.0;
  double cs_mm = 2.7;
  double amplitude_contrast = 0.07;
  double defocus_min_um = 0.8, defocus_max_um = 2.5; // mean defocus, uniform
  double astigmatism_max_A = 400.0;                  // |defocus_u - defocus_v|, uniform in [0, max]
  double bfactor_A2 = 60.0;                          // CTF envelope
  double drift_max_px = 6.0;      // total path length of the drift, uniform in [0.3, 1] x max
  double ice_thickness_A = 400.0; // particles taller than the ice are flattened into it
  // Scale of the amorphous ice's potential fluctuations (1: water's; 0: a
  // uniform slab, whose Thon rings come from the particles alone).
  double ice_structure = 1.0;
  int particles = -1; // per micrograph; < 0: about 30% projected coverage
  double particle_diameter_A = 140.0;
  bool no_movies = false; // write only sum, odd, even, clean
  MovieStorage movie_storage = MovieStorage::uint16;
  int threads = 0; // 0: std::thread::hardware_concurrency(); never more than count
};

// What truth.json records for one micrograph.
struct MicrographTruth {
  std::string name; // "sim_0001"
  CtfParams ctf;
  double dose_per_frame_e_per_A2 = 0.0;
  double expected_counts_per_pixel_per_frame = 0.0; // dose per frame x pixel area
  double ice_thickness_A = 0.0;
  double ice_structure = 0.0;
  // drifts_px[f]: frame f shows the clean image moved by (x, y) pixels,
  // frame(p) = clean(p - drift); the first frame is at (0, 0).
  std::vector<std::array<double, 2>> drifts_px;
  std::vector<std::array<double, 2>> particles_px; // centres (x, y) inside the image
  std::int64_t clipped_counts = 0;                 // counts above the movie type's maximum, clamped
};

struct SimulatedMicrograph {
  int size = 0, frames = 0;
  MicrographTruth truth;
  // Frame f row-major at [f * size * size]; empty when options.no_movies.
  std::vector<std::uint16_t> movie;
  std::vector<float> sum, odd, even, clean; // size x size each
};

// Micrograph `index` (0-based) of a simulation. Throws Error for invalid options.
SimulatedMicrograph simulate_micrograph(const SimulationOptions& options, int index);

// Throws Error naming the first invalid option.
void validate_options(const SimulationOptions& options);

using SimulationProgress = std::function<void(int done, int total)>;

// Writes flat into out_dir (created when missing), for i = 1..count:
// sim_000i_movie.mrcs (counts; uint16 mode 6 or int8 mode 0; not with
// no_movies), sim_000i_sum.mrc, _odd.mrc, _even.mrc, _clean.mrc (float32),
// all with the pixel size in the header, and truth.json describing them.
// Micrographs run in parallel on up to options.threads threads; progress (if
// set) is called after each micrograph is written, from worker threads but
// never concurrently. Rethrows the first error (Error, or FormatError from
// the writer) after stopping the workers.
void simulate_micrographs(const std::string& out_dir, const SimulationOptions& options,
                          const SimulationProgress& progress = {});

// File name stem of micrograph index (0-based): "sim_0001" for 0.
std::string micrograph_name(int index);

} // namespace atelier::simulate

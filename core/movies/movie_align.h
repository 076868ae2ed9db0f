// align_movie: a cryo-EM movie's drift-corrected frame sum and its odd/even
// half sums (the Noise2Noise training pairs of the denoiser), from the
// whole-frame drift that MovieDriftTracker measures.
//
// Two passes over the frames: the first measures the trajectory, the second
// Fourier-transforms each frame at full resolution, moves it back by its
// position (a phase ramp, so sub-pixel shifts do not blur the way
// interpolation does) and adds it to the odd or even half; two inverse
// transforms give the halves and sum = odd + even. Odd holds frames 1, 3,
// 5, ... (1-based) and even 2, 4, ..., as the simulator writes them. Frames
// are never all held in memory: two half spectra of the frame size are.
// Given the dose per frame, a third, exposure-weighted sum is made in the
// same pass (see dose_weighting.h).
#pragma once

#include "core/data/image.h"
#include "core/metrics/movie_drift.h"
#include "core/movies/dose_weighting.h"

#include <atomic>
#include <functional>
#include <string>

namespace atelier::movies {

struct AlignOptions {
  double pixel_size_A = 0.0; // > 0 overrides the file's
  // dose_per_frame_e_per_A2 > 0: also the exposure-weighted sum (needs a
  // pixel size, from the file or above).
  DoseSchedule dose;
};

struct AlignedMovie {
  Image sum, odd, even; // float32, the frame size, the movie's spacing
  Image dose_weighted;  // the same, exposure-weighted; empty without a dose
  DoseSchedule dose;    // the exposure it was weighted for
  metrics::DriftEstimate drift;
  double pixel_size_A = 0.0; // from the file; 0 when unknown
};

// Thrown when a run is cancelled.
struct AlignCancelled {};

// frames_done(done, total) after each frame of each pass (total = 2 x
// frames). options.pixel_size_A > 0 overrides the file's (used for binning
// super-resolution frames while measuring, and by exposure weighting).
// Throws FormatError naming the file when it cannot be read or is not a
// movie (an MRC or TIFF stack of at least 2 single-band frames), or when
// weighting is asked for without a pixel size; AlignCancelled when *cancel
// becomes true.
AlignedMovie align_movie(const std::string& path, const AlignOptions& options = {},
                         const std::function<void(int, int)>& frames_done = {},
                         const std::atomic<bool>* cancel = nullptr);

// Where a movie's outputs go in out_dir: STEM_sum.mrc, STEM_odd.mrc,
// STEM_even.mrc, STEM_drift.json and, when weighted, STEM_sum_dw.mrc (see
// movie_stem).
struct AlignedPaths {
  std::string sum, odd, even, drift_json, dose_weighted;
};
AlignedPaths aligned_paths(const std::string& out_dir, const std::string& movie);
// Whether all three images of the movie exist in out_dir and, for a
// weighted schedule, its weighted sum made for that schedule (its label).
bool aligned_outputs_exist(const std::string& out_dir, const std::string& movie,
                           const DoseSchedule& dose = {});
// Writes them (float32 MRC with the movie's pixel size; the trajectory as
// JSON), each atomically, the sum last; creates out_dir. A weighted sum left
// by an earlier run goes when this one has none. Throws FormatError naming
// the file that cannot be written.
void write_aligned(const std::string& out_dir, const std::string& movie, const AlignedMovie& a);

// The file's name without its folder and extension (".mrcs", ".mrc",
// ".tif", ".tiff"): the stem of the outputs written for it.
std::string movie_stem(const std::string& path);

} // namespace atelier::movies

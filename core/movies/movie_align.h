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
#pragma once

#include "core/data/image.h"
#include "core/metrics/movie_drift.h"

#include <atomic>
#include <functional>
#include <string>

namespace atelier::movies {

struct AlignedMovie {
  Image sum, odd, even; // float32, the frame size, the movie's spacing
  metrics::DriftEstimate drift;
  double pixel_size_A = 0.0; // from the file; 0 when unknown
};

// Thrown when a run is cancelled.
struct AlignCancelled {};

// frames_done(done, total) after each frame of each pass (total = 2 x
// frames). pixel_size_A > 0 overrides the file's (used for binning
// super-resolution frames while measuring). Throws FormatError naming the
// file when it cannot be read or is not a movie (an MRC or TIFF stack of at
// least 2 single-band frames), AlignCancelled when *cancel becomes true.
AlignedMovie align_movie(const std::string& path, double pixel_size_A = 0.0,
                         const std::function<void(int, int)>& frames_done = {},
                         const std::atomic<bool>* cancel = nullptr);

// Where a movie's outputs go in out_dir: STEM_sum.mrc, STEM_odd.mrc,
// STEM_even.mrc and STEM_drift.json (see movie_stem).
struct AlignedPaths {
  std::string sum, odd, even, drift_json;
};
AlignedPaths aligned_paths(const std::string& out_dir, const std::string& movie);
// Whether all three images of the movie exist in out_dir.
bool aligned_outputs_exist(const std::string& out_dir, const std::string& movie);
// Writes them (float32 MRC with the movie's pixel size; the trajectory as
// JSON), each atomically, the sum last; creates out_dir. Throws FormatError
// naming the file that cannot be written.
void write_aligned(const std::string& out_dir, const std::string& movie, const AlignedMovie& a);

// The file's name without its folder and extension (".mrcs", ".mrc",
// ".tif", ".tiff"): the stem of the outputs written for it.
std::string movie_stem(const std::string& path);

} // namespace atelier::movies

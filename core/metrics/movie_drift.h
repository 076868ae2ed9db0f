// MovieDriftTracker: the whole-frame drift of a cryo-EM movie, measured on
// import from the frames as they are read, with no second pass over the file.
//
// Frames are summed into up to max_groups consecutive groups (one per frame
// for movies of up to 20 frames) over a central square crop, binned by box
// sums for super-resolution pixels. Each group is aligned to the aligned sum
// of the others (so its own shot noise never correlates with itself) by
// low-passed cross-correlation with a parabolic sub-pixel peak, in rounds.
// Coarse to fine: coarse_groups sums of consecutive groups are aligned first
// with a full search; a cubic through their positions places the groups,
// which are then refined locally, so a noisy single frame cannot jump to a
// false peak. A polynomial in time (degree min(max_degree, groups - 1))
// through the groups' positions gives every frame's position; from it come
// the path length RELION reports per micrograph as rlnAccumMotionTotal and
// the net displacement between the first and last frame.
#pragma once

#include "core/metrics/metric.h"
#include "core/metrics/plane.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace atelier::metrics {

struct DriftOptions {
  int max_groups = 20;   // frames are summed into at most this many groups
  int coarse_groups = 5; // which are first aligned in this many sums of consecutive groups
  int max_side = 512;    // the central crop's side (after binning) is at most this
  int max_bin = 4;       // see MovieDriftTracker's bin rule
  double lowpass = 0.3;  // correlation weight exp(-(k / lowpass)^2), k in cycles per binned pixel
  double max_shift_fraction = 0.25; // first round's peak search radius, as a fraction of the side
  int max_iterations = 4;           // rounds of the coarse groups' alignment
  int refine_iterations = 2;        // rounds of the groups' local refinement
  int max_degree = 5;
};

struct DriftEstimate {
  int bin = 0, side = 0;
  int iterations = 0; // alignment rounds until the shifts settled (or the limit)
  // Per group: its mean frame index and measured position in full-resolution
  // pixels (x, y; content moved by +position), relative to the first group.
  std::vector<double> group_time;
  std::vector<std::array<double, 2>> group_px;
  // Per frame, from the smooth fit; frame 0 at (0, 0).
  std::vector<std::array<double, 2>> frame_px;
  double total_px = 0.0; // path length over the frames
  double net_px = 0.0;   // |last frame - first frame|
  bool valid() const { return !frame_px.empty(); }
};

class MovieDriftTracker {
public:
  // pixel_size_A (0: unknown) picks the bin factor: round(1 A / pixel size),
  // 1 to max_bin, so super-resolution movies are aligned at about 1 A per
  // pixel (their finer pixels carry little signal); 1 when unknown.
  MovieDriftTracker(std::int64_t width, std::int64_t height, std::int64_t frames,
                    double pixel_size_A = 0.0, const DriftOptions& options = {});

  // False for a single frame or a crop under 64 binned pixels: then
  // add_frame and estimate do nothing.
  bool active() const { return side_ > 0; }
  // Adds frame `index` (0 .. frames - 1; a width x height plane) to its
  // group. Non-finite pixels count as 0.
  void add_frame(std::int64_t index, PlaneView frame);
  // Throws Error when FFTW cannot plan; an inactive tracker gives an
  // invalid estimate.
  DriftEstimate estimate() const;

private:
  std::int64_t width_, height_, frames_;
  DriftOptions options_;
  int bin_ = 0, side_ = 0, groups_ = 0;
  std::vector<std::vector<float>> sums_; // side_ x side_ per group
};

// Length of the path through the positions in order, and the distance from
// the first to the last (0 for fewer than two).
double path_length(const std::vector<std::array<double, 2>>& positions);
double net_displacement(const std::vector<std::array<double, 2>>& positions);

// Recorded with the metrics (metadata "metrics.drift.version"); bumped when
// the method changes what it measures.
inline constexpr int kDriftMetricsVersion = 1;

// drift_total_px, drift_net_px and, when the pixel size is known,
// drift_total_A, drift_net_A; nothing for an invalid estimate.
std::vector<Metric> drift_metrics(const DriftEstimate& drift, double pixel_size_A);

// A trajectory as item metadata text ("x,y;x,y;..." in pixels, two decimals,
// frame 0 first), and back. parse_trajectory returns an empty vector for
// text that is not such a list (never throws); at most 100,000 frames.
inline constexpr const char* kDriftTrajectoryKey = "drift_trajectory_px";
std::string format_trajectory(const std::vector<std::array<double, 2>>& frames_px);
std::vector<std::array<double, 2>> parse_trajectory(std::string_view text);

// The largest even side <= limit whose only prime factors are 2, 3 and 5
// (sizes FFTW transforms fastest); 0 below 2.
int fft_friendly_side(int limit);

} // namespace atelier::metrics

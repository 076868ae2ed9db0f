// Exposure (dose) weighting of movie frames, after Grant & Grigorieff (2015,
// eLife 4:e06980): radiation damage fades a frame's signal at spatial
// frequency k as exp(-N / (2 Ne(k))) after N e-/Å², with the critical
// exposure Ne(k) = 0.245 k^-1.665 + 2.81 e-/Å² (k in 1/Å, measured at 300 kV;
// 0.8 of that at 200 kV, where slower electrons damage more). Weighting
// each frame's Fourier coefficient by that attenuation and normalising by
// the root of the summed squared weights (times the frame count) keeps the
// noise power of a plain sum while the signal adds optimally: low
// frequencies take every frame, high ones mostly the early, less damaged
// frames.
#pragma once

#include <complex>
#include <cstddef>
#include <string>
#include <vector>

namespace atelier::movies {

// Critical exposure in e-/Å² at k (1/Å) for this voltage (the 300 kV fit;
// 0.8 of it at 200 kV; other voltages scaled linearly through those two).
// k <= 0 gives infinity (the mean never fades).
double critical_exposure(double k_per_A, double voltage_kV = 300.0);

struct DoseSchedule {
  double dose_per_frame_e_per_A2 = 0.0; // > 0 turns weighting on
  double pre_exposure_e_per_A2 = 0.0;   // before the first frame
  double voltage_kV = 300.0;
  bool weighted() const { return dose_per_frame_e_per_A2 > 0; }
};

// One line naming the schedule ("exposure-weighted: 1.2 e/A2 per frame after
// 0 e/A2, 300 kV"), as the weighted sum's MRC label records it; outputs made
// for another schedule are recognised by it.
std::string describe(const DoseSchedule& schedule);

// Running weights over a width x height real transform's half spectrum
// (height rows of width / 2 + 1 coefficients): frame f's weight is the
// attenuation at the middle of its exposure. Frames are added in order.
class DoseWeighter {
public:
  DoseWeighter(int width, int height, double pixel_size_A, const DoseSchedule& schedule);
  // The weights of the next frame (one per coefficient); advances.
  const std::vector<float>& next_frame();
  // Multiplies a weighted sum of the frames so far by sqrt(frames / sum of
  // squared weights), coefficient by coefficient.
  void normalise(std::vector<std::complex<float>>& weighted_sum) const;

private:
  std::vector<float> weight_, step_; // current weights; per-frame decay
  std::vector<float> squares_;       // sum of squared weights so far
  int frames_ = 0;
};

} // namespace atelier::movies

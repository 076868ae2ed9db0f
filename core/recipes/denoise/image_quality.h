// Image-quality measures for judging a denoiser against a known clean image.
#pragma once

#include <span>

namespace atelier::denoise {

// Mean squared error over all values (accumulated in double). Throws Error
// when the spans differ in length or are empty.
double mse(std::span<const float> estimate, std::span<const float> truth);

// Peak signal-to-noise ratio in dB: 10 log10(peak^2 / mse), where the peak is
// the range of the truth, max(truth) - min(truth) (micrographs have no fixed
// white level such as 255). +infinity when the estimate equals the truth.
// Throws Error for a constant truth (no range), besides mse's errors.
double psnr(std::span<const float> estimate, std::span<const float> truth);

// scale and offset minimising sum((scale * estimate + offset - truth)^2).
// A constant estimate gets scale 0 and offset mean(truth).
struct AffineFit {
  double scale = 1.0;
  double offset = 0.0;
};
AffineFit fit_affine(std::span<const float> estimate, std::span<const float> truth);

// PSNR of scale * estimate + offset with the least-squares fit above. A
// denoiser trained on normalised data returns a rescaled, shifted image;
// aligning the intensity scale first compares restoration quality, not
// calibration. Never lower than psnr() of the same inputs.
double psnr_affine_fit(std::span<const float> estimate, std::span<const float> truth);

} // namespace atelier::denoise

// Defocus from the rotationally averaged power spectrum: the 1D CTF model's
// rings (chi(k) = pi lambda df k^2 - pi/2 Cs lambda^3 k^4, plus the amplitude
// contrast phase) correlated with the spectrum's ring oscillation over a scan
// of defoci. It integrates every ring, so it finds the defocus of
// shot-noise-dominated sums whose rings are a few percent of the background,
// where picking single minima fails. Astigmatism is averaged over (the
// result is the mean defocus); the optics (voltage, Cs, amplitude contrast)
// are assumed, 300 kV / 2.7 mm / 0.07 by default: at the first zero the Cs
// term is a few mrad, so a wrong Cs moves the fit, not the first zero.
#pragma once

#include "core/metrics/cryoem_metrics.h"

namespace atelier::metrics {

struct DefocusFitOptions {
  double voltage_kV = 300.0;
  double cs_mm = 2.7;
  double amplitude_contrast = 0.07;
  // Underfocus scanned: 0.5 to 6 um (closer to focus the few rings in the
  // band let noise score as well as a fit).
  double min_defocus_A = 5000.0, max_defocus_A = 60000.0;
  // Scores are Fisher z-scores of the weighted correlation (atanh r times
  // sqrt(bins - 3)), so bands of different lengths compare. The fit counts
  // when its score beats that of every defocus more than 10% away by this
  // much: noise and residual background give a plateau of similar scores,
  // real rings one sharp peak. Measured: simulated 1k x 1k sums at 40
  // e-/Å^2, 2.2 to 8.9 (9 of 10 pass); 2k x 2k white noise and sums of a
  // uniform ice slab (no broadband scatterer), 2.0 at most.
  double min_margin = 2.5;
};

struct DefocusFit {
  bool found = false;            // the peak is distinct (margin >= min_margin)
  double defocus_A = 0.0;        // the best mean underfocus, even when not found
  double score = 0.0;            // z-score of model and oscillation at the best
  double margin = 0.0;           // score minus the best one > 10% away
  double first_zero_per_A = 0.0; // the model's first zero at defocus_A
};

// Needs the spectrum's pixel size (returns found = false without one, or
// with fewer than 32 bins).
DefocusFit fit_defocus(const PowerSpectrum1D& spectrum, const DefocusFitOptions& options = {});

} // namespace atelier::metrics

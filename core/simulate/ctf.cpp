// CTF, electron wavelength and the CTF's first zero (conventions in ctf.h).
#include "core/simulate/ctf.h"

#include <algorithm>
#include <cmath>

namespace atelier::simulate {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Smallest u > 0 with p u^2 + q u + r = 0 (p may be 0); -1 when none.
double smallest_positive_root(double p, double q, double r) {
  if (p == 0.0) {
    if (q == 0.0) return -1.0;
    const double u = -r / q;
    return u > 0.0 ? u : -1.0;
  }
  const double disc = q * q - 4.0 * p * r;
  if (disc < 0.0) return -1.0;
  const double s = std::sqrt(disc);
  // Numerically stable pair of roots.
  const double t = -0.5 * (q + (q >= 0.0 ? s : -s));
  double roots[2] = {t / p, t != 0.0 ? r / t : -1.0};
  double best = -1.0;
  for (double u : roots)
    if (u > 0.0 && (best < 0.0 || u < best)) best = u;
  return best;
}

} // namespace

double amplitude_phase(double amplitude_contrast) {
  const double a = std::clamp(amplitude_contrast, 0.0, 1.0);
  return std::atan2(a, std::sqrt(1.0 - a * a));
}

double electron_wavelength_A(double voltage_kV) {
  // lambda = h / sqrt(2 m e V (1 + e V / (2 m c^2))), as 12.2643 / sqrt(V (1 + 0.978466e-6 V)).
  const double v = voltage_kV * 1000.0;
  return 12.264259661581491 / std::sqrt(v * (1.0 + 0.97846613e-6 * v));
}

double ctf_value(const CtfParams& ctf, double kx, double ky) {
  const double lambda = electron_wavelength_A(ctf.voltage_kV);
  const double cs_A = ctf.cs_mm * 1e7;
  const double k2 = kx * kx + ky * ky;
  const double theta = std::atan2(ky, kx);
  const double ast = ctf.astigmatism_angle_deg * kPi / 180.0;
  const double df = 0.5 * (ctf.defocus_u_A + ctf.defocus_v_A) +
                    0.5 * (ctf.defocus_u_A - ctf.defocus_v_A) * std::cos(2.0 * (theta - ast));
  const double chi = kPi * lambda * df * k2 - 0.5 * kPi * cs_A * lambda * lambda * lambda * k2 * k2;
  return -std::sin(chi + amplitude_phase(ctf.amplitude_contrast)) *
         std::exp(-0.25 * ctf.bfactor_A2 * k2);
}

double ctf_first_zero_frequency(const CtfParams& ctf) {
  // Zeros where chi(u) + phi_A = n pi, u = k^2; chi(u) = a u - b u^2 with
  // b >= 0. Starting at phi_A in [0, pi/2], chi + phi_A first reaches pi
  // (rising, underfocus) or 0 (falling); the nearer crossing is the zero.
  const double lambda = electron_wavelength_A(ctf.voltage_kV);
  const double a = kPi * lambda * 0.5 * (ctf.defocus_u_A + ctf.defocus_v_A);
  const double b = 0.5 * kPi * ctf.cs_mm * 1e7 * lambda * lambda * lambda;
  const double phi = amplitude_phase(ctf.amplitude_contrast);
  // a u - b u^2 + phi = pi  ->  b u^2 - a u + (pi - phi) = 0
  const double up = smallest_positive_root(b, -a, kPi - phi);
  // a u - b u^2 + phi = 0   ->  b u^2 - a u - phi = 0
  const double u0 = smallest_positive_root(b, -a, -phi);
  double u = -1.0;
  if (up > 0.0) u = up;
  if (u0 > 0.0 && (u < 0.0 || u0 < u)) u = u0;
  return u > 0.0 ? std::sqrt(u) : 0.0;
}

} // namespace atelier::simulate

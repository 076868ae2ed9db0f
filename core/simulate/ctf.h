// The contrast transfer function of a transmission electron microscope (weak
// phase / weak amplitude object), its electron wavelength and its first zero.
//
// Sign convention (CTFFIND / RELION style, defocus positive = underfocus):
//   CTF(k) = -sin(chi(k) + phi_A) * exp(-B k^2 / 4)
//   chi(k) = pi lambda df(theta) k^2 - (pi / 2) Cs lambda^3 k^4
//   phi_A  = atan(A / sqrt(1 - A^2))      (A = amplitude contrast)
//   df(theta) = (df_u + df_v) / 2 + (df_u - df_v) / 2 cos(2 (theta - angle))
// so CTF(0) = -sin(phi_A) = -A: a positive projected potential (protein)
// appears dark at low frequencies, as in real micrographs.
#pragma once

namespace atelier::simulate {

struct CtfParams {
  double voltage_kV = 300.0;
  double cs_mm = 2.7;
  double amplitude_contrast = 0.07;
  double defocus_u_A = 15000.0; // underfocus positive
  double defocus_v_A = 15000.0;
  double astigmatism_angle_deg = 0.0; // direction of defocus_u, from the x axis
  double pixel_size_A = 1.0;          // for callers sampling a grid; ctf_value takes 1/Å
  double bfactor_A2 = 0.0;            // amplitude envelope exp(-B k^2 / 4)
};

// phi_A above: atan(A / sqrt(1 - A^2)), A clamped to [0, 1].
double amplitude_phase(double amplitude_contrast);
// Relativistic electron wavelength in Å (0.01969 Å at 300 kV).
double electron_wavelength_A(double voltage_kV);
// CTF at spatial frequency (kx, ky) in 1/Å, envelope included (see above).
double ctf_value(const CtfParams& ctf, double kx_inv_A, double ky_inv_A);
// Spatial frequency (1/Å) of the first zero of the CTF at the mean defocus
// (df_u + df_v) / 2; 0 when the CTF has no zero (amplitude contrast 1 with
// no defocus and no Cs).
double ctf_first_zero_frequency(const CtfParams& ctf);

} // namespace atelier::simulate

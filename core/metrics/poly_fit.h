// Least-squares polynomials through points (normal equations, solved by
// Gaussian elimination with partial pivoting): drift trajectories over a
// movie's frames, parabolas through a ring minimum's spectrum bins.
#pragma once

#include <span>
#include <vector>

namespace atelier::metrics {

// Coefficients c[0] .. c[degree] of sum c[k] u^k fitted to the points
// (u[i], v[i]); a coefficient whose column is singular (fewer distinct u
// than it needs) is 0. Rescale u to about [-1, 1] first: the normal
// equations are only well conditioned there.
std::vector<double> fit_polynomial(std::span<const double> u, std::span<const double> v,
                                   int degree);

// sum c[k] u^k (Horner).
double eval_polynomial(std::span<const double> c, double u);

} // namespace atelier::metrics

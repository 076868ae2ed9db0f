// Bias + activation in double for every element (f32 inputs are widened), so
// f32 results are the correctly rounded double values up to one rounding.
#include "core/nn/bias_activation_reference.h"

#include "core/nn/nn_check.h"

#include <cmath>
#include <vector>

namespace atelier::nn {
namespace {

constexpr double kSqrt2OverPi = 0.79788456080286535588; // sqrt(2 / pi)
constexpr double kGeluCubic = 0.044715;

// Channel of flat element i.
int channel_of(const Nchw& s, Layout layout, std::size_t i) {
  if (layout == Layout::nhwc) return int(i % std::size_t(s.c));
  return int((i / (std::size_t(s.h) * s.w)) % std::size_t(s.c));
}

template <typename T>
void forward_impl(const Nchw& s, Layout layout, std::span<const T> x, std::span<const T> bias,
                  std::span<T> y, Activation act, T slope) {
  detail::check_bias_activation_forward(s, x.size(), bias.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double b = bias.empty() ? 0.0 : double(bias[channel_of(s, layout, i)]);
    y[i] = static_cast<T>(activation_value(act, double(x[i]) + b, double(slope)));
  }
}

template <typename T>
void backward_impl(const Nchw& s, Layout layout, std::span<const T> x, std::span<const T> bias,
                   std::span<const T> dy, std::span<T> dx, std::span<T> db, Activation act,
                   T slope) {
  detail::check_bias_activation_backward(s, x.size(), bias.size(), dy.size(), dx.size(), db.size());
  std::vector<double> sums(db.empty() ? 0 : std::size_t(s.c), 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const int c = channel_of(s, layout, i);
    const double b = bias.empty() ? 0.0 : double(bias[c]);
    const double g = double(dy[i]) * activation_derivative(act, double(x[i]) + b, double(slope));
    dx[i] = static_cast<T>(g);
    if (!sums.empty()) sums[c] += g;
  }
  for (std::size_t c = 0; c < sums.size(); ++c)
    db[c] = static_cast<T>(sums[c]);
}

} // namespace

namespace detail {
void check_bias_activation_forward(const Nchw& s, std::size_t x, std::size_t bias, std::size_t y) {
  check_extent("bias_activation_forward", s);
  check_size("bias_activation_forward", "x", x, s.count());
  check_size("bias_activation_forward", "y", y, s.count());
  if (bias) check_size("bias_activation_forward", "bias", bias, std::size_t(s.c));
}
void check_bias_activation_backward(const Nchw& s, std::size_t x, std::size_t bias, std::size_t dy,
                                    std::size_t dx, std::size_t db) {
  check_extent("bias_activation_backward", s);
  check_size("bias_activation_backward", "x", x, s.count());
  check_size("bias_activation_backward", "dy", dy, s.count());
  check_size("bias_activation_backward", "dx", dx, s.count());
  if (bias) check_size("bias_activation_backward", "bias", bias, std::size_t(s.c));
  if (db) check_size("bias_activation_backward", "db", db, std::size_t(s.c));
}
} // namespace detail

double activation_value(Activation act, double z, double slope) {
  switch (act) {
  case Activation::identity: return z;
  // NaN passes (as PyTorch's relu and cuDNN's fused epilogue with
  // CUDNN_PROPAGATE_NAN), so a diverged run shows.
  case Activation::relu: return z > 0.0 || std::isnan(z) ? z : 0.0;
  case Activation::leaky_relu: return z > 0.0 ? z : slope * z;
  case Activation::gelu_tanh:
    return 0.5 * z * (1.0 + std::tanh(kSqrt2OverPi * (z + kGeluCubic * z * z * z)));
  }
  throw Error("activation_value: unknown activation");
}

double activation_derivative(Activation act, double z, double slope) {
  switch (act) {
  case Activation::identity: return 1.0;
  case Activation::relu: return z > 0.0 ? 1.0 : 0.0;
  case Activation::leaky_relu: return z > 0.0 ? 1.0 : slope;
  case Activation::gelu_tanh: {
    const double t = std::tanh(kSqrt2OverPi * (z + kGeluCubic * z * z * z));
    return 0.5 * (1.0 + t) +
           0.5 * z * (1.0 - t * t) * kSqrt2OverPi * (1.0 + 3.0 * kGeluCubic * z * z);
  }
  }
  throw Error("activation_derivative: unknown activation");
}

void bias_activation_forward(const Nchw& shape, Layout layout, std::span<const float> x,
                             std::span<const float> bias, std::span<float> y, Activation act,
                             float slope) {
  forward_impl(shape, layout, x, bias, y, act, slope);
}
void bias_activation_forward(const Nchw& shape, Layout layout, std::span<const double> x,
                             std::span<const double> bias, std::span<double> y, Activation act,
                             double slope) {
  forward_impl(shape, layout, x, bias, y, act, slope);
}

void bias_activation_backward(const Nchw& shape, Layout layout, std::span<const float> x,
                              std::span<const float> bias, std::span<const float> dy,
                              std::span<float> dx, std::span<float> db, Activation act,
                              float slope) {
  backward_impl(shape, layout, x, bias, dy, dx, db, act, slope);
}
void bias_activation_backward(const Nchw& shape, Layout layout, std::span<const double> x,
                              std::span<const double> bias, std::span<const double> dy,
                              std::span<double> dx, std::span<double> db, Activation act,
                              double slope) {
  backward_impl(shape, layout, x, bias, dy, dx, db, act, slope);
}

} // namespace atelier::nn

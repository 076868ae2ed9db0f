// CPU reference of the convolution layer ops (f32 and f64): 2D convolution
// forward and both backward passes, per-channel bias and leaky ReLU. NCHW
// activations, KCRS weights (PyTorch's layout). The GPU kernels are tested
// against these; they favour clarity and exact accumulation over speed.
//
// Zero padding only: reflect padding will be a separate pad op in front of a
// pad-0 convolution.
#pragma once

#include <cstddef>
#include <span>

namespace atelier::nn {

// A dense 4D activation tensor's extent, NCHW.
struct Nchw {
  int n = 1, c = 1, h = 1, w = 1;
  std::size_t count() const;
  friend bool operator==(const Nchw&, const Nchw&) = default;
};

// One 2D convolution: input n x c x h x w, k filters of c x r x s.
struct Conv2dShape {
  int n = 1;                      // batch
  int c = 1;                      // input channels
  int h = 1, w = 1;               // input height, width
  int k = 1;                      // output channels
  int r = 1, s = 1;               // kernel height, width
  int pad_h = 0, pad_w = 0;       // zero padding on each side
  int stride_h = 1, stride_w = 1; //
  int dilation_h = 1, dilation_w = 1;

  // The same padding, stride and dilation on both axes.
  static Conv2dShape square(int n, int c, int h, int w, int k, int r, int s, int pad = 0,
                            int stride = 1, int dilation = 1) {
    Conv2dShape sh;
    sh.n = n, sh.c = c, sh.h = h, sh.w = w, sh.k = k, sh.r = r, sh.s = s;
    sh.pad_h = sh.pad_w = pad;
    sh.stride_h = sh.stride_w = stride;
    sh.dilation_h = sh.dilation_w = dilation;
    return sh;
  }

  // (h + 2 pad_h - dilation_h (r - 1) - 1) / stride_h + 1; may be <= 0 for an
  // invalid shape (validate() rejects it).
  int out_h() const;
  int out_w() const;
  Nchw input() const { return {n, c, h, w}; }
  Nchw output() const { return {n, k, out_h(), out_w()}; }
  std::size_t input_count() const { return input().count(); }
  std::size_t weight_count() const; // k * c * r * s
  std::size_t output_count() const { return output().count(); }

  // Throws atelier::Error naming the bad field: non-positive sizes, strides
  // or dilations, negative padding, padding not smaller than the dilated
  // kernel (every output must see the input), an empty output, or a tensor
  // of 2^31 elements or more (cuDNN's legacy API indexes with int).
  void validate() const;
};

// y = conv(x, w). Sizes of the spans must match the shape (Error otherwise).
void conv2d_forward(const Conv2dShape& shape, std::span<const float> x, std::span<const float> w,
                    std::span<float> y);
void conv2d_forward(const Conv2dShape& shape, std::span<const double> x, std::span<const double> w,
                    std::span<double> y);

// dx = d(sum y * dy)/dx (overwrites dx).
void conv2d_backward_data(const Conv2dShape& shape, std::span<const float> dy,
                          std::span<const float> w, std::span<float> dx);
void conv2d_backward_data(const Conv2dShape& shape, std::span<const double> dy,
                          std::span<const double> w, std::span<double> dx);

// dw = d(sum y * dy)/dw (overwrites dw).
void conv2d_backward_filter(const Conv2dShape& shape, std::span<const float> x,
                            std::span<const float> dy, std::span<float> dw);
void conv2d_backward_filter(const Conv2dShape& shape, std::span<const double> x,
                            std::span<const double> dy, std::span<double> dw);

// y[n, c, :, :] += bias[c], in place.
void bias_forward(const Nchw& shape, std::span<const float> bias, std::span<float> y);
void bias_forward(const Nchw& shape, std::span<const double> bias, std::span<double> y);
// db[c] = sum over n, h, w of dy[n, c, :, :] (overwrites db).
void bias_backward(const Nchw& shape, std::span<const float> dy, std::span<float> db);
void bias_backward(const Nchw& shape, std::span<const double> dy, std::span<double> db);

// y = x > 0 ? x : slope * x; ReLU is slope 0. y may be x (in place).
void leaky_relu_forward(std::span<const float> x, std::span<float> y, float slope);
void leaky_relu_forward(std::span<const double> x, std::span<double> y, double slope);
// dx = dy * (x > 0 ? 1 : slope), from the forward input x; dx may be dy.
void leaky_relu_backward(std::span<const float> x, std::span<const float> dy, std::span<float> dx,
                         float slope);
void leaky_relu_backward(std::span<const double> x, std::span<const double> dy,
                         std::span<double> dx, double slope);

} // namespace atelier::nn

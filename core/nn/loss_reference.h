// CPU reference of the training losses, mean over all elements (layout does
// not matter): MSE = sum (p - t)^2 / N and L1 = sum |p - t| / N, with their
// gradients dL/dp = 2 (p - t) / N and sign(p - t) / N (sign(0) = 0, like
// PyTorch's l1_loss). Sums are kept in double.
#pragma once

#include <span>

namespace atelier::nn {

double mse_loss_forward(std::span<const float> pred, std::span<const float> target);
double mse_loss_forward(std::span<const double> pred, std::span<const double> target);
void mse_loss_backward(std::span<const float> pred, std::span<const float> target,
                       std::span<float> dpred);
void mse_loss_backward(std::span<const double> pred, std::span<const double> target,
                       std::span<double> dpred);

double l1_loss_forward(std::span<const float> pred, std::span<const float> target);
double l1_loss_forward(std::span<const double> pred, std::span<const double> target);
void l1_loss_backward(std::span<const float> pred, std::span<const float> target,
                      std::span<float> dpred);
void l1_loss_backward(std::span<const double> pred, std::span<const double> target,
                      std::span<double> dpred);

} // namespace atelier::nn

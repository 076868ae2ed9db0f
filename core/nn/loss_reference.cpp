// Mean losses; empty or mismatched inputs are errors (a mean over nothing is
// not a loss).
#include "core/nn/loss_reference.h"

#include "core/nn/nn_check.h"

#include <cmath>

namespace atelier::nn {
namespace {

template <typename T>
void check_pair(const char* op, std::span<const T> pred, std::span<const T> target) {
  if (pred.empty()) throw Error(std::string(op) + ": empty prediction");
  detail::check_size(op, "target", target.size(), pred.size());
}

template <typename T>
double forward_impl(const char* op, bool squared, std::span<const T> pred,
                    std::span<const T> target) {
  check_pair(op, pred, target);
  double sum = 0.0;
  for (std::size_t i = 0; i < pred.size(); ++i) {
    const double d = double(pred[i]) - double(target[i]);
    sum += squared ? d * d : std::fabs(d);
  }
  return sum / double(pred.size());
}

template <typename T>
void backward_impl(const char* op, bool squared, std::span<const T> pred, std::span<const T> target,
                   std::span<T> dpred) {
  check_pair(op, pred, target);
  detail::check_size(op, "dpred", dpred.size(), pred.size());
  const double inv_n = 1.0 / double(pred.size());
  for (std::size_t i = 0; i < pred.size(); ++i) {
    const double d = double(pred[i]) - double(target[i]);
    const double sign = d > 0.0 ? 1.0 : (d < 0.0 ? -1.0 : 0.0);
    dpred[i] = static_cast<T>(squared ? 2.0 * d * inv_n : sign * inv_n);
  }
}

} // namespace

double mse_loss_forward(std::span<const float> pred, std::span<const float> target) {
  return forward_impl("mse_loss_forward", true, pred, target);
}
double mse_loss_forward(std::span<const double> pred, std::span<const double> target) {
  return forward_impl("mse_loss_forward", true, pred, target);
}
void mse_loss_backward(std::span<const float> pred, std::span<const float> target,
                       std::span<float> dpred) {
  backward_impl("mse_loss_backward", true, pred, target, dpred);
}
void mse_loss_backward(std::span<const double> pred, std::span<const double> target,
                       std::span<double> dpred) {
  backward_impl("mse_loss_backward", true, pred, target, dpred);
}
double l1_loss_forward(std::span<const float> pred, std::span<const float> target) {
  return forward_impl("l1_loss_forward", false, pred, target);
}
double l1_loss_forward(std::span<const double> pred, std::span<const double> target) {
  return forward_impl("l1_loss_forward", false, pred, target);
}
void l1_loss_backward(std::span<const float> pred, std::span<const float> target,
                      std::span<float> dpred) {
  backward_impl("l1_loss_backward", false, pred, target, dpred);
}
void l1_loss_backward(std::span<const double> pred, std::span<const double> target,
                      std::span<double> dpred) {
  backward_impl("l1_loss_backward", false, pred, target, dpred);
}

} // namespace atelier::nn

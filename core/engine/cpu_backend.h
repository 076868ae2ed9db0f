// The CPU backend: NCHW f32 activations, KCRS f32 weights (the canonical
// layout, so parameters need no conversion), the CPU reference ops of
// core/nn with threaded BLAS convolutions where available. Deterministic for
// a given thread count, so a resumed CPU run continues bit for bit.
#pragma once

#include "core/engine/backend.h"

#include <memory>

namespace atelier::engine {

class CpuBackend : public Backend {
public:
  CpuBackend();
  ~CpuBackend() override;

  std::string name() const override;
  bool is_gpu() const override { return false; }
  std::size_t activation_element_bytes() const override { return sizeof(float); }
  void* allocate(std::size_t bytes) override;
  void deallocate(void* p) noexcept override;
  void upload_activation(const float* host, const Nchw& s, void* dst) override;
  void download_activation(const void* src, const Nchw& s, float* host) override;

  void copy_in(void* dst, const void* host, std::size_t bytes) override;
  void copy_out(void* host, const void* src, std::size_t bytes) override;
  void extract_tile(const float* image, int h, int w, int y0, int x0, void* tile, int th,
                    int tw) override;
  void insert_tile(const void* tile, int th, int tw, int my, int mx, int ch, int cw, float* image,
                   int h, int w, int y0, int x0) override;

  void bind_graph(const Graph& g) override;
  void set_params(std::span<const float> canonical) override;
  void get_params(std::span<float> canonical) override;
  void get_grads(std::span<float> canonical) override;
  std::vector<std::string> optimizer_state_names() const override;
  void get_optimizer_state(const std::string& name, std::span<float> canonical) override;
  void set_optimizer_state(const std::string& name, std::span<const float> canonical) override;

  std::size_t prepare_conv(int node, const ConvNode& conv, ConvPasses passes) override;
  void conv_forward(int node, const ConvNode& conv, const void* x, void* y,
                    void* workspace) override;
  void conv_backward(int node, const ConvNode& conv, const void* x, const void* y, void* dy,
                     void* dx, void* workspace) override;
  void max_pool_forward(const Nchw& in, const void* x, void* y, std::uint8_t* argmax) override;
  void max_pool_backward(const Nchw& in, const std::uint8_t* argmax, const void* dy,
                         void* dx) override;
  void upsample_forward(const Nchw& in, const void* x, void* y) override;
  void upsample_backward(const Nchw& in, const void* dy, void* dx) override;
  void reflect_pad_forward(const Nchw& in, int pad, const void* x, void* y) override;
  void reflect_pad_backward(const Nchw& in, int pad, const void* dy, void* dx) override;
  void concat_forward(const Nchw& a, int c2, const void* xa, const void* xb, void* y) override;
  void concat_backward(const Nchw& a, int c2, const void* dy, void* da, void* db) override;
  void accumulate(void* acc, const void* x, std::size_t count) override;
  void loss_forward(LossKind kind, const void* pred, const void* target,
                    std::size_t count) override;
  void loss_backward(LossKind kind, const void* pred, const void* target, void* dpred,
                     std::size_t count) override;
  double read_loss() override { return loss_; }
  void optimizer_step(const OptimizerStep& step) override;
  double read_grad_norm() override { return grad_norm_; }
  void synchronize() override {}
  std::size_t peak_memory_bytes() const override { return peak_bytes_; }

private:
  std::span<float> param_span(int param);
  std::span<float> grad_span(int param);

  const Graph* graph_ = nullptr;
  std::vector<float> params_, grads_;
  nn::AdamState adam_;
  nn::SgdState sgd_;
  double loss_ = 0, grad_norm_ = 0;
  std::size_t live_bytes_ = 0, peak_bytes_ = 0;
};

} // namespace atelier::engine

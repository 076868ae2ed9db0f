// The CUDA backend: NHWC activations in f32, bf16 or f16 (tensor cores), f32
// master weights (KRSC on the device, the NHWC filter layout) with a 16-bit
// copy the convolutions read, f32 gradients and optimizer state; cuDNN's
// graph API for convolutions (engines timed once per layer), the fused
// kernels of kernels/ for everything else, all queued on one stream. Built
// only where CUDA and cuDNN are (ATELIER_HAVE_CUDA_BACKEND).
#pragma once

#include "core/engine/backend.h"

#include <memory>

namespace atelier::engine {

// fp32: FMA-exact convolutions; tf32: f32 storage, TF32 tensor cores (as
// PyTorch's default); bf16: bf16 activations, f32 master weights; fp16: f16
// activations (three more mantissa bits than bf16, a range that stops at
// 65504; the tensor-core type of Turing and Volta), f32 master weights, and
// in training a dynamic loss scale (kernels/loss_scale.h).
enum class Precision { fp32, tf32, bf16, fp16 };
const char* precision_name(Precision p);
// "fp32", "tf32", "bf16" or "fp16"; Error otherwise.
Precision parse_precision(const std::string& name);
// The oldest compute capability (major * 10 + minor) a precision runs on:
// 80 for bf16 and tf32 (Ampere's tensor cores), 75 for fp16 and fp32
// (Turing, the kernels' oldest build target).
int min_compute_capability(Precision p);

class CudaBackend final : public Backend {
public:
  // Throws (CudaError or Error) when the device cannot be used. deterministic:
  // the same inputs give the same bits on the same GPU and software, at some
  // speed: cuDNN engines without atomics, picked by its heuristics rather
  // than by timing (which varies from run to run).
  CudaBackend(int device, Precision precision, bool deterministic = false);
  ~CudaBackend() override;

  std::string name() const override;
  bool is_gpu() const override { return true; }
  std::size_t activation_element_bytes() const override;
  // cuDNN's tensor-core engines want channel counts in multiples of 8 (the
  // head's 97-channel concat runs 30x slower otherwise).
  int channel_align() const override { return 8; }
  void* allocate(std::size_t bytes) override;
  void deallocate(void* p) noexcept override;
  void upload_activation(const float* host, const Nchw& s, void* dst) override;
  void download_activation(const void* src, const Nchw& s, float* host) override;
  // f32 in every precision (the loss reads it unrounded).
  void upload_target(const float* host, const Nchw& s, void* dst) override;

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
  double read_loss() override;
  void optimizer_step(const OptimizerStep& step) override;
  double read_grad_norm() override;
  LossScale read_loss_scale() override;
  bool supports_graphs() const override { return true; }
  void begin_capture() override;
  void* end_capture() override;
  void launch_graph(void* graph) override;
  void destroy_graph(void* graph) noexcept override;
  void synchronize() override;
  std::size_t peak_memory_bytes() const override;

  // The folded stems' inputs and the widened heads' outputs.
  std::size_t extra_bytes(const Graph& g) const override;

  // Whether one-channel stems run folded (core/nn/stem_fold.h): on by
  // default for bf16 and tf32, off for fp32 and with ATELIER_STEM_FOLD=0.
  // Takes effect at the next bind_graph.
  void set_stem_fold(bool on);
  bool stem_fold() const;
  // Whether one-channel output layers run widened to 8 filters (7 zero) on
  // tensor cores, the first channel kept: same defaults, ATELIER_WIDE_HEAD=0
  // turns it off. Takes effect at the next bind_graph.
  void set_wide_head(bool on);
  bool wide_head() const;

  // cuDNN's chosen engines and epilogue fusion per conv node.
  std::string conv_algorithms() const override;
  std::pair<int, int> fused_epilogues() const override;

private:
  // Host NCHW f32 -> device NHWC, in the activations' storage or in f32.
  void upload(const float* host, const Nchw& s, void* dst, bool as_f32);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace atelier::engine

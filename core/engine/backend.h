// The ops a training backend implements, in the backend's own memory, layout
// and storage type. The executor (executor.h) plans buffers and calls these
// without knowing which backend runs: `cpu` (NCHW f32, core) or `cuda` (NHWC
// f32, bf16 or f16 activations, f32 master weights; cuda_backend.h).
//
// The backend owns the parameters, their gradients and the optimizer state,
// laid out like the graph's flat buffer (graph.h), and converts to and from
// the canonical host form (f32, KCRS weights) when asked.
#pragma once

#include "core/engine/graph.h"
#include "core/nn/optimizer.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace atelier::engine {

enum class LossKind { mse, l1 };
enum class OptimizerKind { sgd, adam, adamw };

// One optimizer step's settings (the learning rate already scheduled).
struct OptimizerStep {
  OptimizerKind kind = OptimizerKind::adam;
  nn::AdamOptions adam;  // lr, betas, eps, weight decay (adam, adamw)
  nn::SgdOptions sgd;    // lr, momentum, nesterov, weight decay (sgd)
  std::int64_t step = 1; // 1-based
  double clip_norm = 0;  // > 0: clip the global gradient norm to this first
};

// The passes a conv node runs besides forward: in training the filter
// gradient, and the data gradient unless its input is the graph's input.
struct ConvPasses {
  bool backward_data = false;
  bool backward_filter = false;
};

class Backend {
public:
  virtual ~Backend() = default;

  // For logs: "cpu (openblas)", "cuda:0 NVIDIA H100 80GB HBM3, bf16".
  virtual std::string name() const = 0;
  virtual bool is_gpu() const = 0;
  // Bytes per stored activation element (4 for f32, 2 for bf16 and f16).
  virtual std::size_t activation_element_bytes() const = 0;
  // Activations of more than one channel are stored with their channel count
  // rounded up to a multiple of this (graph.h, aligned_channels); the extra
  // channels hold zeros. Extents passed to the ops are the logical ones.
  virtual int channel_align() const { return 1; }

  // The executor whose graph is bound. bind_graph lays the parameters out
  // anew and frees the previous graph's buffers (and a GPU's captured step
  // would still point at them), so only the newest executor on a backend
  // may run; Executor sets this and checks it.
  const void* bound_executor() const { return bound_executor_; }
  void set_bound_executor(const void* executor) { bound_executor_ = executor; }

  // Backend memory, aligned to kArenaAlign. Throws with the sizes asked and
  // free on exhaustion.
  virtual void* allocate(std::size_t bytes) = 0;
  virtual void deallocate(void* p) noexcept = 0;

  // Host NCHW f32 <-> backend activation storage of extent s. An upload
  // returns once host may be reused; its copy may still be in flight,
  // ordered before any later work of the backend.
  virtual void upload_activation(const float* host, const Nchw& s, void* dst) = 0;
  virtual void download_activation(const void* src, const Nchw& s, float* host) = 0;
  // The loss target: f32 on every backend (the activations' layout, f32
  // whatever their storage type), like upload_activation otherwise. The
  // default suits backends whose activations are f32.
  virtual void upload_target(const float* host, const Nchw& s, void* dst) {
    upload_activation(host, s, dst);
  }

  // Raw bytes between the host and backend memory (copy_out waits).
  virtual void copy_in(void* dst, const void* host, std::size_t bytes) = 0;
  virtual void copy_out(void* host, const void* src, std::size_t bytes) = 0;

  // Tiled inference over one single-channel f32 image h x w in backend
  // memory: cut the th x tw tile at (y0, x0) (may start outside the image:
  // borders are mirror-reflected) into an activation buffer, and write the
  // ch x cw centre of a tile starting at (my, mx) back to (y0, x0).
  virtual void extract_tile(const float* image, int h, int w, int y0, int x0, void* tile, int th,
                            int tw) = 0;
  virtual void insert_tile(const void* tile, int th, int tw, int my, int mx, int ch, int cw,
                           float* image, int h, int w, int y0, int x0) = 0;

  // Parameters. bind_graph allocates parameters, gradients and optimizer
  // state for g (zeros) and must come first.
  virtual void bind_graph(const Graph& g) = 0;
  virtual void set_params(std::span<const float> canonical) = 0;
  virtual void get_params(std::span<float> canonical) = 0;
  virtual void get_grads(std::span<float> canonical) = 0;
  // Optimizer state tensors in canonical layout: "exp_avg", "exp_avg_sq"
  // (Adam/AdamW), "momentum_buffer" (SGD). Empty names list if never stepped.
  virtual std::vector<std::string> optimizer_state_names() const = 0;
  virtual void get_optimizer_state(const std::string& name, std::span<float> canonical) = 0;
  virtual void set_optimizer_state(const std::string& name, std::span<const float> canonical) = 0;

  // Conv blocks: prepare once per node (algorithm choice) for the passes it
  // will run, returning the workspace bytes the node needs.
  virtual std::size_t prepare_conv(int node, const ConvNode& conv, ConvPasses passes) = 0;
  // y = act(conv(x, w) + b).
  virtual void conv_forward(int node, const ConvNode& conv, const void* x, void* y,
                            void* workspace) = 0;
  // From the block's input x, its output y and dy (overwritten by the
  // gradient before the activation): writes dw and db into the gradients
  // and, unless dx is null, dx.
  virtual void conv_backward(int node, const ConvNode& conv, const void* x, const void* y, void* dy,
                             void* dx, void* workspace) = 0;

  // in: the input extent.
  virtual void max_pool_forward(const Nchw& in, const void* x, void* y, std::uint8_t* argmax) = 0;
  virtual void max_pool_backward(const Nchw& in, const std::uint8_t* argmax, const void* dy,
                                 void* dx) = 0;
  virtual void upsample_forward(const Nchw& in, const void* x, void* y) = 0;
  virtual void upsample_backward(const Nchw& in, const void* dy, void* dx) = 0;
  virtual void reflect_pad_forward(const Nchw& in, int pad, const void* x, void* y) = 0;
  virtual void reflect_pad_backward(const Nchw& in, int pad, const void* dy, void* dx) = 0;
  virtual void concat_forward(const Nchw& a, int c2, const void* xa, const void* xb, void* y) = 0;
  virtual void concat_backward(const Nchw& a, int c2, const void* dy, void* da, void* db) = 0;
  // acc += x over count stored activation elements.
  virtual void accumulate(void* acc, const void* x, std::size_t count) = 0;

  // The mean loss into the backend's loss slot, and d(loss)/d(pred); target
  // as upload_target stores it.
  virtual void loss_forward(LossKind kind, const void* pred, const void* target,
                            std::size_t count) = 0;
  virtual void loss_backward(LossKind kind, const void* pred, const void* target, void* dpred,
                             std::size_t count) = 0;
  // Waits for the step and returns the last loss.
  virtual double read_loss() = 0;

  // Gradient clipping (when asked) and one optimizer update of every
  // parameter. The global gradient norm before clipping is kept for
  // read_grad_norm.
  virtual void optimizer_step(const OptimizerStep& step) = 0;
  virtual double read_grad_norm() = 0;

  // Training with a dynamic loss scale (f16 storage on the GPU): the current
  // scale and how many steps were skipped because their gradients overflowed
  // (those steps leave the weights and optimizer state as they were). A
  // backend without one reports {0, 0}. Waits for the queued work.
  struct LossScale {
    double scale = 0;
    std::int64_t skipped_steps = 0;
  };
  virtual LossScale read_loss_scale() { return {}; }

  // Graph capture (CUDA graphs): the ops queued between begin_capture and
  // end_capture become one replayable graph. Backends without it return false
  // from supports_graphs and are never asked to capture.
  virtual bool supports_graphs() const { return false; }
  virtual void begin_capture() {}
  virtual void* end_capture() { return nullptr; }
  virtual void launch_graph(void*) {}
  virtual void destroy_graph(void*) noexcept {}

  // Waits for all queued work.
  virtual void synchronize() = 0;
  // Peak backend memory in use since construction, bytes (0 if unknown).
  virtual std::size_t peak_memory_bytes() const { return 0; }
  // Device memory a graph needs beside the executor's arena and the
  // parameters (per-layer scratch such as a folded stem's input), for memory
  // planning.
  virtual std::size_t extra_bytes(const Graph&) const { return 0; }
  // How each convolution runs (engines, fusion), one line per conv node, for
  // logs and benchmarks; empty where there is no choice to report.
  virtual std::string conv_algorithms() const { return {}; }
  // Of the convolutions with a bias or activation, how many run it fused
  // into the convolution ({fused, with an epilogue}); {0, 0} where the
  // backend has no such choice.
  virtual std::pair<int, int> fused_epilogues() const { return {0, 0}; }

private:
  const void* bound_executor_ = nullptr;
};

} // namespace atelier::engine

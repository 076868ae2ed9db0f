// Runs a graph on a backend: plans every buffer of the step once (memory_plan.h),
// allocates one arena, and then runs forward, loss and backward passes with
// no allocation. Training mode keeps what backward needs (conv inputs and
// outputs, pooling indices) and plans gradients; inference mode frees every
// activation after its last reader, so memory stays near the two largest
// live activations.
#pragma once

#include "core/engine/backend.h"
#include "core/engine/graph.h"
#include "core/engine/memory_plan.h"

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace atelier::engine {

enum class ExecMode { train, infer };

// Where every buffer of a step lives: indices into plan.offsets (-1: none).
struct StepLayout {
  MemoryPlan plan;
  std::vector<int> act;                      // per value
  std::vector<int> grad;                     // per value (train)
  std::vector<int> argmax;                   // per node (pooling)
  std::vector<std::vector<int>> grad_target; // per node, per input: what its backward writes
  int target = -1;                           // loss target (train)
  int workspace = -1;
};

// Plans a step of g with activations of elem bytes, channels padded to
// multiples of channel_align, and a shared workspace.
StepLayout plan_step(const Graph& g, ExecMode mode, std::size_t elem, std::size_t workspace_bytes,
                     int channel_align = 1);

class Executor {
public:
  // Binds the graph to the backend (which allocates parameters), prepares
  // every conv and allocates the arena. The graph is copied.
  Executor(Graph graph, Backend& backend, ExecMode mode);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  const Graph& graph() const { return graph_; }
  Backend& backend() { return backend_; }
  ExecMode mode() const { return mode_; }
  const MemoryPlan& plan() const { return layout_.plan; }
  std::size_t arena_bytes() const { return layout_.plan.arena_bytes; }
  // The shared conv workspace, part of the arena.
  std::size_t workspace_bytes() const { return workspace_bytes_; }

  // Host NCHW f32 of the graph's input / output extent.
  void set_input(std::span<const float> host);
  void set_target(std::span<const float> host); // train mode
  void get_output(std::span<float> host);

  void forward();
  // Train mode: loss of the output against the target, then all gradients.
  void backward(LossKind loss);
  // forward() then backward(loss). On a backend with graph capture (and
  // unless disabled), the first call runs eagerly (warm-up: lazy library
  // initialisation cannot be captured), the second captures the step into a
  // graph and every later call replays it with one launch.
  void train_step(LossKind loss);
  // Train mode: forward() and the loss only (validation); waits for it.
  double evaluate(LossKind loss);
  // forward() with the same warm-up / capture / replay scheme.
  void forward_step();
  void set_use_graphs(bool on);
  // Whether steps are captured and replayed: off when asked, when the
  // backend cannot, and after a capture failed (graph_failure() says why;
  // the steps then run eagerly).
  bool uses_graphs() const { return use_graphs_ && backend_.supports_graphs(); }
  const std::string& graph_failure() const { return graph_failure_; }

  // Profiling: with it on, every op waits for the backend and its wall time
  // is added to a per-op total ("fwd enc.0.0", "bwd dec.1.2", "loss").
  void set_profiling(bool on) { profiling_ = on; }
  struct OpTime {
    std::string op;
    double total_ms = 0;
    int calls = 0;
  };
  const std::vector<OpTime>& op_times() const { return op_times_; }

  // The input and output activation buffers in backend memory (for tiling).
  void* input_buffer() const;
  const void* output_buffer() const;

private:
  // An arena buffer's address; throws Error once another executor has bound
  // its graph to the backend (check_bound).
  void* ptr(int buffer) const;
  void check_bound() const;

  Graph graph_;
  Backend& backend_;
  ExecMode mode_;
  StepLayout layout_;
  void* arena_ = nullptr;
  std::size_t workspace_bytes_ = 0;
  bool profiling_ = false;
  bool use_graphs_ = true;
  std::string graph_failure_;
  struct Captured {
    void* graph = nullptr;
    int calls = 0;
    LossKind loss = LossKind::mse;
  };
  Captured train_graph_, forward_graph_;
  template <typename F>
  void replay(Captured& c, LossKind loss, F&& run);
  void drop_graphs() noexcept;
  std::vector<OpTime> op_times_;
  void record(const std::string& op, double ms);
  template <typename F>
  void timed(const char* phase, const std::string& name, F&& f);
};

} // namespace atelier::engine

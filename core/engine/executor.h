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

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace atelier::engine {

enum class ExecMode { train, infer };

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
  const MemoryPlan& plan() const { return plan_; }
  std::size_t arena_bytes() const { return plan_.arena_bytes; }
  // The shared conv workspace, part of the arena.
  std::size_t workspace_bytes() const { return workspace_bytes_; }

  // Host NCHW f32 of the graph's input / output extent.
  void set_input(std::span<const float> host);
  void set_target(std::span<const float> host); // train mode
  void get_output(std::span<float> host);

  void forward();
  // Train mode: loss of the output against the target, then all gradients.
  void backward(LossKind loss);

private:
  struct Slot {
    int buffer = -1; // index into plan offsets; -1: none
  };
  void* ptr(int buffer) const;
  void build_plan();

  Graph graph_;
  Backend& backend_;
  ExecMode mode_;
  MemoryPlan plan_;
  void* arena_ = nullptr;
  std::vector<int> act_;                      // per value: buffer
  std::vector<int> grad_;                     // per value: gradient buffer (train), -1 if none
  std::vector<int> argmax_;                   // per node: pooling indices buffer, -1 if none
  std::vector<std::vector<int>> grad_target_; // per node, per input: buffer its backward writes
  std::vector<int> target_buffer_;            // [0]: loss target (train)
  int workspace_ = -1;
  std::size_t workspace_bytes_ = 0;
};

} // namespace atelier::engine

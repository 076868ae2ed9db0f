// Step planning and execution. Schedule positions: forward node i at i, the
// loss at N, backward of node i at N + 1 + (N - 1 - i).
#include "core/engine/executor.h"

#include "core/base/error.h"

#include <algorithm>

namespace atelier::engine {

namespace {
struct Requests {
  std::vector<BufferRequest> list;
  int add(std::size_t bytes, int first, int last) {
    list.push_back({bytes, first, last});
    return int(list.size()) - 1;
  }
};
} // namespace

StepLayout plan_step(const Graph& graph, ExecMode mode, std::size_t elem,
                     std::size_t workspace_bytes, int channel_align) {
  const auto bytes = [&](const Nchw& s) { return stored_count(s, channel_align) * elem; };
  const auto& nodes = graph.nodes();
  const auto& values = graph.values();
  const int n_nodes = int(nodes.size());
  const bool train = mode == ExecMode::train;
  const int loss_pos = n_nodes;
  const int last_pos = train ? 2 * n_nodes : n_nodes;
  auto bwd_pos = [&](int node) { return n_nodes + 1 + (n_nodes - 1 - node); };
  StepLayout out;
  Requests req;
  // Activations: live from their producer to their last reader.
  out.act.assign(values.size(), -1);
  for (std::size_t v = 0; v < values.size(); ++v) {
    const Value& val = values[v];
    const int first = std::max(val.producer, 0);
    int last = first;
    for (int c : val.consumers) {
      last = std::max(last, c);
      // conv backward reads its input (for dw).
      if (train && nodes[std::size_t(c)].kind == OpKind::conv) last = std::max(last, bwd_pos(c));
    }
    // The output stays readable until the step ends (logging, validation).
    if (int(v) == graph.output()) last = last_pos;
    // The input is set once and may be stepped on many times.
    if (int(v) == graph.input()) last = last_pos;
    // conv backward reads its output (for act').
    if (train && val.producer >= 0 && nodes[std::size_t(val.producer)].kind == OpKind::conv)
      last = std::max(last, bwd_pos(val.producer));
    out.act[v] = req.add(bytes(val.shape), first, last);
  }
  // Pooling indices.
  out.argmax.assign(nodes.size(), -1);
  for (int i = 0; i < n_nodes; ++i)
    if (nodes[std::size_t(i)].kind == OpKind::max_pool2x2)
      out.argmax[std::size_t(i)] = req.add(
          stored_count(values[std::size_t(nodes[std::size_t(i)].output)].shape, channel_align), i,
          train ? bwd_pos(i) : i);
  out.workspace = req.add(workspace_bytes, 0, last_pos);

  out.grad.assign(values.size(), -1);
  out.grad_target.assign(nodes.size(), {});
  if (train) {
    // The target is f32 whatever the activations' storage (upload_target).
    out.target = req.add(stored_count(values[std::size_t(graph.output())].shape, channel_align) *
                             sizeof(float),
                         0, last_pos);
    // Gradients: the first writer in backward order (the last consumer, or
    // the loss for the output) writes the value's gradient buffer; later
    // writers write a scratch buffer that is added to it.
    for (std::size_t v = 1; v < values.size(); ++v) {
      const Value& val = values[v];
      const int producer_bwd = bwd_pos(val.producer);
      const int first =
          int(v) == graph.output()
              ? loss_pos
              : (val.consumers.empty() ? producer_bwd : bwd_pos(val.consumers.back()));
      out.grad[v] = req.add(bytes(val.shape), first, producer_bwd);
    }
    for (int i = 0; i < n_nodes; ++i) {
      const Node& node = nodes[std::size_t(i)];
      auto& targets = out.grad_target[std::size_t(i)];
      for (int in : node.inputs) {
        const Value& val = values[std::size_t(in)];
        if (in == graph.input()) {
          // No gradient for the input; concat still needs somewhere to write.
          targets.push_back(
              node.kind == OpKind::conv ? -1 : req.add(bytes(val.shape), bwd_pos(i), bwd_pos(i)));
        } else if (val.consumers.back() == i) {
          targets.push_back(out.grad[std::size_t(in)]);
        } else {
          targets.push_back(req.add(bytes(val.shape), bwd_pos(i), bwd_pos(i)));
        }
      }
    }
  }
  out.plan = plan_memory(req.list);
  return out;
}

Executor::Executor(Graph graph, Backend& backend, ExecMode mode)
    : graph_(std::move(graph)), backend_(backend), mode_(mode) {
  graph_.finish();
  for (const Node& n : graph_.nodes())
    if (n.inputs.size() == 2 && n.inputs[0] == n.inputs[1])
      throw Error("executor: a node reads the same value twice (" + n.name + ")");
  // The loss reads count() values of the output: its storage must hold no
  // channel padding (1 channel, or a multiple of the backend's alignment).
  const Nchw out = graph_.value(graph_.output()).shape;
  if (mode_ == ExecMode::train && stored_count(out, backend_.channel_align()) != out.count())
    throw Error("executor: the graph output's " + std::to_string(out.c) +
                " channels are stored padded on this backend; the loss needs 1 or a multiple of " +
                std::to_string(backend_.channel_align()));
  backend_.bind_graph(graph_);
  backend_.set_bound_executor(this);
  // Conv workspaces: one shared buffer, the largest any node needs for the
  // passes it runs (no data gradient of the graph's input, as plan_step).
  const bool train = mode_ == ExecMode::train;
  for (std::size_t i = 0; i < graph_.nodes().size(); ++i) {
    const Node& node = graph_.nodes()[i];
    if (node.kind != OpKind::conv) continue;
    ConvPasses passes;
    passes.backward_filter = train;
    passes.backward_data = train && node.inputs[0] != graph_.input();
    workspace_bytes_ = std::max(workspace_bytes_, backend_.prepare_conv(int(i), node.conv, passes));
  }
  layout_ = plan_step(graph_, mode_, backend_.activation_element_bytes(), workspace_bytes_,
                      backend_.channel_align());
  arena_ = backend_.allocate(layout_.plan.arena_bytes);
}

Executor::~Executor() {
  drop_graphs();
  if (arena_) backend_.deallocate(arena_);
  if (backend_.bound_executor() == this) backend_.set_bound_executor(nullptr);
}

void Executor::check_bound() const {
  if (backend_.bound_executor() != this)
    throw Error("executor: its backend has since been bound to another graph (one executor per "
                "backend at a time: make a new executor, or a backend for each)");
}

void Executor::drop_graphs() noexcept {
  for (Captured* c : {&train_graph_, &forward_graph_}) {
    if (c->graph) backend_.destroy_graph(c->graph);
    *c = {};
  }
}

void Executor::set_use_graphs(bool on) {
  use_graphs_ = on;
  if (!on) drop_graphs();
}

template <typename F>
void Executor::replay(Captured& c, LossKind loss, F&& run) {
  check_bound(); // a captured step reads the parameters and buffers it was captured with
  if (!use_graphs_ || profiling_ || !backend_.supports_graphs()) {
    run();
    return;
  }
  if (c.graph && c.loss != loss) {
    backend_.destroy_graph(c.graph);
    c = {};
  }
  if (c.graph) {
    backend_.launch_graph(c.graph);
    return;
  }
  if (c.calls++ == 0) {
    run(); // warm-up, eagerly
    return;
  }
  // A step that cannot be captured (an engine that is not capturable, an
  // invalidated capture) runs eagerly from then on: nothing captured has run,
  // so running it now is the step. A real fault shows again, eagerly.
  std::string failure;
  backend_.begin_capture();
  try {
    run();
  } catch (const std::exception& e) {
    failure = e.what();
  } catch (...) {
    failure = "an unknown error";
  }
  void* graph = nullptr;
  try {
    graph = backend_.end_capture();
  } catch (const std::exception& e) {
    if (failure.empty()) failure = e.what();
  }
  if (failure.empty() && graph) {
    c.graph = graph;
    c.loss = loss;
    backend_.launch_graph(c.graph);
    return;
  }
  if (graph) backend_.destroy_graph(graph);
  graph_failure_ = failure.empty() ? "the capture gave no graph" : failure;
  use_graphs_ = false;
  drop_graphs();
  run();
}

void Executor::train_step(LossKind loss) {
  if (mode_ != ExecMode::train) throw Error("executor: train_step in inference mode");
  replay(train_graph_, loss, [&] {
    forward();
    backward(loss);
  });
}

double Executor::evaluate(LossKind loss) {
  if (mode_ != ExecMode::train) throw Error("executor: evaluate needs a train-mode executor");
  forward();
  const int out = graph_.output();
  backend_.loss_forward(loss, ptr(layout_.act[std::size_t(out)]), ptr(layout_.target),
                        graph_.value(out).shape.count());
  return backend_.read_loss();
}

void Executor::forward_step() {
  replay(forward_graph_, LossKind::mse, [&] { forward(); });
}

void* Executor::ptr(int buffer) const {
  check_bound();
  if (buffer < 0) return nullptr;
  return static_cast<char*>(arena_) + layout_.plan.offsets[std::size_t(buffer)];
}

void* Executor::input_buffer() const {
  return ptr(layout_.act[std::size_t(graph_.input())]);
}

const void* Executor::output_buffer() const {
  return ptr(layout_.act[std::size_t(graph_.output())]);
}

void Executor::record(const std::string& op, double ms) {
  for (OpTime& t : op_times_)
    if (t.op == op) {
      t.total_ms += ms;
      ++t.calls;
      return;
    }
  op_times_.push_back({op, ms, 1});
}

template <typename F>
void Executor::timed(const char* phase, const std::string& name, F&& f) {
  if (!profiling_) {
    f();
    return;
  }
  backend_.synchronize();
  const auto t = std::chrono::steady_clock::now();
  f();
  backend_.synchronize();
  record(std::string(phase) + " " + name,
         std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
}

void Executor::set_input(std::span<const float> host) {
  const Nchw s = graph_.value(graph_.input()).shape;
  if (host.size() != s.count())
    throw Error("executor: input has " + std::to_string(host.size()) + " values, the graph needs " +
                std::to_string(s.count()));
  backend_.upload_activation(host.data(), s, ptr(layout_.act[std::size_t(graph_.input())]));
}

void Executor::set_target(std::span<const float> host) {
  if (mode_ != ExecMode::train) throw Error("executor: set_target in inference mode");
  const Nchw s = graph_.value(graph_.output()).shape;
  if (host.size() != s.count())
    throw Error("executor: target has " + std::to_string(host.size()) +
                " values, the graph output has " + std::to_string(s.count()));
  backend_.upload_target(host.data(), s, ptr(layout_.target));
}

void Executor::get_output(std::span<float> host) {
  const Nchw s = graph_.value(graph_.output()).shape;
  if (host.size() != s.count())
    throw Error("executor: output buffer has " + std::to_string(host.size()) +
                " values, the graph output has " + std::to_string(s.count()));
  backend_.download_activation(ptr(layout_.act[std::size_t(graph_.output())]), s, host.data());
}

void Executor::forward() {
  const auto& nodes = graph_.nodes();
  void* ws = ptr(layout_.workspace);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const Node& node = nodes[i];
    void* y = ptr(layout_.act[std::size_t(node.output)]);
    const void* x = ptr(layout_.act[std::size_t(node.inputs[0])]);
    const Nchw in = graph_.value(node.inputs[0]).shape;
    timed("fwd", node.name, [&] {
      switch (node.kind) {
      case OpKind::conv: backend_.conv_forward(int(i), node.conv, x, y, ws); break;
      case OpKind::max_pool2x2:
        backend_.max_pool_forward(in, x, y, static_cast<std::uint8_t*>(ptr(layout_.argmax[i])));
        break;
      case OpKind::upsample2x: backend_.upsample_forward(in, x, y); break;
      case OpKind::reflect_pad: backend_.reflect_pad_forward(in, node.pad, x, y); break;
      case OpKind::concat:
        backend_.concat_forward(in, graph_.value(node.inputs[1]).shape.c, x,
                                ptr(layout_.act[std::size_t(node.inputs[1])]), y);
        break;
      }
    });
  }
}

void Executor::backward(LossKind loss) {
  if (mode_ != ExecMode::train) throw Error("executor: backward in inference mode");
  const auto& nodes = graph_.nodes();
  const int out = graph_.output();
  const std::size_t count = graph_.value(out).shape.count();
  const void* pred = ptr(layout_.act[std::size_t(out)]);
  const void* target = ptr(layout_.target);
  timed("loss", "", [&] {
    backend_.loss_forward(loss, pred, target, count);
    backend_.loss_backward(loss, pred, target, ptr(layout_.grad[std::size_t(out)]), count);
  });
  void* ws = ptr(layout_.workspace);
  for (std::size_t r = nodes.size(); r-- > 0;) {
    const Node& node = nodes[r];
    const auto& targets = layout_.grad_target[r];
    void* dy = ptr(layout_.grad[std::size_t(node.output)]);
    const Nchw in = graph_.value(node.inputs[0]).shape;
    timed("bwd", node.name, [&] {
      switch (node.kind) {
      case OpKind::conv:
        backend_.conv_backward(int(r), node.conv, ptr(layout_.act[std::size_t(node.inputs[0])]),
                               ptr(layout_.act[std::size_t(node.output)]), dy, ptr(targets[0]), ws);
        break;
      case OpKind::max_pool2x2:
        backend_.max_pool_backward(in, static_cast<const std::uint8_t*>(ptr(layout_.argmax[r])), dy,
                                   ptr(targets[0]));
        break;
      case OpKind::upsample2x: backend_.upsample_backward(in, dy, ptr(targets[0])); break;
      case OpKind::reflect_pad:
        backend_.reflect_pad_backward(in, node.pad, dy, ptr(targets[0]));
        break;
      case OpKind::concat:
        backend_.concat_backward(in, graph_.value(node.inputs[1]).shape.c, dy, ptr(targets[0]),
                                 ptr(targets[1]));
        break;
      }
    });
    // Scratch gradients of multiply-read values join the value's gradient.
    for (std::size_t k = 0; k < node.inputs.size(); ++k) {
      const int in_value = node.inputs[k];
      if (in_value == graph_.input() || targets[k] < 0) continue;
      if (targets[k] != layout_.grad[std::size_t(in_value)])
        timed("acc", graph_.value(in_value).name, [&] {
          backend_.accumulate(ptr(layout_.grad[std::size_t(in_value)]), ptr(targets[k]),
                              stored_count(graph_.value(in_value).shape, backend_.channel_align()));
        });
    }
  }
}

} // namespace atelier::engine

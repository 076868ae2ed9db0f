// Graph building and parameter layout.
#include "core/engine/graph.h"

#include "core/base/error.h"
#include "core/nn/pool_reference.h"
#include "core/nn/upsample_reference.h"

namespace atelier::engine {

const char* op_kind_name(OpKind kind) {
  switch (kind) {
  case OpKind::conv: return "conv";
  case OpKind::max_pool2x2: return "max_pool2x2";
  case OpKind::upsample2x: return "upsample2x";
  case OpKind::concat: return "concat";
  case OpKind::reflect_pad: return "reflect_pad";
  }
  return "?";
}

namespace {
std::size_t round_up(std::size_t v, std::size_t a) {
  return (v + a - 1) / a * a;
}
} // namespace

Graph::Graph(Nchw input_shape) {
  if (input_shape.n <= 0 || input_shape.c <= 0 || input_shape.h <= 0 || input_shape.w <= 0)
    throw Error("graph input extents must be positive");
  add_value("input", input_shape, -1);
}

void Graph::check_value(int v, const char* op) const {
  if (v < 0 || std::size_t(v) >= values_.size())
    throw Error(std::string("graph: ") + op + " on an unknown value " + std::to_string(v));
  if (finished_) throw Error(std::string("graph: ") + op + " after finish()");
}

int Graph::add_value(std::string name, Nchw shape, int producer) {
  values_.push_back(Value{std::move(name), shape, producer, {}});
  return int(values_.size()) - 1;
}

int Graph::add_node(Node node, Nchw out_shape) {
  const int index = int(nodes_.size());
  for (int in : node.inputs)
    values_[std::size_t(in)].consumers.push_back(index);
  node.output = add_value(node.name, out_shape, index);
  nodes_.push_back(std::move(node));
  return nodes_.back().output;
}

void Graph::set_output(int value) {
  check_value(value, "set_output");
  output_ = value;
}

int Graph::conv(int x, int out_channels, int kernel, bool bias, Activation act, float slope,
                const std::string& prefix, Padding padding) {
  check_value(x, "conv");
  // The backward passes take the activation's derivative from its output,
  // which is exact only for activations that keep their input's sign.
  if (act == Activation::gelu_tanh || (act == Activation::leaky_relu && !(slope >= 0.0f)))
    throw Error("graph: conv " + prefix +
                ": GELU and leaky ReLU with a negative slope are not supported after a "
                "convolution (their gradient needs the pre-activation, which is not kept)");
  const bool reflect = padding == Padding::reflect && kernel / 2 > 0;
  if (reflect) x = reflect_pad(x, kernel / 2);
  const Nchw in = value(x).shape;
  Node node;
  node.kind = OpKind::conv;
  node.name = prefix;
  node.inputs = {x};
  nn::Conv2dShape& s = node.conv.shape;
  s = nn::Conv2dShape::square(in.n, in.c, in.h, in.w, out_channels, kernel, kernel,
                              reflect ? 0 : kernel / 2);
  s.validate();
  Param w;
  w.name = prefix + ".weight";
  w.shape = {out_channels, in.c, kernel, kernel};
  w.count = s.weight_count();
  w.fan_in = in.c * kernel * kernel;
  node.conv.weight = int(params_.size());
  params_.push_back(w);
  if (bias) {
    Param b;
    b.name = prefix + ".bias";
    b.shape = {out_channels};
    b.count = std::size_t(out_channels);
    b.fan_in = w.fan_in;
    b.is_weight = false;
    node.conv.bias = int(params_.size());
    params_.push_back(b);
  }
  node.conv.act = act;
  node.conv.slope = slope;
  return add_node(std::move(node), s.output());
}

int Graph::reflect_pad(int x, int pad) {
  check_value(x, "reflect_pad");
  const Nchw in = value(x).shape;
  if (pad < 0 || pad >= in.h || pad >= in.w)
    throw Error("graph: reflect pad " + std::to_string(pad) + " of " + value(x).name +
                " must be smaller than its " + std::to_string(in.h) + "x" + std::to_string(in.w) +
                " extent");
  Node node;
  node.kind = OpKind::reflect_pad;
  node.name = value(x).name + ".pad";
  node.inputs = {x};
  node.pad = pad;
  return add_node(std::move(node), Nchw{in.n, in.c, in.h + 2 * pad, in.w + 2 * pad});
}

int Graph::max_pool2x2(int x) {
  check_value(x, "max_pool2x2");
  Node node;
  node.kind = OpKind::max_pool2x2;
  node.name = value(x).name + ".pool";
  node.inputs = {x};
  return add_node(std::move(node), nn::max_pool2x2_output(value(x).shape));
}

int Graph::upsample2x(int x) {
  check_value(x, "upsample2x");
  Node node;
  node.kind = OpKind::upsample2x;
  node.name = value(x).name + ".up";
  node.inputs = {x};
  return add_node(std::move(node), nn::upsample_nearest2x_output(value(x).shape));
}

int Graph::concat(int a, int b) {
  check_value(a, "concat");
  check_value(b, "concat");
  const Nchw sa = value(a).shape, sb = value(b).shape;
  if (sa.n != sb.n || sa.h != sb.h || sa.w != sb.w)
    throw Error("graph: concat of " + value(a).name + " and " + value(b).name +
                " with different batch or spatial extents");
  Node node;
  node.kind = OpKind::concat;
  node.name = value(a).name + "+" + value(b).name;
  node.inputs = {a, b};
  return add_node(std::move(node), Nchw{sa.n, sa.c + sb.c, sa.h, sa.w});
}

void Graph::finish() {
  if (finished_) return;
  if (output_ < 0) throw Error("graph: no output set");
  std::size_t offset = 0;
  for (Param& p : params_)
    if (p.is_weight) {
      p.offset = offset;
      offset = round_up(offset + p.count, kParamAlign);
    }
  weight_count_ = offset;
  for (Param& p : params_)
    if (!p.is_weight) {
      p.offset = offset;
      offset = round_up(offset + p.count, kParamAlign);
    }
  param_count_ = offset;
  finished_ = true;
}

int Graph::find_param(const std::string& name) const {
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (params_[i].name == name) return int(i);
  return -1;
}

double Graph::forward_macs() const {
  double macs = 0;
  for (const Node& n : nodes_)
    if (n.kind == OpKind::conv)
      macs +=
          double(n.conv.shape.output_count()) * n.conv.shape.c * n.conv.shape.r * n.conv.shape.s;
  return macs;
}

} // namespace atelier::engine

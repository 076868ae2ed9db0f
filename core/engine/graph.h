// A model as a static graph of layers, built once for one input shape: values
// (activation tensors, NCHW extents), nodes (conv blocks, pooling, upsampling,
// concat) and named parameters. Parameter names are PyTorch state_dict keys
// ("enc.0.0.weight"), so checkpoints move between Atelier and PyTorch as is.
//
// Parameters live in one flat f32 buffer: all conv weights first (KCRS, as
// PyTorch stores them), then all biases, each starting at a multiple of
// kParamAlign elements, so a backend can keep a reduced-precision copy of the
// weights (and their gradients) as one contiguous range.
#pragma once

#include "core/nn/bias_activation_reference.h"
#include "core/nn/conv2d_reference.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace atelier::engine {

using nn::Activation;
using nn::Nchw;

inline constexpr std::size_t kParamAlign = 16; // elements (64 B of f32, 32 B of bf16)

// Channels a backend stores for a value of c channels when it pads to
// multiples of align (tensor cores want 8 bf16 channels): single-channel
// images stay as they are.
inline int aligned_channels(int c, int align) {
  return c > 1 && align > 1 ? (c + align - 1) / align * align : c;
}
inline std::size_t stored_count(const Nchw& s, int align) {
  return std::size_t(s.n) * std::size_t(s.h) * std::size_t(s.w) *
         std::size_t(aligned_channels(s.c, align));
}

enum class OpKind { conv, max_pool2x2, upsample2x, concat, reflect_pad };
// How a conv pads its input: zeros (in the conv) or mirrored edges (a
// reflect_pad node in front of a pad-0 conv).
enum class Padding { zero, reflect };
const char* op_kind_name(OpKind kind);

struct Value {
  std::string name;
  Nchw shape;
  int producer = -1;          // node index; -1 for the graph input
  std::vector<int> consumers; // node indices, in order
};

struct Param {
  std::string name;                // state_dict key
  std::vector<std::int64_t> shape; // KCRS for weights, {K} for biases
  std::size_t count = 0;           // elements
  std::size_t offset = 0;          // into the flat buffer, elements
  int fan_in = 1;                  // c * r * s of the layer (PyTorch's init bound)
  bool is_weight = true;
};

// A convolution followed by an optional bias and an activation (a conv
// block): y = act(conv(x, w) + b).
struct ConvNode {
  nn::Conv2dShape shape; // n, c, h, w of the input; k, r, s, padding, stride, dilation
  int weight = -1;       // param index
  int bias = -1;         // param index or -1
  Activation act = Activation::identity;
  float slope = 0.0f; // leaky ReLU
};

struct Node {
  OpKind kind = OpKind::conv;
  std::string name;
  std::vector<int> inputs; // value indices (concat: [a, b], channels of a first)
  int output = -1;         // value index
  ConvNode conv;           // kind == conv only
  int pad = 0;             // kind == reflect_pad only
};

class Graph {
public:
  // The graph input (value 0) has this extent.
  explicit Graph(Nchw input_shape);

  int input() const { return 0; }
  int output() const { return output_; }
  void set_output(int value);

  // Conv block named `prefix` (parameters prefix.weight, prefix.bias): square
  // kernel, "same" padding (kernel / 2; zeros, or mirrored edges through a
  // reflect_pad node), stride 1. Returns its output. Error for activations
  // that do not keep their input's sign (GELU, leaky ReLU with slope < 0):
  // the backward pass takes their derivative from the output.
  int conv(int x, int out_channels, int kernel, bool bias, Activation act, float slope,
           const std::string& prefix, Padding padding = Padding::zero);
  // Mirrors `pad` rows and columns on each side (pad < height and width).
  int reflect_pad(int x, int pad);
  int max_pool2x2(int x);
  int upsample2x(int x);
  int concat(int a, int b);

  const std::vector<Value>& values() const { return values_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Param>& params() const { return params_; }
  const Value& value(int v) const { return values_.at(std::size_t(v)); }

  // Lays parameters out in the flat buffer (weights, then biases). Called by
  // finish(); offsets are valid afterwards.
  void finish();
  bool finished() const { return finished_; }
  std::size_t param_count() const { return param_count_; }   // flat size, with padding
  std::size_t weight_count() const { return weight_count_; } // end of the weight range
  // Index of the parameter named name; -1 if none.
  int find_param(const std::string& name) const;

  // Multiply-adds of one forward pass (convolutions only).
  double forward_macs() const;

private:
  int add_value(std::string name, Nchw shape, int producer);
  int add_node(Node node, Nchw out_shape);
  void check_value(int v, const char* op) const;

  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<Param> params_;
  int output_ = -1;
  bool finished_ = false;
  std::size_t param_count_ = 0;
  std::size_t weight_count_ = 0;
};

} // namespace atelier::engine

// The convolutions of one Noise2Noise U-Net training step through
// CudnnConv2d (legacy API, "legacy") and/or CudnnGraphConv2d (backend graph
// API, "graph"; "graph+epilogue" adds the layer's bias and leaky ReLU, fused
// into the graph where that is faster, as the engine runs it), all autotuned
// at construction, bf16 NHWC, the same 17 layers and JSON fields as
// ../shared/bench/peer_unet_layers.py (PyTorch, cudnn.benchmark) so the two
// compare line by line. Per layer: forward + backward data + backward filter,
// median of 20 after 3 warm-up steps, timed with CUDA events.
// Napkin math: flops = 3 * 2 * batch * hw^2 * cin * cout * k^2; an H100 SXM
// peaks near 990 dense bf16 TFLOP/s, so the big layers should reach a few
// hundred, and the 1-channel stem/head layers far less (memory bound).
//
//   bench_gpu_conv2d [--crop 512] [--batch 8] [--impl legacy|graph|both] [--no-epilogue]
#include "kernels/convert.h"
#include "kernels/cudnn_conv.h"
#include "kernels/cudnn_graph_conv.h"
#include "kernels/device_info.h"
#include "kernels/stem_fold.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

using namespace atelier;

namespace {

struct Layer {
  const char* name;
  int cin, cout, k, hw_div;
};

// (name, cin, cout, k, crop / hw_div) for nf = 48, 11x11 stem, 5x5 head.
constexpr Layer kLayers[] = {
    {"enc1", 1, 48, 11, 1},   {"enc2", 48, 48, 3, 2},   {"enc3", 48, 48, 3, 4},
    {"enc4", 48, 48, 3, 8},   {"enc5", 48, 48, 3, 16},  {"enc6", 48, 48, 3, 32},
    {"dec5a", 96, 96, 3, 16}, {"dec5b", 96, 96, 3, 16}, {"dec4a", 144, 96, 3, 8},
    {"dec4b", 96, 96, 3, 8},  {"dec3a", 144, 96, 3, 4}, {"dec3b", 96, 96, 3, 4},
    {"dec2a", 144, 96, 3, 2}, {"dec2b", 96, 96, 3, 2},  {"head1", 97, 64, 5, 1},
    {"head2", 64, 32, 5, 1},  {"head3", 32, 1, 5, 1},
};

void cuda_ok(cudaError_t rc, const char* what) {
  if (rc != cudaSuccess) {
    std::fprintf(stderr, "%s failed: %s\n", what, cudaGetErrorString(rc));
    std::exit(1);
  }
}

// Device bf16 buffer filled with values in [-1, 1) from a cheap hash.
struct Bf16Buffer {
  std::uint16_t* ptr = nullptr;
  Bf16Buffer(std::size_t count, std::uint32_t seed) {
    cuda_ok(cudaMalloc(&ptr, count * 2), "cudaMalloc");
    std::vector<float> host(count);
    std::uint32_t state = seed * 2654435761u + 1;
    for (auto& v : host) {
      state = state * 1664525u + 1013904223u;
      v = float(state >> 8) / float(1u << 23) - 1.0f;
    }
    float* staging = nullptr;
    cuda_ok(cudaMalloc(&staging, count * 4), "cudaMalloc");
    cuda_ok(cudaMemcpy(staging, host.data(), count * 4, cudaMemcpyHostToDevice), "cudaMemcpy");
    kernels::convert_from_f32(staging, kernels::Storage::bf16, ptr, count, nullptr);
    cuda_ok(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
    cudaFree(staging);
  }
  ~Bf16Buffer() { cudaFree(ptr); }
  Bf16Buffer(const Bf16Buffer&) = delete;
  Bf16Buffer& operator=(const Bf16Buffer&) = delete;
};

int parse_positive(const char* text, const char* flag) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v <= 0 || v > 1 << 16) {
    std::fprintf(stderr, "%s needs a positive integer, got '%s'\n", flag, text);
    std::exit(2);
  }
  return int(v);
}

struct Timer {
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
};

constexpr int kWarmup = 3, kReps = 20;

// Median ms of forward + backward data (unless dx is null) + backward
// filter; with bias, the forward with the object's epilogue.
template <typename Conv>
double time_step(Conv& conv, const Timer& t, const void* x, void* dx, const void* w, void* dw,
                 void* y, const void* dy, const float* bias = nullptr) {
  std::vector<double> ms;
  for (int rep = 0; rep < kWarmup + kReps; ++rep) {
    cuda_ok(cudaEventRecord(t.start, t.stream), "cudaEventRecord");
    if constexpr (requires { conv.forward_epilogue(x, w, bias, y, t.stream); }) {
      if (bias)
        conv.forward_epilogue(x, w, bias, y, t.stream);
      else
        conv.forward(x, w, y, t.stream);
    } else {
      conv.forward(x, w, y, t.stream);
    }
    if (dx) conv.backward_data(dy, w, dx, t.stream);
    conv.backward_filter(x, dy, dw, t.stream);
    cuda_ok(cudaEventRecord(t.stop, t.stream), "cudaEventRecord");
    cuda_ok(cudaEventSynchronize(t.stop), "cudaEventSynchronize");
    float elapsed = 0.0f;
    cuda_ok(cudaEventElapsedTime(&elapsed, t.start, t.stop), "cudaEventElapsedTime");
    if (rep >= kWarmup) ms.push_back(elapsed);
  }
  std::sort(ms.begin(), ms.end());
  return (ms[kReps / 2 - 1] + ms[kReps / 2]) / 2;
}

} // namespace

int main(int argc, char** argv) {
  int crop = 512, batch = 8;
  bool run_legacy = true, run_graph = true, run_epilogue = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--crop") && i + 1 < argc)
      crop = parse_positive(argv[++i], "--crop");
    else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc)
      batch = parse_positive(argv[++i], "--batch");
    else if (!std::strcmp(argv[i], "--impl") && i + 1 < argc) {
      const std::string impl = argv[++i];
      if (impl != "legacy" && impl != "graph" && impl != "both") {
        std::fprintf(stderr, "--impl must be legacy, graph or both, got '%s'\n", impl.c_str());
        return 2;
      }
      run_legacy = impl != "graph";
      run_graph = impl != "legacy";
    } else if (!std::strcmp(argv[i], "--no-epilogue")) {
      run_epilogue = false;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--crop 512] [--batch 8] [--impl legacy|graph|both] "
                   "[--no-epilogue]\n",
                   argv[0]);
      return 2;
    }
  }
  if (crop % 32 != 0) {
    std::fprintf(stderr, "--crop must be a multiple of 32 (five 2x downsamplings)\n");
    return 2;
  }
  if (kernels::device_count() == 0) {
    std::printf("SKIP: no CUDA device\n");
    return 77;
  }
  run_epilogue = run_epilogue && run_graph;
  double legacy_ms = 0.0, graph_ms = 0.0, epilogue_ms = 0.0;
  try {
    Timer t;
    cuda_ok(cudaStreamCreate(&t.stream), "cudaStreamCreate");
    cuda_ok(cudaEventCreate(&t.start), "cudaEventCreate");
    cuda_ok(cudaEventCreate(&t.stop), "cudaEventCreate");
    for (const Layer& layer : kLayers) {
      const int hw = crop / layer.hw_div;
      kernels::ConvGeometry g;
      g.n = batch;
      g.c = layer.cin;
      g.h = g.w = hw;
      g.k = layer.cout;
      g.r = g.s = layer.k;
      g.pad_h = g.pad_w = layer.k / 2;
      const std::size_t in_count = std::size_t(batch) * layer.cin * hw * hw;
      const std::size_t out_count = std::size_t(batch) * layer.cout * hw * hw;
      const std::size_t w_count = std::size_t(layer.cout) * layer.cin * layer.k * layer.k;
      Bf16Buffer x(in_count, 1), dx(in_count, 2), w(w_count, 3), dw(w_count, 4), y(out_count, 5),
          dy(out_count, 6);
      const double flops =
          3.0 * 2.0 * batch * double(hw) * hw * layer.cin * layer.cout * layer.k * layer.k;
      const auto report = [&](const char* impl, double median, const std::string& engines) {
        std::fprintf(stderr, "%s %s: %s\n", layer.name, impl, engines.c_str());
        std::printf("{\"layer\":\"%s\",\"cin\":%d,\"cout\":%d,\"k\":%d,\"hw\":%d,\"ms\":%.4f,"
                    "\"tflops\":%.2f,\"impl\":\"%s\"}\n",
                    layer.name, layer.cin, layer.cout, layer.k, hw, median,
                    flops / (median * 1e-3) / 1e12, impl);
        std::fflush(stdout);
      };
      if (run_legacy) {
        kernels::CudnnConvOptions options;
        options.search = kernels::ConvAlgoSearch::measure;
        options.workspace_limit_bytes = std::size_t{1} << 30;
        kernels::CudnnConv2d conv(g, kernels::ConvDataType::bf16, kernels::ConvLayout::nhwc,
                                  options);
        const double median = time_step(conv, t, x.ptr, dx.ptr, w.ptr, dw.ptr, y.ptr, dy.ptr);
        legacy_ms += median;
        report("legacy", median, conv.algorithms());
      }
      if (run_graph) {
        kernels::CudnnGraphConvOptions options;
        options.search = kernels::ConvAlgoSearch::measure;
        options.workspace_limit_bytes = std::size_t{1} << 30;
        kernels::CudnnGraphConv2d conv(g, kernels::ConvDataType::bf16, kernels::ConvLayout::nhwc,
                                       options);
        const double median = time_step(conv, t, x.ptr, dx.ptr, w.ptr, dw.ptr, y.ptr, dy.ptr);
        graph_ms += median;
        report("graph", median, conv.algorithms());
      }
      if (run_epilogue) {
        // The engine's epilogues: bias + leaky ReLU 0.1, the output head bias only.
        const bool last = layer.cout == 1;
        kernels::CudnnGraphConvOptions options;
        options.search = kernels::ConvAlgoSearch::measure;
        options.workspace_limit_bytes = std::size_t{1} << 30;
        options.epilogue = kernels::ConvEpilogue{
            true, last ? kernels::Activation::identity : kernels::Activation::leaky_relu, 0.1f};
        kernels::CudnnGraphConv2d conv(g, kernels::ConvDataType::bf16, kernels::ConvLayout::nhwc,
                                       options);
        float* bias = nullptr;
        cuda_ok(cudaMalloc(&bias, sizeof(float) * std::size_t(layer.cout)), "cudaMalloc");
        cuda_ok(cudaMemset(bias, 0, sizeof(float) * std::size_t(layer.cout)), "cudaMemset");
        const double median = time_step(conv, t, x.ptr, dx.ptr, w.ptr, dw.ptr, y.ptr, dy.ptr, bias);
        cudaFree(bias);
        epilogue_ms += median;
        report("graph+epilogue", median, conv.algorithms());
      }
    }
    if (run_graph) {
      // The stem as the CUDA backend runs it in bf16, folded into an 11x1
      // convolution of 16 shifted copies (core/nn/stem_fold.h), next to the
      // plain one-channel layer, both without the data gradient (the stem
      // reads the input) and without the epilogue; fold_ms is the fold
      // kernel itself.
      const int hw = crop;
      const std::size_t pixels = std::size_t(batch) * hw * hw;
      Bf16Buffer x1(pixels, 7), x16(pixels * 16, 1), w(std::size_t(48) * 11 * 16, 3),
          dw(std::size_t(48) * 11 * 16, 4), y(pixels * 48, 5), dy(pixels * 48, 6);
      kernels::CudnnGraphConvOptions options;
      options.search = kernels::ConvAlgoSearch::measure;
      options.workspace_limit_bytes = std::size_t{1} << 30;
      options.backward_data = false;
      for (const bool folded : {false, true}) {
        kernels::ConvGeometry g;
        g.n = batch;
        g.c = folded ? 16 : 1;
        g.h = g.w = hw;
        g.k = 48;
        g.r = 11;
        g.s = folded ? 1 : 11;
        g.pad_h = 5;
        g.pad_w = folded ? 0 : 5;
        kernels::CudnnGraphConv2d conv(g, kernels::ConvDataType::bf16, kernels::ConvLayout::nhwc,
                                       options);
        const void* x = folded ? static_cast<const void*>(x16.ptr) : x1.ptr;
        const double conv_ms = time_step(conv, t, x, nullptr, w.ptr, dw.ptr, y.ptr, dy.ptr);
        double fold_ms = 0.0;
        if (folded) {
          kernels::stem_fold(kernels::Storage::bf16, x1.ptr, x16.ptr, batch, hw, hw, 11, 5, 16,
                             t.stream); // warm-up
          cuda_ok(cudaEventRecord(t.start, t.stream), "cudaEventRecord");
          for (int rep = 0; rep < kReps; ++rep)
            kernels::stem_fold(kernels::Storage::bf16, x1.ptr, x16.ptr, batch, hw, hw, 11, 5, 16,
                               t.stream);
          cuda_ok(cudaEventRecord(t.stop, t.stream), "cudaEventRecord");
          cuda_ok(cudaEventSynchronize(t.stop), "cudaEventSynchronize");
          float total = 0.0f;
          cuda_ok(cudaEventElapsedTime(&total, t.start, t.stop), "cudaEventElapsedTime");
          fold_ms = double(total) / kReps;
        }
        const char* name = folded ? "enc1_folded" : "enc1_no_dx";
        std::fprintf(stderr, "%s: %s\n", name, conv.algorithms().c_str());
        std::printf("{\"layer\":\"%s\",\"cin\":%d,\"cout\":48,\"k\":11,\"hw\":%d,"
                    "\"ms\":%.4f,\"fold_ms\":%.4f,\"impl\":\"graph\"}\n",
                    name, g.c, hw, conv_ms, fold_ms);
      }
      // The one-channel head as the backend runs it in bf16: 8 filters (7
      // zero) on tensor cores; compare with head3 above.
      kernels::ConvGeometry g;
      g.n = batch;
      g.c = 32;
      g.h = g.w = hw;
      g.k = 8;
      g.r = g.s = 5;
      g.pad_h = g.pad_w = 2;
      kernels::CudnnGraphConvOptions wide = options;
      wide.backward_data = true;
      kernels::CudnnGraphConv2d conv(g, kernels::ConvDataType::bf16, kernels::ConvLayout::nhwc,
                                     wide);
      Bf16Buffer x32(pixels * 32, 8), dx32(pixels * 32, 9), w8(std::size_t(8) * 25 * 32, 10),
          dw8(std::size_t(8) * 25 * 32, 11);
      const double wide_ms = time_step(conv, t, x32.ptr, dx32.ptr, w8.ptr, dw8.ptr, y.ptr, dy.ptr);
      std::fprintf(stderr, "head3_wide: %s\n", conv.algorithms().c_str());
      std::printf("{\"layer\":\"head3_wide\",\"cin\":32,\"cout\":8,\"k\":5,\"hw\":%d,"
                  "\"ms\":%.4f,\"impl\":\"graph\"}\n",
                  hw, wide_ms);
    }
    cudaEventDestroy(t.start);
    cudaEventDestroy(t.stop);
    cudaStreamDestroy(t.stream);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_gpu_conv2d: %s\n", e.what());
    return 1;
  }
  if (run_legacy)
    std::printf("{\"layer\":\"sum_of_convs\",\"ms\":%.4f,\"impl\":\"legacy\"}\n", legacy_ms);
  if (run_graph)
    std::printf("{\"layer\":\"sum_of_convs\",\"ms\":%.4f,\"impl\":\"graph\"}\n", graph_ms);
  if (run_epilogue)
    std::printf("{\"layer\":\"sum_of_convs\",\"ms\":%.4f,\"impl\":\"graph+epilogue\"}\n",
                epilogue_ms);
  return 0;
}

// CUDA runtime wrappers.
#include "kernels/cuda_check.cuh"
#include "kernels/gpu_runtime.h"

#include <cstdio>

namespace atelier::kernels {

void set_device(int device) {
  CUDA_CHECK(cudaSetDevice(device));
}

void* gpu_malloc(std::size_t bytes) {
  void* p = nullptr;
  CUDA_CHECK(cudaMalloc(&p, bytes > 0 ? bytes : 1));
  return p;
}

void gpu_free(void* p) noexcept {
  if (!p) return;
  const cudaError_t rc = cudaFree(p);
  if (rc != cudaSuccess) std::fprintf(stderr, "atelier: cudaFree: %s\n", cudaGetErrorString(rc));
}

void gpu_memset_zero(void* p, std::size_t bytes, gpu_stream stream) {
  CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, stream));
}

void copy_to_device(void* dst, const void* src, std::size_t bytes, gpu_stream stream) {
  CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream));
}

void copy_to_host(void* dst, const void* src, std::size_t bytes, gpu_stream stream) {
  CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaStreamSynchronize(stream));
}

void copy_device_to_device(void* dst, const void* src, std::size_t bytes, gpu_stream stream) {
  CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream));
}

void memory_info(std::size_t& free_bytes, std::size_t& total_bytes) {
  CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
}

void* pinned_malloc(std::size_t bytes) noexcept {
  void* p = nullptr;
  if (cudaHostAlloc(&p, bytes > 0 ? bytes : 1, cudaHostAllocDefault) != cudaSuccess) {
    cudaGetLastError(); // not sticky; clear it for the next check
    return nullptr;
  }
  return p;
}

void pinned_free(void* p) noexcept {
  if (!p) return;
  const cudaError_t rc = cudaFreeHost(p);
  if (rc != cudaSuccess)
    std::fprintf(stderr, "atelier: cudaFreeHost: %s\n", cudaGetErrorString(rc));
}

gpu_event create_event() {
  cudaEvent_t e = nullptr;
  CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  return e;
}

void destroy_event(gpu_event event) noexcept {
  if (event) cudaEventDestroy(static_cast<cudaEvent_t>(event));
}

void record_event(gpu_event event, gpu_stream stream) {
  CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(event), stream));
}

void synchronize_event(gpu_event event) {
  CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(event)));
}

gpu_stream create_stream() {
  cudaStream_t s = nullptr;
  CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  return s;
}

void destroy_stream(gpu_stream stream) noexcept {
  if (stream) cudaStreamDestroy(stream);
}

void synchronize_stream(gpu_stream stream) {
  CUDA_CHECK(cudaStreamSynchronize(stream));
}

void begin_capture(gpu_stream stream) {
  CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
}

gpu_graph end_capture(gpu_stream stream) {
  cudaGraph_t graph = nullptr;
  CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
  cudaGraphExec_t exec = nullptr;
  const cudaError_t rc = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  CUDA_CHECK(rc);
  return exec;
}

void launch_graph(gpu_graph graph, gpu_stream stream) {
  CUDA_CHECK(cudaGraphLaunch(static_cast<cudaGraphExec_t>(graph), stream));
}

void destroy_graph(gpu_graph graph) noexcept {
  if (graph) cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(graph));
}

} // namespace atelier::kernels

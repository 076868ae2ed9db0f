// The CUDA runtime calls the engine needs (memory, copies, streams, CUDA
// graphs), as plain host functions so core includes no CUDA header. Every
// call throws CudaError (cuda_error.h) with the failing expression.
#pragma once

#include "kernels/gpu_stream.h"

#include <cstddef>

namespace atelier::kernels {

void set_device(int device);
void* gpu_malloc(std::size_t bytes); // CudaError with out_of_memory() on exhaustion
void gpu_free(void* p) noexcept;
void gpu_memset_zero(void* p, std::size_t bytes, gpu_stream stream);
void copy_to_device(void* dst, const void* src, std::size_t bytes, gpu_stream stream);
void copy_to_host(void* dst, const void* src, std::size_t bytes, gpu_stream stream); // synchronous
void copy_device_to_device(void* dst, const void* src, std::size_t bytes, gpu_stream stream);
// Free and total bytes of the current device.
void memory_info(std::size_t& free_bytes, std::size_t& total_bytes);

// Page-locked host memory, which copies to the device read asynchronously;
// null when the system will not lock that much (callers fall back to
// pageable memory and synchronous copies).
void* pinned_malloc(std::size_t bytes) noexcept;
void pinned_free(void* p) noexcept;

// Events (no timing): record after queued work, wait on the host until it
// is done. Waiting on an event never recorded returns at once.
using gpu_event = void*;
gpu_event create_event();
void destroy_event(gpu_event event) noexcept;
void record_event(gpu_event event, gpu_stream stream);
void synchronize_event(gpu_event event);

gpu_stream create_stream();
void destroy_stream(gpu_stream stream) noexcept;
void synchronize_stream(gpu_stream stream);

// CUDA graphs: capture the work queued on stream between begin and end into
// an executable graph (opaque handle), then replay it with one launch.
using gpu_graph = void*;
void begin_capture(gpu_stream stream);
gpu_graph end_capture(gpu_stream stream);
void launch_graph(gpu_graph graph, gpu_stream stream);
void destroy_graph(gpu_graph graph) noexcept;

} // namespace atelier::kernels

// Ahead-of-time buffer placement by liveness: every buffer of a step (an
// activation, a gradient, a saved pooling index) is live over an interval of
// schedule positions; buffers whose intervals do not overlap may share bytes.
// The plan gives each an offset in one arena, so a step allocates nothing.
#pragma once

#include <cstddef>
#include <vector>

namespace atelier::engine {

inline constexpr std::size_t kArenaAlign = 256; // bytes; cuDNN and vector loads need >= 16

struct BufferRequest {
  std::size_t bytes = 0;
  int first = 0; // first schedule position that writes it
  int last = 0;  // last position that reads it (>= first)
};

struct MemoryPlan {
  std::vector<std::size_t> offsets; // per request, multiples of kArenaAlign
  std::vector<std::size_t> bytes;   // per request, as asked
  std::size_t arena_bytes = 0;
  std::size_t sum_bytes = 0; // without reuse, for reports
};

// Greedy placement, largest buffers first, each at the lowest offset that
// does not overlap in space any already placed buffer live at the same time.
// Deterministic. Zero-byte requests get offset 0.
MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

} // namespace atelier::engine

// Greedy best-offset placement (the strategy of TFLite's and MXNet's static
// planners): sort by size, place each at the lowest gap among conflicting
// buffers.
#include "core/engine/memory_plan.h"

#include "core/base/error.h"

#include <algorithm>
#include <numeric>

namespace atelier::engine {

namespace {
std::size_t align_up(std::size_t v) {
  return (v + kArenaAlign - 1) / kArenaAlign * kArenaAlign;
}
} // namespace

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  for (const BufferRequest& r : requests)
    plan.bytes.push_back(r.bytes);
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (const BufferRequest& r : requests) {
    if (r.last < r.first) throw Error("memory plan: a buffer is read before it is written");
    plan.sum_bytes += align_up(r.bytes);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return requests[a].bytes > requests[b].bytes;
  });
  struct Placed {
    std::size_t begin, end;
    int first, last;
  };
  std::vector<Placed> placed;
  std::vector<Placed> conflicts;
  for (std::size_t i : order) {
    const BufferRequest& r = requests[i];
    if (r.bytes == 0) continue;
    const std::size_t size = align_up(r.bytes);
    conflicts.clear();
    for (const Placed& p : placed)
      if (p.first <= r.last && r.first <= p.last) conflicts.push_back(p);
    std::sort(conflicts.begin(), conflicts.end(),
              [](const Placed& a, const Placed& b) { return a.begin < b.begin; });
    std::size_t offset = 0;
    for (const Placed& p : conflicts) {
      if (p.begin >= offset + size) break;
      offset = std::max(offset, p.end);
    }
    plan.offsets[i] = offset;
    placed.push_back({offset, offset + size, r.first, r.last});
    plan.arena_bytes = std::max(plan.arena_bytes, offset + size);
  }
  return plan;
}

} // namespace atelier::engine

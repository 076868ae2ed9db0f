// How much memory this machine has and has available, for refusing work that
// cannot fit before allocating it (Linux overcommit would otherwise let a
// large allocation through and the kernel end the process later).
#pragma once

#include <cstdint>
#include <optional>

namespace atelier {

// Physical memory in bytes; nullopt when the system does not say.
std::optional<std::uint64_t> physical_memory_bytes();

// MemAvailable of /proc/meminfo in bytes (free memory plus what the page
// cache can give back); nullopt when not known.
std::optional<std::uint64_t> available_memory_bytes();

} // namespace atelier

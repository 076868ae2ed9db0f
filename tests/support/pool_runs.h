// Checks that results do not depend on the CPU pool's size: the running test
// binary starts itself again once per pool size, each child prints a hash of
// the bits it computed, and the parent compares them.
#pragma once

#include <QString>

#include <cstddef>
#include <cstdint>

namespace atelier::test {

// FNV-1a of `bytes` bytes, continuing from `hash`.
std::uint64_t fnv1a(const void* data, std::size_t bytes,
                    std::uint64_t hash = 1469598103934665603ull);

// The child's side: prints "pool N bits H" (the CPU pool's size, the hash)
// on stdout.
void print_pool_bits(std::uint64_t hash);

enum class PoolCheck {
  same,     // every run printed the same bits, on at least two pool sizes
  differ,   // two runs printed different bits
  failed,   // a run did not finish or printed no bits
  one_size, // the same bits, but every run had the same pool size (a build
            // whose pool ignores OPENBLAS_NUM_THREADS cannot tell)
};
struct PoolCheckResult {
  PoolCheck outcome = PoolCheck::failed;
  QString detail; // the pool sizes and bits of the runs
};

// Runs the test binary with `flag` as its only argument, once each with
// OPENBLAS_NUM_THREADS 1, 2 and 3 (which size the pool; OMP_NUM_THREADS
// unset), and compares what each child printed through print_pool_bits.
PoolCheckResult check_same_bits_per_pool_size(const QString& flag);

} // namespace atelier::test

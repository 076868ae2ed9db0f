// Random numbers without hidden state for the denoise recipe: splitmix64
// mixing of (seed, counters), so a draw depends only on its coordinates (a
// resumed run repeats an uninterrupted one), and a small splitmix64 stream for
// sequential use (simulated noise). Same results on every platform, unlike
// the std:: distributions.
#pragma once

#include <cmath>
#include <cstdint>

namespace atelier::denoise {

// The splitmix64 output function: a bijective 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// One 64-bit word for the coordinates (seed, a, b, c). Each word is folded in
// after a golden-ratio step, so (a, b) and (b, a) give unrelated words.
constexpr std::uint64_t hash_words(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0,
                                   std::uint64_t c = 0) {
  constexpr std::uint64_t golden = 0x9E3779B97F4A7C15ULL;
  std::uint64_t h = mix64(seed + golden);
  h = mix64(h + golden + a);
  h = mix64(h + 2 * golden + b);
  h = mix64(h + 3 * golden + c);
  return h;
}

// An integer in [0, n) from a random word (multiply-shift; the bias is
// below n / 2^64).
inline std::uint64_t uniform_below(std::uint64_t word, std::uint64_t n) {
  __extension__ typedef unsigned __int128 u128; // GCC and clang; no -Wpedantic note
  return static_cast<std::uint64_t>((static_cast<u128>(word) * n) >> 64);
}

// A double in [0, 1) from the top 53 bits.
constexpr double unit_double(std::uint64_t word) {
  return static_cast<double>(word >> 11) * 0x1.0p-53;
}

// Sequential splitmix64 stream.
class SplitMix64 {
public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    return mix64(state_);
  }
  double uniform() { return unit_double(next()); }
  // Standard normal by Box-Muller (both values used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = 0.0;
    do {
      u1 = uniform();
    } while (u1 <= 0.0);
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    constexpr double two_pi = 6.283185307179586476925;
    spare_ = r * std::sin(two_pi * u2);
    has_spare_ = true;
    return r * std::cos(two_pi * u2);
  }

private:
  std::uint64_t state_ = 0;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

} // namespace atelier::denoise

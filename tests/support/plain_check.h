// A minimal check harness for tests that must build without Qt (the GPU-only
// build): CHECK records failures, main returns check_exit_code().
#pragma once

#include <cmath>
#include <cstdio>

namespace atelier::test {

inline int& check_failures() {
  static int n = 0;
  return n;
}

inline int check_exit_code() {
  std::printf("%s\n", check_failures() ? "FAILED" : "PASSED");
  return check_failures() ? 1 : 0;
}

// Exit code that ctest reports as skipped (SKIP_RETURN_CODE 77).
inline constexpr int kSkipExitCode = 77;

// |actual - expected| <= abs_tol + rel_tol * |expected|
inline bool near(double actual, double expected, double abs_tol, double rel_tol) {
  return std::fabs(actual - expected) <= abs_tol + rel_tol * std::fabs(expected);
}

} // namespace atelier::test

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                \
      ++atelier::test::check_failures();                                                           \
    }                                                                                              \
  } while (0)

#define CHECK_NEAR(actual, expected, abs_tol, rel_tol)                                             \
  do {                                                                                             \
    const double a_ = (actual), e_ = (expected);                                                   \
    if (!atelier::test::near(a_, e_, (abs_tol), (rel_tol))) {                                      \
      std::fprintf(stderr, "%s:%d: CHECK_NEAR failed: %s = %.17g, expected %.17g\n", __FILE__,     \
                   __LINE__, #actual, a_, e_);                                                     \
      ++atelier::test::check_failures();                                                           \
    }                                                                                              \
  } while (0)

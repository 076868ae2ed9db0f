// The CPU backend's SGEMM (see sgemm_cpu.h): OpenBLAS blocks or the
// built-in kernel, split over the CPU pool.
#include "core/nn/sgemm_cpu.h"

#include "core/base/float4.h"
#include "core/nn/cpu_pool.h"
#include "core/nn/openblas.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace atelier::nn {
namespace {

std::atomic<bool> g_force_builtin{false};

// ----------------------------------------------------------- built-in gemm

// Row-major C = op(A) op(B) + beta C with alpha 1: B is packed a KC x NC
// block at a time into NR-wide strips (on the stack: 64 KiB), each strip
// multiplied by MR rows of A in registers.
constexpr int kMR = 4, kNR = 16, kKC = 128, kNC = 128;

struct GemmArgs {
  bool trans_a, trans_b;
  int m, n, k;
  const float* a;
  int lda;
  const float* b;
  int ldb;
  float beta;
  float* c;
  int ldc;
};

// Eight floats as one vector value (one AVX register in the x86-64-v3
// clone, two SSE2 ones otherwise). Written with them, the kernel keeps its
// accumulators in registers at any optimisation level: with plain arrays,
// -O3 ran it at 9 GFLOP/s where -O2 reached 40; the loops over rows and vectors are unrolled so
// that -O2 keeps them in registers too.
using float8 = float __attribute__((vector_size(32)));
constexpr int kNV = kNR / 8; // vectors per strip row
static_assert(kNR % 8 == 0);

template <int MR>
[[gnu::always_inline]] inline void micro_kernel(int kc, const float* a, std::ptrdiff_t a_row,
                                                std::ptrdiff_t a_col, const float* bp, float* c,
                                                int ldc, int nr) {
  float8 acc[MR][kNV] = {};
  for (int k = 0; k < kc; ++k) {
    float8 b[kNV];
    std::memcpy(b, bp + std::ptrdiff_t(k) * kNR, sizeof b);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const float av = a[i * a_row + k * a_col];
#pragma GCC unroll 8
      for (int v = 0; v < kNV; ++v)
        acc[i][v] += av * b[v];
    }
  }
  for (int i = 0; i < MR; ++i) {
    float* row = c + std::ptrdiff_t(i) * ldc;
    float sums[kNR];
    std::memcpy(sums, acc[i], sizeof sums);
    for (int j = 0; j < nr; ++j)
      row[j] += sums[j];
  }
}

void pack_b(const GemmArgs& g, int k0, int kc, int j0, int nc, float* bp) {
  for (int strip = 0; strip * kNR < nc; ++strip) {
    float* dst = bp + std::ptrdiff_t(strip) * kc * kNR;
    const int jb = j0 + strip * kNR, nr = std::min(kNR, nc - strip * kNR);
    if (!g.trans_b) {
      for (int k = 0; k < kc; ++k) {
        const float* src = g.b + std::ptrdiff_t(k0 + k) * g.ldb + jb;
        float* d = dst + std::ptrdiff_t(k) * kNR;
        for (int j = 0; j < nr; ++j)
          d[j] = src[j];
        for (int j = nr; j < kNR; ++j)
          d[j] = 0.0f;
      }
    } else {
      for (int j = 0; j < kNR; ++j) {
        if (j < nr) {
          const float* src = g.b + std::ptrdiff_t(jb + j) * g.ldb + k0;
          for (int k = 0; k < kc; ++k)
            dst[std::ptrdiff_t(k) * kNR + j] = src[k];
        } else {
          for (int k = 0; k < kc; ++k)
            dst[std::ptrdiff_t(k) * kNR + j] = 0.0f;
        }
      }
    }
  }
}

// C rows [m0, m1) x columns [n0, n1).
ATELIER_HOT_LOOP void gemm_block(const GemmArgs& g, int m0, int m1, int n0, int n1) {
  for (int i = m0; i < m1; ++i) {
    float* row = g.c + std::ptrdiff_t(i) * g.ldc;
    if (g.beta == 0.0f)
      std::fill(row + n0, row + n1, 0.0f); // never read C: it may hold NaNs
    else if (g.beta != 1.0f)
      for (int j = n0; j < n1; ++j)
        row[j] *= g.beta;
  }
  alignas(64) float bp[kKC * kNC];
  const std::ptrdiff_t a_row = g.trans_a ? 1 : g.lda, a_col = g.trans_a ? g.lda : 1;
  for (int j0 = n0; j0 < n1; j0 += kNC) {
    const int nc = std::min(kNC, n1 - j0);
    for (int k0 = 0; k0 < g.k; k0 += kKC) {
      const int kc = std::min(kKC, g.k - k0);
      pack_b(g, k0, kc, j0, nc, bp);
      for (int i = m0; i < m1; i += kMR) {
        const float* a = g.a + i * a_row + k0 * a_col;
        for (int strip = 0; strip * kNR < nc; ++strip) {
          const float* b = bp + std::ptrdiff_t(strip) * kc * kNR;
          float* c = g.c + std::ptrdiff_t(i) * g.ldc + j0 + strip * kNR;
          const int nr = std::min(kNR, nc - strip * kNR);
          switch (std::min(kMR, m1 - i)) {
          case 4: micro_kernel<4>(kc, a, a_row, a_col, b, c, g.ldc, nr); break;
          case 3: micro_kernel<3>(kc, a, a_row, a_col, b, c, g.ldc, nr); break;
          case 2: micro_kernel<2>(kc, a, a_row, a_col, b, c, g.ldc, nr); break;
          default: micro_kernel<1>(kc, a, a_row, a_col, b, c, g.ldc, nr); break;
          }
        }
      }
    }
  }
}

// Runs block(m0, m1, n0, n1) over C cut into blocks of whole strips of
// columns (N) or groups of rows (M), whichever C has more of: at most
// kGemmBlocks blocks of at least kGemmBlockUnits strips or groups, a cut
// that depends on the shape only. The pool's threads take runs of blocks,
// so each element comes from the same call whatever the thread count, and
// the result is the same bits (cut per thread, OpenBLAS's edge kernels
// summed some columns differently with 1 and 2 threads).
constexpr int kGemmBlocks = 16;
constexpr int kGemmBlockUnits = 4;

template <typename Block>
void split_gemm(const GemmArgs& g, const Block& block) {
  const std::size_t work = std::size_t(g.m) * g.n + (std::size_t(g.m) + g.n) * g.k;
  const int n_units = (g.n + kNR - 1) / kNR, m_units = (g.m + kMR - 1) / kMR;
  const bool split_n = n_units >= m_units;
  const int units = split_n ? n_units : m_units;
  const int blocks =
      work < kCpuPoolMinParallelFloats ? 1 : std::clamp(units / kGemmBlockUnits, 1, kGemmBlocks);
  const int parts = cpu_pool_parts(work, std::size_t(blocks));
  auto part = [&](int p) {
    for (int b = blocks * p / parts; b < blocks * (p + 1) / parts; ++b) {
      const int u0 = int(std::int64_t(units) * b / blocks),
                u1 = int(std::int64_t(units) * (b + 1) / blocks);
      if (split_n)
        block(0, g.m, u0 * kNR, std::min(g.n, u1 * kNR));
      else
        block(u0 * kMR, std::min(g.m, u1 * kMR), 0, g.n);
    }
  };
  cpu_parallel_parts(parts, part);
}

bool use_blas() {
#if ATELIER_HAVE_BLAS
  return !g_force_builtin.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

#if ATELIER_HAVE_BLAS
void blas_block(const GemmArgs& g, int m0, int m1, int n0, int n1) {
  const float* pa = g.a + (g.trans_a ? m0 : std::ptrdiff_t(m0) * g.lda);
  const float* pb = g.b + (g.trans_b ? std::ptrdiff_t(n0) * g.ldb : n0);
  cblas_sgemm(CblasRowMajor, g.trans_a ? CblasTrans : CblasNoTrans,
              g.trans_b ? CblasTrans : CblasNoTrans, m1 - m0, n1 - n0, g.k, 1.0f, pa, g.lda, pb,
              g.ldb, g.beta, g.c + std::ptrdiff_t(m0) * g.ldc + n0, g.ldc);
}
#endif

} // namespace

void sgemm_cpu(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
               const float* b, int ldb, float beta, float* c, int ldc) {
  const GemmArgs g{trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc};
#if ATELIER_HAVE_BLAS
  if (use_blas()) {
    // OpenBLAS runs single-threaded (see cpu_pool.cpp) on each part, or
    // whole on its own threads when it is an OpenMP build.
    if (cpu_pool_splits_blas())
      split_gemm(g, [&g](int m0, int m1, int n0, int n1) { blas_block(g, m0, m1, n0, n1); });
    else
      blas_block(g, 0, m, 0, n);
    return;
  }
#endif
  split_gemm(g, [&g](int m0, int m1, int n0, int n1) { gemm_block(g, m0, m1, n0, n1); });
}

void sgemm_cpu_serial(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                      const float* b, int ldb, float beta, float* c, int ldc) {
  const GemmArgs g{trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc};
#if ATELIER_HAVE_BLAS
  if (use_blas()) {
    blas_block(g, 0, m, 0, n);
    return;
  }
#endif
  gemm_block(g, 0, m, 0, n);
}

const char* sgemm_cpu_backend_name() {
  return use_blas() ? "openblas" : "builtin-gemm";
}

void set_sgemm_cpu_force_builtin(bool force) {
  g_force_builtin.store(force);
}

} // namespace atelier::nn

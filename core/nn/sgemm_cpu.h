// Row-major single-precision matrix products for the CPU backend: OpenBLAS
// when the build found it (single-threaded on blocks the CPU pool splits,
// see cpu_pool.h), else a built-in blocked kernel on the same pool.
#pragma once

namespace atelier::nn {

// C = op(A) op(B) + beta C (alpha 1), m x n, inner size k; op transposes
// when trans_*. beta 0 never reads C (it may hold NaNs). Split over the CPU
// pool's threads when large enough.
void sgemm_cpu(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
               const float* b, int ldb, float beta, float* c, int ldc);
// The same on the calling thread alone, for callers that spread several
// products over the pool themselves (only when cpu_pool_splits_blas()).
void sgemm_cpu_serial(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                      const float* b, int ldb, float beta, float* c, int ldc);

// "openblas" or "builtin-gemm".
const char* sgemm_cpu_backend_name();
// Test hook: the built-in kernel even when OpenBLAS is available.
void set_sgemm_cpu_force_builtin(bool force);

} // namespace atelier::nn

// FFTW plans shared per process and transform buffers kept per thread, for
// the transform classes (RealFft2d, RealFftPlane, TilePairFft).
//
// Plans are made once per shape under a lock (FFTW's planner is not
// thread-safe) and never destroyed; executing one on other arrays of the same
// alignment is allowed, and fftwf_malloc gives that alignment. FFTW's wisdom
// (its timings of algorithms on this machine) is kept in
// ~/.cache/atelier/fftw3f.wisdom (ATELIER_FFTW_WISDOM names another file; an
// empty value turns it off), so planning happens once per machine.
#pragma once

#include <cstddef>

namespace atelier::metrics {

enum class FftKind {
  real_forward,   // r2c: height x width reals to height x (width / 2 + 1) coefficients
  real_inverse,   // c2r: the reverse
  complex_forward // c2c: height x width complex values, in a separate output
};

// How hard the planner looks. measure: a fraction of a second per shape.
// patient: seconds, once per machine (wisdom), for the shape import
// transforms thousands of times; its plans are 25-30% faster on AVX machines.
enum class PlanEffort { measure, patient };

// An fftwf_plan. Planes above 4 Mpx get FFTW's estimate whatever the effort
// (measuring them would block every thread for seconds). Throws Error when
// FFTW cannot plan.
void* shared_fftw_plan(FftKind kind, int width, int height,
                       PlanEffort effort = PlanEffort::measure);

// Two fftwf_malloc buffers kept by one thread between transforms of one
// shape: an import worker transforms thousands of tiles of one size, and
// fresh buffers each time cost more in page faults (zeroing megabytes) than
// the windowing pass itself. Declare one thread_local per transform class.
class KeptBuffers {
public:
  ~KeptBuffers();
  // The kept buffers of these sizes (reallocated when the sizes changed),
  // or false when they are already leased (a second transform object alive
  // on this thread) or cannot be allocated: the caller allocates its own.
  bool lease(std::size_t first_bytes, std::size_t second_bytes, void*& first, void*& second);
  void release() { leased_ = false; }

private:
  std::size_t first_bytes_ = 0, second_bytes_ = 0;
  void* first_ = nullptr;
  void* second_ = nullptr;
  bool leased_ = false;
};

// A transform object's two buffers: the thread's kept ones when `keep` and
// they are free, else its own (fftwf_malloc; throws Error naming `what`
// when they cannot be had). Released or freed on destruction, which must
// happen on the thread that made them.
class FftBuffers {
public:
  FftBuffers(KeptBuffers* kept, std::size_t first_bytes, std::size_t second_bytes,
             const char* what);
  ~FftBuffers();
  FftBuffers(const FftBuffers&) = delete;
  FftBuffers& operator=(const FftBuffers&) = delete;

  void* first() const { return first_; }
  void* second() const { return second_; }

private:
  KeptBuffers* leased_from_ = nullptr;
  void* first_ = nullptr;
  void* second_ = nullptr;
};

} // namespace atelier::metrics

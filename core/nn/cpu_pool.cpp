// The CPU backend's thread pool (see cpu_pool.h).
#include "core/nn/cpu_pool.h"
#include "core/nn/openblas.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace atelier::nn {
namespace {

// Waits about this long, polling, before sleeping: the training step runs
// its parallel parts back to back, and waking sleeping threads (a futex call
// each way) cost about a third of unet-small's step on a 2-core virtual
// machine (58.7 ms -> 35.2 ms polling).
constexpr auto kSpin = std::chrono::microseconds(50);

// Polls ready() with pause instructions for up to kSpin; whether it became
// true.
template <typename Ready>
bool spin_until(const Ready& ready) {
  const auto until = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (std::chrono::steady_clock::now() >= until) return ready();
  }
}

// A fixed set of workers that run parts 1..n-1 of a task while the caller
// runs part 0. Tasks are plain loops over disjoint memory and never throw.
// A second caller (another engine thread) finding the pool busy runs its
// parts itself, serially, rather than waiting. Every worker answers every
// task (those past its parts at once), so none can still be reading one
// task's fields when the next is posted; waiting threads poll for kSpin
// before sleeping.
class ThreadPool {
public:
  using Task = void (*)(void* context, int part);

  explicit ThreadPool(int threads) : size_(std::max(1, threads)) {
    for (int id = 1; id < size_; ++id)
      workers_.emplace_back([this, id] { work(id); });
  }
  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stop_.store(true);
    }
    wake_.notify_all();
    for (auto& t : workers_)
      t.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return size_; }

  // parts <= size() (cpu_pool_run folds larger counts).
  void run(int parts, Task task, void* context) {
    if (parts <= 1 || !busy_.try_lock()) {
      for (int p = 0; p < parts; ++p)
        task(context, p);
      return;
    }
    task_ = task;
    context_ = context;
    parts_ = parts;
    pending_.store(size_ - 1, std::memory_order_relaxed);
    bool sleepers = false;
    {
      // Under the lock, so a worker about to sleep either sees the new
      // generation or is counted and woken.
      std::lock_guard lock(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
      sleepers = sleepers_ > 0;
    }
    if (sleepers) wake_.notify_all();
    task(context, 0);
    if (!spin_until([this] { return pending_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    busy_.unlock();
  }

private:
  void work(int id) {
    std::uint64_t seen = 0;
    for (;;) {
      const auto posted = [&] {
        return stop_.load(std::memory_order_relaxed) ||
               generation_.load(std::memory_order_acquire) != seen;
      };
      if (!spin_until(posted)) {
        std::unique_lock lock(mutex_);
        ++sleepers_;
        wake_.wait(lock, posted);
        --sleepers_;
      }
      if (stop_.load()) return;
      seen = generation_.load(std::memory_order_acquire);
      // The fields were written before the generation was published, and
      // stay until every worker has answered.
      if (id < parts_) task_(context_, id);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard lock(mutex_); // the caller checks pending_ under it
        done_.notify_one();
      }
    }
  }

  const int size_;
  std::vector<std::thread> workers_;
  std::mutex busy_; // held for the whole of one run()
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  int sleepers_ = 0; // workers waiting on wake_ (under mutex_)
  Task task_ = nullptr;
  void* context_ = nullptr;
  int parts_ = 0;
};

// Whether the pool splits SGEMMs (see cpu_pool_splits_blas); set with the pool.
bool splits_blas = false;

int default_threads() {
#if ATELIER_HAVE_BLAS
  // OPENBLAS_NUM_THREADS / OMP_NUM_THREADS are honoured through OpenBLAS,
  // whose own threads are then retired: the pool splits each SGEMM and
  // OpenBLAS runs every part on the calling thread. Its workers would
  // otherwise spin (sched_yield) between calls, taking cores from the pool
  // (measured: about a quarter of a 2-core training step). An OpenMP build
  // (openblas_get_parallel() == 2) reads its thread count per calling thread,
  // so there the pool leaves SGEMMs whole to OpenBLAS's own threads.
  const int n = openblas_get_num_threads();
  splits_blas = openblas_get_parallel() != 2;
  if (splits_blas) openblas_set_num_threads(1);
#else
  const int n = int(std::thread::hardware_concurrency());
  splits_blas = true; // the built-in GEMM runs single-threaded on each part
#endif
  return std::clamp(n, 1, 64);
}

ThreadPool& pool() {
  static ThreadPool instance(default_threads());
  return instance;
}

} // namespace

int cpu_pool_size() {
  return pool().size();
}

bool cpu_pool_splits_blas() {
  pool();
  return splits_blas;
}

int cpu_pool_parts(std::size_t floats, std::size_t max_parts) {
  if (floats < kCpuPoolMinParallelFloats) return 1;
  return int(
      std::min<std::size_t>(std::size_t(cpu_pool_size()), std::max<std::size_t>(1, max_parts)));
}

void cpu_pool_run(int parts, void (*task)(void* context, int part), void* context) {
  ThreadPool& p = pool();
  if (parts <= p.size()) return p.run(parts, task, context);
  // More parts than threads: thread t runs parts t, t + size, t + 2 size ...
  struct Folded {
    void (*task)(void*, int);
    void* context;
    int parts, stride;
  } folded{task, context, parts, p.size()};
  p.run(
      p.size(),
      [](void* c, int t) {
        const auto& f = *static_cast<const Folded*>(c);
        for (int part = t; part < f.parts; part += f.stride)
          f.task(f.context, part);
      },
      &folded);
}

} // namespace atelier::nn

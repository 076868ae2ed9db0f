// PairLoader: worker pool, LRU pair cache with in-flight de-duplication, and
// per-step batch jobs.
#include "core/recipes/denoise/pair_loader.h"

#include "core/base/error.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <future>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace atelier::denoise {

namespace {

// Buffers of a prefetched step, shared with its sample tasks. Kept apart
// from the futures: a task state owns its lambda, so a lambda that owned the
// futures' holder would make a reference cycle.
struct BatchBuffers {
  std::vector<float> input, target;
};

// A prefetched step: its buffers and one future per sample.
struct BatchJob {
  int batch = 0;
  std::shared_ptr<BatchBuffers> buffers;
  std::vector<std::future<void>> parts;
};

// Waits for every part, then rethrows the first error.
void finish(std::vector<std::future<void>>& parts) {
  for (auto& f : parts)
    f.wait();
  std::exception_ptr first;
  for (auto& f : parts) {
    try {
      f.get();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

} // namespace

struct PairLoader::Impl {
  Impl(std::vector<ImagePair> p, LoaderOptions o)
      : pairs(std::move(p)), options(std::move(o)),
        sampler(pairs.size(), options.crop, options.seed, options.swap_halves) {
    if (options.threads < 1)
      throw Error("pair loader: threads must be >= 1, not " + std::to_string(options.threads));
    workers.reserve(static_cast<std::size_t>(options.threads));
    try {
      for (int i = 0; i < options.threads; ++i)
        workers.emplace_back([this] { work(); });
    } catch (...) {
      stop();
      throw;
    }
  }

  ~Impl() { stop(); }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(queue_mutex);
      stopping = true;
      queue.clear(); // their futures report broken_promise; nobody waits on them now
    }
    queue_cv.notify_all();
    for (auto& t : workers)
      t.join();
    workers.clear();
  }

  void work() {
    for (;;) {
      std::packaged_task<void()> task;
      {
        std::unique_lock<std::mutex> lock(queue_mutex);
        queue_cv.wait(lock, [this] { return stopping || !queue.empty(); });
        if (stopping) return;
        task = std::move(queue.front());
        queue.pop_front();
      }
      task(); // exceptions land in the task's future
    }
  }

  std::future<void> submit(std::packaged_task<void()> task) {
    std::future<void> f = task.get_future();
    {
      std::lock_guard<std::mutex> lock(queue_mutex);
      if (stopping) throw Error("pair loader: shutting down");
      queue.push_back(std::move(task));
    }
    queue_cv.notify_one();
    return f;
  }

  std::shared_ptr<const LoadedPair> decode(std::size_t index) const {
    const ImagePair& p = pairs[index];
    auto lp = std::make_shared<LoadedPair>(load_pair(p));
    const int crop = options.crop.crop;
    if (lp->height < crop || lp->width < crop)
      throw FormatError(p.odd_path, "image " + std::to_string(lp->width) + "x" +
                                        std::to_string(lp->height) + " is smaller than the " +
                                        std::to_string(crop) + "x" + std::to_string(crop) +
                                        " crop");
    if (options.normalization)
      normalize_pair(*lp, *options.normalization);
    else
      normalize_pair(*lp);
    return lp;
  }

  // Caller holds cache_mutex.
  void insert(std::size_t index, const std::shared_ptr<const LoadedPair>& lp) {
    const std::size_t bytes = lp->byte_size();
    if (bytes > options.cache_bytes) return; // used once, not kept
    while (!lru.empty() && cached_bytes + bytes > options.cache_bytes) {
      const std::size_t victim = lru.back();
      lru.pop_back();
      auto it = cache.find(victim);
      cached_bytes -= it->second.pair->byte_size();
      cache.erase(it);
    }
    lru.push_front(index);
    cache[index] = CacheEntry{lp, lru.begin()};
    cached_bytes += bytes;
  }

  std::shared_ptr<const LoadedPair> get_pair(std::size_t index) {
    if (index >= pairs.size()) throw Error("pair loader: pair index out of range");
    std::promise<std::shared_ptr<const LoadedPair>> promise;
    {
      std::unique_lock<std::mutex> lock(cache_mutex);
      if (auto it = cache.find(index); it != cache.end()) {
        lru.splice(lru.begin(), lru, it->second.pos);
        ++hits;
        return it->second.pair;
      }
      if (auto it = inflight.find(index); it != inflight.end()) {
        // Another worker is decoding this pair: share its result or error.
        auto shared = it->second;
        ++hits;
        lock.unlock();
        return shared.get();
      }
      inflight.emplace(index, promise.get_future().share());
      ++decodes;
    }
    std::shared_ptr<const LoadedPair> lp;
    try {
      lp = decode(index);
    } catch (...) {
      {
        std::lock_guard<std::mutex> lock(cache_mutex);
        inflight.erase(index); // not cached: a later request tries again
      }
      promise.set_exception(std::current_exception());
      throw;
    }
    {
      std::lock_guard<std::mutex> lock(cache_mutex);
      insert(index, lp);
      inflight.erase(index);
    }
    promise.set_value(lp);
    return lp;
  }

  void sample(std::int64_t step, int slot, float* input, float* target) {
    const std::shared_ptr<const LoadedPair> lp = get_pair(sampler.pair_index(step, slot));
    const CropDraw d = sampler.draw(step, slot, lp->height, lp->width);
    const float* in_img = d.swap ? lp->even.data() : lp->odd.data();
    const float* tgt_img = d.swap ? lp->odd.data() : lp->even.data();
    cut_crop(in_img, lp->height, lp->width, d, input);
    cut_crop(tgt_img, lp->height, lp->width, d, target);
  }

  // One task per sample, writing into input / target (kept alive by keep).
  std::vector<std::future<void>> launch(std::int64_t step, int batch, float* input, float* target,
                                        const std::shared_ptr<BatchBuffers>& keep) {
    const std::size_t area = crop_area();
    std::vector<std::future<void>> parts;
    parts.reserve(static_cast<std::size_t>(batch));
    try {
      for (int s = 0; s < batch; ++s) {
        float* in = input + static_cast<std::size_t>(s) * area;
        float* tgt = target + static_cast<std::size_t>(s) * area;
        parts.push_back(submit(std::packaged_task<void()>(
            [this, step, s, in, tgt, keep] { sample(step, s, in, tgt); })));
      }
    } catch (...) {
      // Tasks already queued write into input / target: let them finish.
      for (auto& f : parts)
        f.wait();
      throw;
    }
    return parts;
  }

  std::size_t crop_area() const {
    return static_cast<std::size_t>(options.crop.crop) *
           static_cast<std::size_t>(options.crop.crop);
  }

  std::vector<ImagePair> pairs;
  LoaderOptions options;
  CropSampler sampler;

  struct CacheEntry {
    std::shared_ptr<const LoadedPair> pair;
    std::list<std::size_t>::iterator pos;
  };
  mutable std::mutex cache_mutex;
  std::list<std::size_t> lru; // front: most recently used
  std::unordered_map<std::size_t, CacheEntry> cache;
  std::unordered_map<std::size_t, std::shared_future<std::shared_ptr<const LoadedPair>>> inflight;
  std::size_t cached_bytes = 0;
  std::uint64_t decodes = 0, hits = 0;

  std::mutex batch_mutex;
  std::map<std::int64_t, std::shared_ptr<BatchJob>> prefetched;

  std::mutex queue_mutex;
  std::condition_variable queue_cv;
  std::deque<std::packaged_task<void()>> queue;
  bool stopping = false;
  std::vector<std::thread> workers; // last: joined in ~Impl before the rest goes
};

PairLoader::PairLoader(std::vector<ImagePair> pairs, LoaderOptions options)
    : impl_(std::make_unique<Impl>(std::move(pairs), std::move(options))) {}

PairLoader::~PairLoader() = default;

void PairLoader::fill_batch(std::int64_t step, int batch, float* input_nchw, float* target_nchw) {
  if (batch < 1) throw Error("pair loader: batch size must be >= 1, not " + std::to_string(batch));
  if (!input_nchw || !target_nchw) throw Error("pair loader: null batch buffer");
  std::shared_ptr<BatchJob> job;
  {
    std::lock_guard<std::mutex> lock(impl_->batch_mutex);
    if (auto it = impl_->prefetched.find(step); it != impl_->prefetched.end()) {
      if (it->second->batch == batch) job = it->second;
    }
    // Running tasks of dropped jobs keep their buffers alive themselves.
    impl_->prefetched.erase(impl_->prefetched.begin(), impl_->prefetched.upper_bound(step));
  }
  if (job) {
    finish(job->parts);
    const BatchBuffers& b = *job->buffers;
    std::memcpy(input_nchw, b.input.data(), b.input.size() * sizeof(float));
    std::memcpy(target_nchw, b.target.data(), b.target.size() * sizeof(float));
    return;
  }
  auto parts = impl_->launch(step, batch, input_nchw, target_nchw, nullptr);
  finish(parts);
}

void PairLoader::prefetch(std::int64_t step, int batch) {
  if (batch < 1) throw Error("pair loader: batch size must be >= 1, not " + std::to_string(batch));
  std::lock_guard<std::mutex> lock(impl_->batch_mutex);
  if (auto it = impl_->prefetched.find(step);
      it != impl_->prefetched.end() && it->second->batch == batch)
    return;
  auto job = std::make_shared<BatchJob>();
  job->batch = batch;
  const std::size_t n = static_cast<std::size_t>(batch) * impl_->crop_area();
  job->buffers = std::make_shared<BatchBuffers>();
  job->buffers->input.resize(n);
  job->buffers->target.resize(n);
  job->parts = impl_->launch(step, batch, job->buffers->input.data(), job->buffers->target.data(),
                             job->buffers);
  impl_->prefetched[step] = std::move(job);
}

std::shared_ptr<const LoadedPair> PairLoader::pair(std::size_t index) {
  return impl_->get_pair(index);
}

const CropSampler& PairLoader::sampler() const {
  return impl_->sampler;
}
const std::vector<ImagePair>& PairLoader::pairs() const {
  return impl_->pairs;
}

LoaderStats PairLoader::stats() const {
  std::lock_guard<std::mutex> lock(impl_->cache_mutex);
  return {impl_->decodes, impl_->hits, impl_->cache.size(), impl_->cached_bytes};
}

} // namespace atelier::denoise

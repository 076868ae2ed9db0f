// The Noise2Noise input pipeline on the CPU: a thread pool that decodes and
// normalises image pairs into a bounded LRU cache and cuts the augmented
// crops of each training step into NCHW batches, optionally a step ahead.
#pragma once

#include "core/recipes/denoise/crop_sampler.h"
#include "core/recipes/denoise/pair_image.h"
#include "core/recipes/denoise/pair_list.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace atelier::denoise {

struct LoaderOptions {
  int threads = 4;                                // decode / crop workers (>= 1)
  std::size_t cache_bytes = std::size_t{2} << 30; // decoded pairs kept, in bytes
  CropSpec crop;
  std::uint64_t seed = 0;
  // Per sample, randomly train even -> odd instead of odd -> even (Topaz).
  bool swap_halves = true;
  // A dataset-wide record; unset: each image normalised by its own statistics.
  std::optional<NormalizationRecord> normalization;
};

struct LoaderStats {
  std::uint64_t decodes = 0;    // pairs decoded (cache misses)
  std::uint64_t cache_hits = 0; // requests served without decoding (cached or in flight)
  std::size_t cached_pairs = 0;
  std::size_t cached_bytes = 0;
};

class PairLoader {
public:
  // Throws Error for an empty pair list, threads < 1 or a crop size < 1.
  // Files are not opened here: errors surface from fill_batch.
  PairLoader(std::vector<ImagePair> pairs, LoaderOptions options);
  // Drops queued work, waits for running tasks and joins the workers.
  ~PairLoader();
  PairLoader(const PairLoader&) = delete;
  PairLoader& operator=(const PairLoader&) = delete;

  // Fills input and target, each batch x 1 x crop x crop floats, with the
  // crops of step (sample s from CropSampler draw (step, s)). Uses the
  // prefetched batch of this step when there is one of the same size.
  // Rethrows the first error of its samples (FormatError for unreadable or
  // too small images) after all of them have finished. Thread-safe.
  void fill_batch(std::int64_t step, int batch, float* input_nchw, float* target_nchw);
  // Starts preparing the batch of a later step on the pool, so that
  // fill_batch(step, batch, ...) only copies. Errors are kept for fill_batch.
  // Prefetched batches of steps before a filled step are discarded.
  void prefetch(std::int64_t step, int batch);

  // Pair `index`, decoded and normalised, through the cache.
  std::shared_ptr<const LoadedPair> pair(std::size_t index);
  const CropSampler& sampler() const;
  const std::vector<ImagePair>& pairs() const;
  LoaderStats stats() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace atelier::denoise

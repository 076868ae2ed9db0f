// The run's normalisation scheme in run.json, and a pair list's pooled
// statistics (see run_normalisation.h).
#include "core/recipes/denoise/run_normalisation.h"

#include "core/base/error.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <system_error>
#include <thread>

namespace atelier::denoise {
namespace {

constexpr const char* kPerImage = "per_image_mean_std";
constexpr const char* kDataset = "dataset_mean_std";

} // namespace

NormalizationRecord PixelMoments::record() const {
  return {mean, n > 0 ? std::sqrt(m2 / n) : 0.0};
}

PixelMoments pixel_moments(double count, const NormalizationRecord& r) {
  return {count, r.mean, r.std * r.std * count};
}

PixelMoments image_moments(std::span<const float> pixels) {
  return pixel_moments(static_cast<double>(pixels.size()), image_statistics(pixels));
}

PixelMoments merge_moments(const PixelMoments& a, const PixelMoments& b) {
  const double n = a.n + b.n;
  if (n == 0) return {};
  const double delta = b.mean - a.mean;
  return {n, a.mean + delta * (b.n / n), a.m2 + b.m2 + delta * delta * (a.n * b.n / n)};
}

NormalisationScheme parse_normalisation_scheme(const std::string& name) {
  if (name == "image") return NormalisationScheme::per_image;
  if (name == "dataset") return NormalisationScheme::dataset;
  throw Error("--normalisation must be image or dataset, not '" + name + "'");
}

const char* normalisation_scheme_name(NormalisationScheme scheme) {
  return scheme == NormalisationScheme::dataset ? "dataset" : "image";
}

void check_normalisation_record(const NormalizationRecord& record, const std::string& what) {
  if (!std::isfinite(record.mean) || !std::isfinite(record.std) || !(record.std >= kStdFloor))
    throw Error(what + ": a normalisation record needs a finite mean and a std of at least " +
                std::to_string(kStdFloor) + " (mean " + std::to_string(record.mean) + ", std " +
                std::to_string(record.std) + ")");
}

void write_normalisation_json(JsonWriter& j, const RunNormalisation& n) {
  j.begin_object();
  if (n.scheme == NormalisationScheme::dataset) {
    j.key("scheme").value(kDataset);
    j.key("mean").value(n.record.mean);
    j.key("std").value(n.record.std);
    j.key("source").value(n.source);
    j.key("description")
        .value("every half sum is shifted by the dataset's mean and scaled by its std, in "
               "training and in inference");
  } else {
    j.key("scheme").value(kPerImage);
    j.key("description")
        .value("each half sum is shifted to mean 0 and scaled to std 1 over its own pixels, in "
               "training and in inference");
  }
  j.end_object();
}

RunNormalisation read_normalisation_json(const run::JsonNode* node,
                                         const std::string& source_name) {
  RunNormalisation out;
  if (!node) return out;
  const run::JsonNode* scheme = node->find("scheme");
  if (!scheme || scheme->kind != run::JsonNode::Kind::string)
    throw FormatError(source_name, "the normalisation has no scheme");
  if (scheme->text == kPerImage) return out;
  if (scheme->text != kDataset)
    throw FormatError(source_name, "unknown normalisation scheme '" + scheme->text + "'");
  const run::JsonNode* mean = node->find("mean");
  const run::JsonNode* spread = node->find("std");
  if (!mean || !spread || !mean->is_number() || !spread->is_number())
    throw FormatError(source_name, "the dataset normalisation lacks a numeric mean and std");
  out.scheme = NormalisationScheme::dataset;
  out.record = {mean->number, spread->number};
  if (const run::JsonNode* s = node->find("source"); s && s->kind == run::JsonNode::Kind::string)
    out.source = s->text;
  try {
    check_normalisation_record(out.record, "the run");
  } catch (const Error& e) {
    throw FormatError(source_name, e.what());
  }
  return out;
}

RunNormalisation normalisation_of_recipe(const std::string& recipe_json,
                                         const std::string& source_name) {
  if (recipe_json.empty()) return {};
  const run::JsonNode root = run::parse_json(recipe_json, source_name);
  return read_normalisation_json(root.find("normalisation"), source_name);
}

NormalizationRecord
pairs_statistics(const std::vector<ImagePair>& pairs, int threads,
                 const std::function<void(std::size_t, std::size_t)>& progress) {
  if (pairs.empty()) throw Error("normalisation: no pairs to measure");
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::vector<PixelMoments> per_pair(pairs.size());
  std::vector<std::exception_ptr> errors(pairs.size()); // no allocation while failing
  std::atomic<std::size_t> next{0};
  // The lowest failing index so far: workers stop claiming pairs above it
  // but finish every pair below it, so the error reported is the first bad
  // pair in list order, whatever the threads did.
  std::atomic<std::size_t> first_bad{kNone};
  std::mutex mutex; // guards done and the progress calls
  std::size_t done = 0;
  auto work = [&]() noexcept {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= pairs.size() || i > first_bad.load()) return;
      try {
        const LoadedPair lp = load_pair(pairs[i]);
        per_pair[i] = merge_moments(image_moments(lp.odd), image_moments(lp.even));
        std::lock_guard<std::mutex> lock(mutex);
        ++done;
        if (progress) progress(done, pairs.size());
      } catch (...) {
        errors[i] = std::current_exception();
        std::size_t seen = first_bad.load();
        while (i < seen && !first_bad.compare_exchange_weak(seen, i)) {
        }
      }
    }
  };
  const std::size_t n_threads =
      std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), 1, pairs.size());
  std::vector<std::thread> workers;
  workers.reserve(n_threads);
  for (std::size_t t = 1; t < n_threads; ++t) {
    try {
      workers.emplace_back(work);
    } catch (const std::system_error&) {
      break; // no more threads to be had: the ones running (and this one) do the rest
    }
  }
  work();
  for (std::thread& w : workers)
    w.join();
  if (const std::size_t bad = first_bad.load(); bad != kNone) std::rethrow_exception(errors[bad]);
  PixelMoments all;
  for (const PixelMoments& m : per_pair)
    all = merge_moments(all, m);
  return all.record();
}

} // namespace atelier::denoise

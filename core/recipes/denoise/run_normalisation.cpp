// The run's normalisation scheme in run.json, and a pair list's pooled
// statistics (see run_normalisation.h).
#include "core/recipes/denoise/run_normalisation.h"

#include "core/base/error.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

namespace atelier::denoise {
namespace {

constexpr const char* kPerImage = "per_image_mean_std";
constexpr const char* kDataset = "dataset_mean_std";

// Count, mean and sum of squared deviations of a set of pixels.
struct Moments {
  double n = 0, mean = 0, m2 = 0;
};

Moments moments_of(std::span<const float> pixels) {
  const NormalizationRecord r = image_statistics(pixels);
  const double n = static_cast<double>(pixels.size());
  return {n, r.mean, r.std * r.std * n};
}

// Chan et al.'s pairwise update: exact in exact arithmetic, and without the
// cancellation of summing squares.
Moments merge(const Moments& a, const Moments& b) {
  const double n = a.n + b.n;
  if (n == 0) return {};
  const double delta = b.mean - a.mean;
  return {n, a.mean + delta * (b.n / n), a.m2 + b.m2 + delta * delta * (a.n * b.n / n)};
}

} // namespace

NormalisationScheme parse_normalisation_scheme(const std::string& name) {
  if (name == "image") return NormalisationScheme::per_image;
  if (name == "dataset") return NormalisationScheme::dataset;
  throw Error("--normalisation must be image or dataset, not '" + name + "'");
}

const char* normalisation_scheme_name(NormalisationScheme scheme) {
  return scheme == NormalisationScheme::dataset ? "dataset" : "image";
}

void check_normalisation_record(const NormalizationRecord& record, const std::string& what) {
  if (!std::isfinite(record.mean) || !std::isfinite(record.std) || !(record.std > 0))
    throw Error(what + ": a normalisation record needs a finite mean and a positive std (mean " +
                std::to_string(record.mean) + ", std " + std::to_string(record.std) + ")");
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
  const run::JsonNode* std = node->find("std");
  if (!mean || !std || !mean->is_number() || !std->is_number())
    throw FormatError(source_name, "the dataset normalisation lacks a numeric mean and std");
  out.scheme = NormalisationScheme::dataset;
  out.record = {mean->number, std->number};
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
  std::vector<Moments> per_pair(pairs.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mutex; // guards errors, done and progress calls
  std::vector<std::pair<std::size_t, std::exception_ptr>> errors;
  std::size_t done = 0;
  auto work = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= pairs.size() || failed.load()) return;
      try {
        const LoadedPair lp = load_pair(pairs[i]);
        per_pair[i] = merge(moments_of(lp.odd), moments_of(lp.even));
        std::lock_guard<std::mutex> lock(mutex);
        ++done;
        if (progress) progress(done, pairs.size());
      } catch (...) {
        failed = true;
        std::lock_guard<std::mutex> lock(mutex);
        errors.emplace_back(i, std::current_exception());
      }
    }
  };
  const std::size_t n_threads =
      std::clamp<std::size_t>(static_cast<std::size_t>(std::max(threads, 1)), 1, pairs.size());
  std::vector<std::thread> workers;
  for (std::size_t t = 1; t < n_threads; ++t)
    workers.emplace_back(work);
  work();
  for (std::thread& w : workers)
    w.join();
  if (!errors.empty()) {
    // The first failing pair in list order, whatever the threads did.
    std::sort(errors.begin(), errors.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::rethrow_exception(errors.front().second);
  }
  Moments all;
  for (const Moments& m : per_pair)
    all = merge(all, m);
  return {all.mean, all.n > 0 ? std::sqrt(all.m2 / all.n) : 0.0};
}

} // namespace atelier::denoise

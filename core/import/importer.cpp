// import_paths: scan, skip unchanged, a bounded worker pool reading files,
// and batched writes on the calling thread (the only one touching SQLite).
#include "core/import/importer.h"

#include "core/base/dtype.h"
#include "core/base/error.h"
#include "core/import/fingerprint.h"
#include "core/import/item_class.h"
#include "core/import/item_thumbnail.h"
#include "core/import/preview_image.h"
#include "core/import/scan.h"
#include "core/import/star_metrics.h"
#include "core/metrics/cryoem_metrics.h"
#include "core/metrics/generic_metrics.h"
#include "core/metrics/metric_registry.h"
#include "core/metrics/movie_drift.h"
#include "core/metrics/thumbnail.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace atelier::import {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Result {
  project::ItemRecord record;
  std::vector<std::pair<std::string, double>> metrics;
  bool thumbnail_failed = false;
};

std::string info_value_text(const InfoValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  return std::get<std::string>(v);
}

void fill_shape(project::ItemRecord& rec, const FileInfo& info, const ItemClass& cls) {
  const auto& d = info.dims;
  if (!d.empty()) rec.width = d[0];
  if (d.size() > 1) rec.height = d[1];
  if (d.size() > 2) {
    if (cls.kind == "volume" || info.format == "nifti")
      rec.depth = d[2];
    else
      rec.frames = d[2];
  }
  if (d.size() > 3) rec.frames = d[3];
  if (info.bands) rec.channels = *info.bands;
  if (info.dtype) rec.dtype = std::string(dtype_name(*info.dtype));
}

// Everything a worker does for one file; never throws: a failure becomes an
// item with import_ok = false and the reason.
// user_pixel_size_A: the dataset's pixel size set by the user (0: none),
// which wins over the file's.
Result process(const ScannedFile& file, std::int64_t dataset_id, double user_pixel_size_A,
               const metrics::ThumbnailCache* thumbnails) {
  Result r;
  project::ItemRecord& rec = r.record;
  rec.dataset_id = dataset_id;
  rec.rel_path = file.rel_path;
  rec.format = file.format;
  rec.kind = "unknown";
  rec.size_bytes = file.size_bytes;
  rec.mtime_ns = file.mtime_ns;
  try {
    rec.fingerprint = file_fingerprint(file.abs_path);
    const FileInfo info = read_item_facts(file.abs_path, file.format);
    const ItemClass cls = classify_item(info);
    rec.kind = cls.kind;
    rec.pixel_size_A = metrics::pixel_size_in_A(info.spacing);
    if (rec.pixel_size_A > 0) rec.pixel_size_source = PixelSizeSource::header;
    if (user_pixel_size_A > 0) {
      rec.pixel_size_A = user_pixel_size_A;
      rec.pixel_size_source = PixelSizeSource::user;
    }
    fill_shape(rec, info, cls);
    for (const auto& [key, value] : info.extra)
      rec.metadata.emplace_back(key, info_value_text(value));
    if (info.spacing.known()) rec.metadata.emplace_back("spacing_unit", info.spacing.unit);

    const DriftRequest drift{rec.pixel_size_A};
    Preview preview = read_preview(file.abs_path, info, &drift);
    const Image& image = preview.image;
    if (!preview.movie_metrics.empty()) {
      rec.metadata.emplace_back("metrics.drift.version",
                                std::to_string(metrics::kDriftMetricsVersion));
      for (auto& m : preview.movie_metrics)
        r.metrics.emplace_back(std::move(m.name), m.value);
    }
    if (!preview.drift_trajectory.empty())
      rec.metadata.emplace_back(metrics::kDriftTrajectoryKey, std::move(preview.drift_trajectory));
    if (image.width() == 0 && cls.kind == "points" && thumbnails) {
      // No pixels to measure; the grid still gets a picture of the cloud.
      try {
        const Image thumb = point_cloud_item_thumbnail(file.abs_path);
        if (thumb.width() > 0)
          metrics::write_thumbnail(thumb, thumbnails->path_for(rec.fingerprint).string());
      } catch (const std::exception& e) {
        rec.metadata.emplace_back("thumbnail_error", e.what());
        r.thumbnail_failed = true;
      }
    }
    if (image.width() > 0) {
      if (!info.bands) rec.channels = image.channels();
      metrics::ItemInfo item{info.format, cls.metric_kind, rec.pixel_size_A, {}};
      for (const auto& [key, value] : info.extra)
        item.facts[key] = info_value_text(value);
      if (info.nodata) item.facts["nodata"] = info_value_text(*info.nodata);
      rec.metadata.emplace_back("metric_kind",
                                std::string(metrics::item_kind_name(cls.metric_kind)));
      for (const auto& provider : metrics::default_metric_registry().compute(image, item)) {
        rec.metadata.emplace_back("metrics." + provider.provider + ".version",
                                  std::to_string(provider.version));
        for (const auto& m : provider.metrics)
          r.metrics.emplace_back(m.name, m.value);
      }
      // The hash is taken from the thumbnail (an area average too): nearly
      // the same bits as the full image at a sixteenth of the cost. A double
      // holds 53 bits exactly, so the 64-bit hash is stored as two 32-bit
      // halves (and as hex text in the metadata).
      const Image thumb = metrics::make_thumbnail(image);
      // Pixels read in place from a file that another process truncated
      // meanwhile read as zeros: nothing measured from them is kept.
      if (!image.intact())
        throw FormatError(file.abs_path, "the file shrank while it was being read");
      const std::uint64_t hash = metrics::perceptual_hash(thumb);
      r.metrics.emplace_back("phash_hi", static_cast<double>(hash >> 32));
      r.metrics.emplace_back("phash_lo", static_cast<double>(hash & 0xffffffffULL));
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
      rec.metadata.emplace_back("phash", hex);
      if (thumbnails) {
        // The cache is optional (a full disk, a read-only project copy): the
        // item is fine without its thumbnail, which says why in its metadata.
        try {
          metrics::write_thumbnail(thumb, thumbnails->path_for(rec.fingerprint).string());
        } catch (const std::exception& e) {
          rec.metadata.emplace_back("thumbnail_error", e.what());
          r.thumbnail_failed = true;
        }
      }
    }
  } catch (const std::exception& e) {
    // Any failure (FormatError, a library's exception, bad_alloc) is this
    // file's problem only.
    rec.import_ok = false;
    rec.import_error = e.what();
    rec.metadata = {{"import_error", rec.import_error}};
    r.metrics.clear();
  }
  return r;
}

std::string thumbnail_error_of(const project::ItemRecord& rec) {
  for (const auto& [key, value] : rec.metadata)
    if (key == "thumbnail_error") return value;
  return {};
}

// Workers take indices from a queue the caller keeps short (at most `cap`
// files in flight), so memory stays bounded whatever the folder size.
class Pool {
public:
  Pool(int threads, std::function<Result(std::size_t)> work) : work_(std::move(work)) {
    for (int i = 0; i < threads; ++i)
      threads_.emplace_back([this] { run(); });
  }
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
      jobs_.clear();
    }
    job_ready_.notify_all();
    for (auto& t : threads_)
      t.join();
  }
  void submit(std::size_t job) {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(job);
    }
    job_ready_.notify_one();
  }
  // Waits up to `timeout` for results and takes them all.
  std::vector<Result> take(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    result_ready_.wait_for(lock, timeout, [this] { return !results_.empty(); });
    std::vector<Result> out(std::make_move_iterator(results_.begin()),
                            std::make_move_iterator(results_.end()));
    results_.clear();
    return out;
  }

private:
  void run() {
    for (;;) {
      std::size_t job = 0;
      {
        std::unique_lock lock(mutex_);
        job_ready_.wait(lock, [this] { return closing_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = jobs_.front();
        jobs_.pop_front();
      }
      Result r = work_(job);
      {
        std::lock_guard lock(mutex_);
        results_.push_back(std::move(r));
      }
      result_ready_.notify_one();
    }
  }

  std::function<Result(std::size_t)> work_;
  std::mutex mutex_;
  std::condition_variable job_ready_, result_ready_;
  std::deque<std::size_t> jobs_;
  std::deque<Result> results_;
  bool closing_ = false;
  std::vector<std::thread> threads_;
};

std::int64_t dataset_for(project::Project& project, const ScanRoot& root, const std::string& name) {
  for (const auto& d : project.datasets())
    if (d.root == root.folder) return d.id;
  project::DatasetRecord d;
  d.name = name.empty() ? root.name : name;
  d.root = root.folder;
  return project.add_dataset(d);
}

void write_batch(project::Project& project, std::vector<Result>& pending) {
  if (pending.empty()) return;
  project::Project::Batch batch(project);
  for (const Result& r : pending) {
    const std::int64_t id = project.upsert_item(r.record);
    // A changed file's old metrics go (a file that became unreadable keeps
    // none; a provider that no longer applies leaves nothing behind). STAR
    // metrics come back when their tables are read after the images.
    project.clear_metrics(id);
    if (!r.metrics.empty()) project.set_metrics(id, r.metrics);
  }
  batch.commit();
  pending.clear();
}

// Sets the micrograph metrics of the STAR tables found by the scan on the
// items of this import's datasets, one transaction per table.
void apply_star_tables(project::Project& project, const ScanResult& scan,
                       const std::vector<std::int64_t>& dataset_ids, ImportSummary& summary) {
  if (scan.star_tables.empty()) return;
  ItemNameIndex index;
  for (const auto& row : project.query_items("", {}, -1))
    if (std::find(dataset_ids.begin(), dataset_ids.end(), row.dataset_id) != dataset_ids.end())
      index.add(row.id, row.rel_path);
  for (const std::string& path : scan.star_tables) {
    std::vector<StarMicrographMetrics> rows;
    try {
      rows = read_star_micrograph_metrics(path);
    } catch (const std::exception& e) {
      summary.error_messages.push_back(path + ": " + e.what());
      continue;
    }
    if (rows.empty()) continue; // no micrograph columns (a model, a job list ...)
    ++summary.star_tables;
    project::Project::Batch batch(project);
    for (const auto& r : rows) {
      if (const auto id = index.find(r.micrograph)) {
        project.set_metrics(*id, r.metrics);
        if (r.pixel_size_A > 0)
          project.set_pixel_size({*id}, r.pixel_size_A, PixelSizeSource::star_file);
        ++summary.star_rows_matched;
      } else {
        ++summary.star_rows_unmatched;
      }
    }
    batch.commit();
  }
}

} // namespace

ImportSummary import_paths(project::Project& project, const std::vector<std::string>& paths,
                           const ImportOptions& options, const ImportProgressFn& progress,
                           const std::atomic<bool>* cancel) {
  const auto start = Clock::now();
  ImportSummary summary;
  const ScanResult scan = scan_paths(paths, options.include_globs, options.exclude_globs);
  summary.candidates = scan.candidates.size();
  summary.excluded = scan.excluded;
  summary.skipped_not_images = scan.not_images.size();
  summary.error_messages = scan.unreadable;

  for (const ScanRoot& root : scan.roots)
    summary.dataset_ids.push_back(dataset_for(project, root, options.dataset_name));

  ImportProgress state;
  state.total = scan.candidates.size();
  state.skipped_not_images = summary.skipped_not_images;
  auto report = [&] {
    if (progress) progress(state);
  };

  std::vector<const ScannedFile*> todo;
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto settle_ns = static_cast<std::int64_t>(options.settle_seconds * 1e9);
  for (const ScannedFile& f : scan.candidates) {
    if (settle_ns > 0 && now_ns - f.mtime_ns < settle_ns) {
      ++summary.unsettled;
      continue;
    }
    const auto known = project.find_item_by_path(summary.dataset_ids[f.root], f.rel_path);
    if (known && known->size_bytes == f.size_bytes && known->mtime_ns == f.mtime_ns) {
      ++summary.skipped_unchanged;
      continue;
    }
    todo.push_back(&f);
  }
  state.total -= summary.unsettled;
  state.skipped_unchanged = summary.skipped_unchanged;
  state.done = summary.skipped_unchanged;
  if (state.done) report();

  std::optional<metrics::ThumbnailCache> thumbnails;
  if (options.compute_thumbnails) {
    try {
      thumbnails.emplace(project.cache_dir());
    } catch (const std::exception& e) {
      // Items matter more than their previews: import without them.
      summary.error_messages.push_back(std::string("thumbnails are off: ") + e.what());
    }
  }
  const metrics::ThumbnailCache* cache = thumbnails ? &*thumbnails : nullptr;

  std::map<std::int64_t, double> user_pixel_size; // dataset -> the user's pixel size
  for (const auto& d : project.datasets())
    if (d.pixel_size_source == PixelSizeSource::user && d.pixel_size_A > 0)
      user_pixel_size[d.id] = d.pixel_size_A;

  auto cancelled = [&] { return cancel && cancel->load(); };
  const auto work_start = Clock::now();
  std::size_t finished = 0;
  std::vector<Result> pending;
  auto batch_start = Clock::now();
  {
    const int threads = std::max(1, options.threads);
    Pool pool(threads, [&](std::size_t i) {
      const ScannedFile& f = *todo[i];
      const std::int64_t ds = summary.dataset_ids[f.root];
      const auto user = user_pixel_size.find(ds);
      return process(f, ds, user == user_pixel_size.end() ? 0.0 : user->second, cache);
    });
    const std::size_t cap = static_cast<std::size_t>(threads) * 4;
    const std::size_t batch_size = std::max<std::size_t>(1, options.batch_size);
    std::size_t next = 0, in_flight = 0;
    for (;;) {
      while (next < todo.size() && in_flight < cap && !cancelled()) {
        pool.submit(next++);
        ++in_flight;
      }
      if (in_flight == 0) break;
      std::vector<Result> results = pool.take(std::chrono::milliseconds(200));
      for (Result& r : results) {
        --in_flight;
        ++finished;
        summary.bytes_read += static_cast<std::uint64_t>(r.record.size_bytes);
        if (r.thumbnail_failed && summary.thumbnail_errors++ == 0)
          summary.error_messages.push_back(r.record.rel_path +
                                           ": no thumbnail: " + thumbnail_error_of(r.record));
        if (r.record.import_ok) {
          ++summary.imported;
        } else {
          ++summary.errors;
          summary.error_messages.push_back(r.record.rel_path + ": " + r.record.import_error);
        }
        if (pending.empty()) batch_start = Clock::now();
        pending.push_back(std::move(r));
        if (pending.size() >= batch_size) write_batch(project, pending);
        state.done = summary.skipped_unchanged + finished;
        state.errors = summary.errors;
        const double elapsed = seconds_since(work_start);
        state.items_per_s = elapsed > 0 ? static_cast<double>(finished) / elapsed : 0.0;
        state.eta_s = state.items_per_s > 0
                          ? static_cast<double>(state.total - state.done) / state.items_per_s
                          : 0.0;
        report();
      }
      // Slow files should not keep finished ones uncommitted for long.
      if (!pending.empty() && seconds_since(batch_start) >= options.max_batch_seconds)
        write_batch(project, pending);
    }
  }
  write_batch(project, pending);
  summary.cancelled = cancelled() && summary.skipped_unchanged + finished < summary.candidates;
  if (!summary.cancelled) {
    apply_star_tables(project, scan, summary.dataset_ids, summary);
    if (summary.imported + summary.errors > 0)
      for (const std::int64_t ds : summary.dataset_ids)
        project.update_normalisation(ds);
  }
  if (thumbnails) thumbnails->evict_to_budget();
  summary.seconds = seconds_since(start);
  return summary;
}

} // namespace atelier::import

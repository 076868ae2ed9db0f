// import_paths: brings files and folders into a project. Folders are scanned
// recursively; unchanged files (same size and mtime as recorded) are skipped;
// the rest are read on a bounded pool of worker threads (header facts,
// fingerprint, preview image, metrics, perceptual hash, thumbnail) while the
// calling thread writes the results in batches, one transaction each, so a
// crash at any moment leaves only whole items and the next run does the rest.
#pragma once

#include "core/project/project.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace atelier::import {

struct ImportOptions {
  // fnmatch globs on the path relative to the import root, '*' crossing '/'
  // ("*.mrc" matches in subfolders). Empty include: everything.
  std::vector<std::string> include_globs, exclude_globs;
  int threads = 2;          // workers (at least 1)
  std::string dataset_name; // default: the root folder's name
  bool compute_thumbnails = true;
  // Items per transaction. Small: a commit in WAL mode costs little, and the
  // batch left when the workers finish is written while they sit idle.
  std::size_t batch_size = 32;
  double max_batch_seconds = 2.0; // also commit when a batch is this old
  // Files modified less than this many seconds ago are left for a later run
  // (a microscope still writing a movie); `import --watch` sets it.
  double settle_seconds = 0.0;
};

struct ImportProgress {
  std::size_t done = 0;  // candidates finished (imported, failed or skipped unchanged)
  std::size_t total = 0; // candidates (image files that passed the globs)
  std::size_t skipped_unchanged = 0;
  std::size_t skipped_not_images = 0;
  std::size_t errors = 0;
  double items_per_s = 0.0; // of the files actually read
  double eta_s = 0.0;
};

struct ImportSummary {
  std::vector<std::int64_t> dataset_ids; // one per import root
  std::size_t candidates = 0;
  std::size_t imported = 0; // items written with import_ok
  std::size_t errors = 0;   // items written with import_ok = false
  std::size_t skipped_unchanged = 0;
  std::size_t skipped_not_images = 0;
  std::size_t excluded = 0;  // filtered out by the globs
  std::size_t unsettled = 0; // modified within settle_seconds: left for later
  // STAR tables under the roots whose micrograph columns became metrics,
  // and their per-micrograph rows that matched an item or did not.
  std::size_t star_tables = 0, star_rows_matched = 0, star_rows_unmatched = 0;
  std::uint64_t bytes_read = 0; // sizes of the files imported or failed
  bool cancelled = false;
  double seconds = 0.0;
  std::size_t thumbnail_errors =
      0; // items imported without a thumbnail (the first is in error_messages)
  std::vector<std::string> error_messages; // "rel_path: reason", also scan problems
};

using ImportProgressFn = std::function<void(const ImportProgress&)>;

// progress is called on the calling thread after each finished item. When
// *cancel becomes true, nothing new is started; what is in flight finishes
// and is committed, and the summary says cancelled. A file that cannot be
// read becomes an item with import_ok = false and the reason; import goes on.
// Then STAR tables found under the roots are read (star_metrics.h) and their
// micrograph columns set as metrics of the items they name, on every run (a
// STAR file may change while the images do not); a STAR file that cannot be
// parsed adds to error_messages.
// Throws Error when a path does not exist or the project cannot be written.
ImportSummary import_paths(project::Project& project, const std::vector<std::string>& paths,
                           const ImportOptions& options, const ImportProgressFn& progress = {},
                           const std::atomic<bool>* cancel = nullptr);

} // namespace atelier::import

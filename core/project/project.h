// An Atelier project: a NAME.atelier/ folder holding project.sqlite (datasets,
// items, metadata, metrics, curation, splits, selections, runs and the event
// log), cache/ (thumbnails; safe to delete), derived/ and runs/.
// The database runs in WAL mode with foreign keys on and a busy timeout; on a
// network filesystem it uses a rollback journal and warning() says why. The
// only locks are SQLite's own, which die with the process.
#pragma once

#include "core/data/pixel_size.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

struct sqlite3;

namespace atelier::project {
class StatementCache;
}

namespace atelier::project {

enum class CurationStatus : unsigned char { none, accept, reject };
enum class Split : unsigned char { none, train, val, test };

const char* to_string(CurationStatus s);
const char* to_string(Split s);           // "" for none
const char* to_string(PixelSizeSource s); // "none", "header", "star", "user"
CurationStatus parse_status(const std::string& s);
Split parse_split(const std::string& s);

struct DatasetRecord {
  std::int64_t id = 0; // set by datasets(); ignored by add_dataset
  std::string name;
  std::string root; // absolute folder the items' relative paths start from
  double pixel_size_A = 0.0;
  PixelSizeSource pixel_size_source = PixelSizeSource::none;
};

// What the importer knows about one file.
struct ItemRecord {
  std::int64_t dataset_id = 0;
  std::string rel_path;
  std::string format;
  std::string kind; // "image", "movie", "volume", "stack", "points" ...
  std::int64_t width = 0, height = 0, depth = 1, frames = 1, channels = 1;
  std::string dtype;
  double pixel_size_A = 0.0;
  PixelSizeSource pixel_size_source = PixelSizeSource::none; // header when the file gives it
  std::int64_t size_bytes = 0;
  std::int64_t mtime_ns = 0;
  std::string fingerprint;
  bool import_ok = true;
  std::string import_error;
  // Replaces the item's metadata when non-empty.
  std::vector<std::pair<std::string, std::string>> metadata;
};

struct ItemRow : ItemRecord {
  std::int64_t id = 0;
  CurationStatus status = CurationStatus::none;
  Split split = Split::none;
  std::optional<double> sort_value; // the sort metric's value, when sorting by one
};

// What re-import needs to skip an unchanged file.
struct ItemFileState {
  std::int64_t id = 0;
  std::int64_t size_bytes = 0;
  std::int64_t mtime_ns = 0;
  std::string fingerprint;
  bool import_ok = true;
};

// key: a column (id, path, dataset, format, kind, dtype, width, height, depth,
// frames, channels, size, mtime, pixel_size, status, split) or a metric name
// (metric.NAME forces a metric). Items without the metric sort last. Ties
// are broken by id, so paging is stable.
struct ItemSort {
  std::string key = "id";
  bool descending = false;
};
// True when key names an item column above (not a metric).
bool is_item_column(const std::string& key);

struct SplitFractions {
  double train = 0.8, val = 0.1, test = 0.1;
};
struct SplitCounts {
  std::size_t train = 0, val = 0, test = 0;
};

struct Event {
  std::int64_t id = 0;
  std::string time; // ISO 8601 UTC
  std::string kind;
  std::string payload; // JSON: the new and the previous values
  int undone = 0;      // 0 active, 1 undone (redo-able), 2 undone and discarded
};

// What `stats` reports over the items matching a filter.
struct MetricSummary {
  std::string name;
  std::int64_t count = 0;
  double min = 0, max = 0, mean = 0;
};
struct ProjectStats {
  std::int64_t items = 0, import_errors = 0;
  std::int64_t accepted = 0, rejected = 0, unset = 0;
  std::int64_t train = 0, val = 0, test = 0, unsplit = 0;
  // (name, items), most first.
  std::vector<std::pair<std::string, std::int64_t>> datasets, kinds, labels;
  std::vector<MetricSummary> metrics; // by name
};

// An output made from an item: kind ("denoised", ...), its path relative to
// the project folder, and what made it ("n2n@step-1000": run and step).
struct DerivedOutput {
  std::int64_t id = 0, item_id = 0;
  std::string kind, path, source, created;
};

// A dataset's normalisation record for one band (0: all values together).
struct BandNormalisation {
  int band = 0;
  std::int64_t items = 0;
  double mean = 0, std = 0, p01 = 0, p50 = 0, p99 = 0;
};

// A metric's histogram over the items matching a filter: `bins` equal bins
// from min to max (the last one includes max); items without the metric are
// counted in `missing`.
struct MetricHistogram {
  double min = 0, max = 0;
  std::vector<std::int64_t> counts;
  std::int64_t items = 0, missing = 0;
};

// A label of the project's label set: what the app offers, drawn in colour
// ("#rrggbb"), toggled by key ("1".."9", or none).
struct LabelDef {
  std::string name, colour, key;
};

// Two metrics of the items (matching a filter) that have both, by id.
struct MetricScatter {
  std::vector<std::int64_t> ids;
  std::vector<double> x, y;
};

struct RunRecord {
  std::int64_t id = 0;
  std::string path, recipe, created;
};

struct ProjectOptions {
  // Behave as on a network filesystem (rollback journal); for tests.
  bool assume_network_fs = false;
  int busy_timeout_ms = 5000;
  // Open the database read-only (open() only): every write fails with an
  // Error, the journal mode and schema are left as they are (an older
  // schema is refused, since upgrading it writes).
  bool read_only = false;
};

class Project {
public:
  // `dir` is the NAME.atelier folder. create() refuses a folder that exists
  // and is not empty; open() refuses one without project.sqlite and a
  // database made by a newer Atelier, and upgrades an older one.
  static Project create(const std::filesystem::path& dir, const ProjectOptions& options = {});
  static Project open(const std::filesystem::path& dir, const ProjectOptions& options = {});

  Project(Project&& other) noexcept;
  Project& operator=(Project&& other) noexcept;
  Project(const Project&) = delete;
  Project& operator=(const Project&) = delete;
  ~Project();

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path database_path() const { return dir_ / "project.sqlite"; }
  std::filesystem::path cache_dir() const { return dir_ / "cache"; }
  std::filesystem::path derived_dir() const { return dir_ / "derived"; }
  std::filesystem::path runs_dir() const { return dir_ / "runs"; }
  // Non-empty on a network filesystem (WAL is unsafe there).
  const std::string& warning() const { return warning_; }
  bool read_only() const { return read_only_; }
  std::string journal_mode() const;
  int schema_version() const;
  // Changes whenever another connection (another process, an import's own
  // connection) commits to the database; this connection's own writes do
  // not change it (SQLite's PRAGMA data_version). Cheap: for polling.
  std::int64_t data_version() const;

  // Datasets and runs.
  std::int64_t add_dataset(const DatasetRecord& dataset);
  std::vector<DatasetRecord> datasets() const;
  std::int64_t add_run(const std::string& path, const std::string& recipe);
  std::vector<RunRecord> runs() const;

  // Import. A Batch holds one write transaction: everything between its
  // creation and commit() lands at once or not at all.
  class Batch {
  public:
    explicit Batch(Project& project);
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    void commit();

  private:
    Project& project_;
    bool open_ = true;
  };
  Batch batch() { return Batch(*this); }
  // Inserts or updates the item at (dataset_id, rel_path); returns its id.
  std::int64_t upsert_item(const ItemRecord& item);
  // Sets (replaces) the given metrics of one item.
  void set_metrics(std::int64_t item_id,
                   const std::vector<std::pair<std::string, double>>& metrics);
  // Removes every metric of one item (before a changed file's are recomputed).
  void clear_metrics(std::int64_t item_id);

  // Pixel sizes rank none < header < star_file < user: each call (and each
  // re-import) replaces an item's pixel size only when its source ranks at
  // least as high as the item's current one, so a user's value survives
  // re-import and a STAR file's beats a header's. Returns the items changed.
  std::size_t set_pixel_size(const std::vector<std::int64_t>& item_ids, double pixel_size_A,
                             PixelSizeSource source);
  // The user's pixel size for a dataset: recorded on the dataset (so files
  // imported later get it too) and set on all its items. Throws Error for a
  // value that is not positive and finite or an unknown dataset.
  std::size_t set_dataset_pixel_size(std::int64_t dataset_id, double pixel_size_A);
  std::optional<ItemFileState> find_item_by_path(std::int64_t dataset_id,
                                                 const std::string& rel_path) const;
  std::optional<ItemRow> item(std::int64_t item_id) const;
  std::map<std::string, std::string> item_metadata(std::int64_t item_id) const;
  std::map<std::string, double> item_metrics(std::int64_t item_id) const;

  // Curation: each call is one transaction that appends one event holding
  // the previous value of every row it changed. Unknown item ids throw.
  void set_status(const std::vector<std::int64_t>& item_ids, CurationStatus status);
  void set_split(const std::vector<std::int64_t>& item_ids, Split split);
  void add_label(const std::vector<std::int64_t>& item_ids, const std::string& label);
  void remove_label(const std::vector<std::int64_t>& item_ids, const std::string& label);
  void add_tag(const std::vector<std::int64_t>& item_ids, const std::string& tag);
  void remove_tag(const std::vector<std::int64_t>& item_ids, const std::string& tag);
  std::vector<std::string> labels(std::int64_t item_id) const;
  // A free-text note; setting one is an undoable curation change.
  void set_note(std::int64_t item_id, const std::string& note);
  std::string note(std::int64_t item_id) const;
  // The label set, in order. set_label_set replaces it (names unique and
  // non-empty, colours #rrggbb, keys 1-9 unique) and leaves the labels
  // items carry alone; Error otherwise.
  std::vector<LabelDef> label_set() const;
  void set_label_set(const std::vector<LabelDef>& labels);
  // Renames a label on every item carrying it (merging into `to` where an
  // item has both) and in the label set (unless `to` is there already):
  // one undoable event. Returns the number of items that had `from`.
  std::size_t rename_label(const std::string& from, const std::string& to);
  // Labels of many items in one query (items without labels are absent).
  std::map<std::int64_t, std::vector<std::string>>
  labels_of(const std::vector<std::int64_t>& item_ids) const;
  std::vector<std::string> tags(std::int64_t item_id) const;
  // Deterministic for the same items, fractions and seed. With group_by_key,
  // items sharing that metadata value land in the same split (items without
  // the key form groups of their own). Undoable like any curation change.
  SplitCounts assign_splits(const SplitFractions& fractions, std::uint64_t seed,
                            const std::string& group_by_key = {});

  // Undo/redo replay the event log, so they work across restarts. A new
  // change after an undo discards what could have been redone.
  // Each returns the event it undid or redid, nullopt when there is none.
  std::optional<Event> undo();
  std::optional<Event> redo();
  bool can_undo() const;
  bool can_redo() const;
  std::vector<Event> events() const;

  // Named selections (replaced by saving under the same name).
  void save_selection(const std::string& name, const std::vector<std::int64_t>& item_ids);
  std::vector<std::int64_t> selection(const std::string& name) const;
  std::vector<std::string> selection_names() const;

  // Queries in the filter language of filter_expr.h.
  std::vector<ItemRow> query_items(const std::string& filter, const ItemSort& sort = {},
                                   std::int64_t limit = 100, std::int64_t offset = 0) const;
  std::int64_t count_items(const std::string& filter) const;
  std::vector<std::int64_t> query_ids(const std::string& filter) const;
  // Counts by status, split, dataset, kind and label, and per-metric
  // count/min/max/mean, over the items matching filter (project_stats.cpp).
  ProjectStats stats(const std::string& filter = {}) const;
  // Every metric name in the project, sorted (index seeks, not a scan).
  std::vector<std::string> metric_names() const;
  // Throws Error for a bad filter or bins outside 1 .. 10000.
  MetricHistogram metric_histogram(const std::string& name, const std::string& filter,
                                   int bins) const;
  // Both metrics of every item matching filter that has them, in id order.
  MetricScatter metric_scatter(const std::string& x, const std::string& y,
                               const std::string& filter = {}) const;

  // The dataset's normalisation record, recomputed from its readable items'
  // metrics (mean, std, p01, p50, p99 and their _bN per-band twins) and
  // stored (normalisation.cpp): mean and std pooled exactly over all pixels
  // (items weighted by width x height); the percentiles are pixel-weighted
  // medians of the items' percentiles, an approximation (the exact ones
  // would need every pixel again). Import refreshes it; empty without items.
  std::vector<BandNormalisation> update_normalisation(std::int64_t dataset_id);
  std::vector<BandNormalisation> normalisation(std::int64_t dataset_id) const;

  // Derived outputs (derived.cpp). Recording the same item, kind and source
  // again replaces the path. Newest first.
  std::int64_t add_derived(std::int64_t item_id, const std::string& kind, const std::string& path,
                           const std::string& source);
  std::vector<DerivedOutput> derived_of(std::int64_t item_id) const;

  // Repoints datasets whose root is old_root or below it to new_root, after
  // checking that a sample of their items exists there with the same size.
  // Returns the number of datasets changed.
  std::size_t relink(const std::string& old_root, const std::string& new_root);

private:
  Project(std::filesystem::path dir, sqlite3* db, std::string warning, bool read_only);
  static Project connect(const std::filesystem::path& dir, const ProjectOptions& options);
  std::filesystem::path dir_;
  sqlite3* db_ = nullptr;
  std::string warning_;
  bool read_only_ = false;
  // Prepared statements reused by the import path (upsert, metrics).
  std::unique_ptr<StatementCache> statements_;
};

// Absolute paths of items: the dataset's root joined with the item's path
// (lexically normalised). Reads the datasets once, for loops over items.
class ItemPaths {
public:
  explicit ItemPaths(const Project& project);
  std::string absolute(const ItemRecord& item) const;

private:
  std::map<std::int64_t, std::string> roots_;
};

} // namespace atelier::project

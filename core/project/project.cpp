// Project folder and database lifecycle, datasets, runs, the import path,
// queries, selections and relinking. Curation and undo live in curation.cpp.
#include "core/project/project.h"

#include "core/base/error.h"
#include "core/project/filesystem_kind.h"
#include "core/project/filter_expr.h"
#include "core/project/schema.h"
#include "core/project/sqlite_db.h"

#include <sqlite3.h>

#include <cmath>
#include <limits>
#include <unordered_map>

namespace fs = std::filesystem;

namespace atelier::project {

class StatementCache {
public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  // A ready-to-bind statement; reset again when `Use` goes out of scope.
  Statement& get(const char* sql) {
    auto& slot = statements_[sql];
    if (!slot) slot = std::make_unique<Statement>(db_, sql);
    slot->reset();
    return *slot;
  }

private:
  sqlite3* db_;
  std::unordered_map<const char*, std::unique_ptr<Statement>> statements_;
};

namespace {

struct ResetOnExit {
  Statement& statement;
  ~ResetOnExit() { statement.reset(); }
};

// The rank of a pixel size source as SQL (none 0 < header 1 < star 2 < user 3).
std::string pixel_rank(const std::string& source_expr) {
  return "(CASE " + source_expr +
         " WHEN 'user' THEN 3 WHEN 'star' THEN 2 WHEN 'header' THEN 1 ELSE 0 END)";
}

const char* source_name(PixelSizeSource s) {
  switch (s) {
  case PixelSizeSource::header: return "header";
  case PixelSizeSource::star_file: return "star";
  case PixelSizeSource::user: return "user";
  default: return "none";
  }
}

PixelSizeSource parse_source(const std::string& s) {
  if (s == "header") return PixelSizeSource::header;
  if (s == "star") return PixelSizeSource::star_file;
  if (s == "user") return PixelSizeSource::user;
  return PixelSizeSource::none;
}

constexpr const char* kItemColumns =
    "items.id, items.dataset_id, items.rel_path, items.format, items.kind, items.width, "
    "items.height, items.depth, items.frames, items.channels, items.dtype, items.pixel_size_A, "
    "items.size_bytes, items.mtime_ns, items.fingerprint, items.import_status, "
    "items.import_error, items.status, items.split, items.pixel_size_source";

ItemRow read_row(const Statement& s, bool with_sort_value) {
  ItemRow r;
  r.id = s.column_int(0);
  r.dataset_id = s.column_int(1);
  r.rel_path = s.column_text(2);
  r.format = s.column_text(3);
  r.kind = s.column_text(4);
  r.width = s.column_int(5);
  r.height = s.column_int(6);
  r.depth = s.column_int(7);
  r.frames = s.column_int(8);
  r.channels = s.column_int(9);
  r.dtype = s.column_text(10);
  r.pixel_size_A = s.column_double(11);
  r.size_bytes = s.column_int(12);
  r.mtime_ns = s.column_int(13);
  r.fingerprint = s.column_text(14);
  r.import_ok = s.column_text(15) == "ok";
  r.import_error = s.column_text(16);
  r.status = parse_status(s.column_text(17));
  r.split = parse_split(s.column_text(18));
  r.pixel_size_source = parse_source(s.column_text(19));
  if (with_sort_value && !s.column_is_null(20)) r.sort_value = s.column_double(20);
  return r;
}

// Sortable item columns; anything else is a metric.
const char* sort_column(const std::string& key) {
  static const std::unordered_map<std::string, const char*> columns{
      {"id", "items.id"},
      {"path", "items.rel_path"},
      {"dataset", "items.dataset_id"},
      {"format", "items.format"},
      {"kind", "items.kind"},
      {"dtype", "items.dtype"},
      {"width", "items.width"},
      {"height", "items.height"},
      {"depth", "items.depth"},
      {"frames", "items.frames"},
      {"channels", "items.channels"},
      {"size", "items.size_bytes"},
      {"mtime", "items.mtime_ns"},
      {"pixel_size", "items.pixel_size_A"},
      {"status", "items.status"},
      {"split", "items.split"}};
  auto it = columns.find(key);
  return it == columns.end() ? nullptr : it->second;
}

} // namespace

ItemPaths::ItemPaths(const Project& project) {
  for (const auto& d : project.datasets())
    roots_[d.id] = d.root;
}

std::string ItemPaths::absolute(const ItemRecord& item) const {
  const auto it = roots_.find(item.dataset_id);
  if (it == roots_.end()) return item.rel_path;
  return (std::filesystem::path(it->second) / item.rel_path).lexically_normal().string();
}

bool is_item_column(const std::string& key) {
  return key.rfind("metric.", 0) != 0 && sort_column(key) != nullptr;
}

namespace {

void bind_all(Statement& s, const std::vector<SqlValue>& params, int first = 1) {
  for (size_t i = 0; i < params.size(); ++i)
    s.bind(first + static_cast<int>(i), params[i]);
}

} // namespace

const char* to_string(CurationStatus s) {
  switch (s) {
  case CurationStatus::accept: return "accept";
  case CurationStatus::reject: return "reject";
  default: return "none";
  }
}

const char* to_string(PixelSizeSource s) {
  return source_name(s);
}

const char* to_string(Split s) {
  switch (s) {
  case Split::train: return "train";
  case Split::val: return "val";
  case Split::test: return "test";
  default: return "";
  }
}

CurationStatus parse_status(const std::string& s) {
  if (s == "accept") return CurationStatus::accept;
  if (s == "reject") return CurationStatus::reject;
  return CurationStatus::none;
}

Split parse_split(const std::string& s) {
  if (s == "train") return Split::train;
  if (s == "val") return Split::val;
  if (s == "test") return Split::test;
  return Split::none;
}

Project::Project(fs::path dir, sqlite3* db, std::string warning, bool read_only)
    : dir_(std::move(dir)), db_(db), warning_(std::move(warning)), read_only_(read_only),
      statements_(std::make_unique<StatementCache>(db)) {}

Project::Project(Project&& other) noexcept
    : dir_(std::move(other.dir_)), db_(std::exchange(other.db_, nullptr)),
      warning_(std::move(other.warning_)), read_only_(other.read_only_),
      statements_(std::move(other.statements_)) {}

Project& Project::operator=(Project&& other) noexcept {
  if (this != &other) {
    statements_.reset();
    if (db_) sqlite3_close_v2(db_);
    dir_ = std::move(other.dir_);
    db_ = std::exchange(other.db_, nullptr);
    warning_ = std::move(other.warning_);
    read_only_ = other.read_only_;
    statements_ = std::move(other.statements_);
  }
  return *this;
}

Project::~Project() {
  statements_.reset();
  if (db_) sqlite3_close_v2(db_);
}

Project Project::connect(const fs::path& dir, const ProjectOptions& options) {
  const fs::path file = dir / "project.sqlite";
  sqlite3* raw = nullptr;
  const int flags =
      options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close_v2);
  if (rc != SQLITE_OK) throw_sqlite(raw, "cannot open project " + dir.string());
  sqlite3_busy_timeout(db.get(), options.busy_timeout_ms);
  sqlite3_extended_result_codes(db.get(), 1);

  std::string warning;
  if (options.read_only) {
    {
      Statement check(db.get(), "SELECT count(*) FROM sqlite_master");
      check.step();
    }
    const int version = read_schema_version(db.get());
    if (version != current_schema_version())
      throw Error("project " + dir.string() + " has schema " + std::to_string(version) +
                  " and this build reads schema " + std::to_string(current_schema_version()) +
                  (version < current_schema_version() ? ": open it once for writing to upgrade it"
                                                      : ": it was made by a newer Atelier"));
    exec(db.get(), "PRAGMA foreign_keys = ON; PRAGMA cache_size = -131072; "
                   "PRAGMA mmap_size = 1073741824; PRAGMA temp_store = MEMORY");
    return Project(dir, db.release(), std::move(warning), true);
  }
  const std::string network =
      options.assume_network_fs ? std::string("network") : network_filesystem_name(dir);
  {
    // Reading the header catches "file is not a database" with a clear error.
    Statement check(db.get(), "SELECT count(*) FROM sqlite_master");
    check.step();
  }
  if (!network.empty()) {
    warning = "project " + dir.string() + " is on a " + network +
              " filesystem: using a rollback journal instead of WAL; keep it open in one "
              "Atelier at a time";
    exec(db.get(), "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL");
  } else {
    Statement wal(db.get(), "PRAGMA journal_mode = WAL");
    if (!wal.step() || wal.column_text(0) != "wal")
      warning = "project " + dir.string() + ": the database could not switch to WAL mode";
    exec(db.get(), "PRAGMA synchronous = NORMAL");
  }
  exec(db.get(), "PRAGMA foreign_keys = ON");
  // Large projects (millions of metric rows) need more than SQLite's 2 MB
  // default cache; memory mapping saves a copy per page read.
  exec(db.get(), "PRAGMA cache_size = -131072; PRAGMA mmap_size = 1073741824; "
                 "PRAGMA temp_store = MEMORY");
  migrate_schema(db.get(), dir.string());
  return Project(dir, db.release(), std::move(warning), false);
}

Project Project::create(const fs::path& dir, const ProjectOptions& options) {
  if (dir.extension() != ".atelier")
    throw Error("cannot create project " + dir.string() + ": the folder name must end in .atelier");
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec))
      throw Error("cannot create project " + dir.string() + ": it exists and is not a folder");
    if (!fs::is_empty(dir, ec))
      throw Error("cannot create project " + dir.string() + ": the folder exists and is not empty");
  }
  for (const char* sub : {"cache", "derived", "runs"}) {
    fs::create_directories(dir / sub, ec);
    if (ec) throw Error("cannot create project " + dir.string() + ": " + ec.message());
  }
  return connect(dir, options);
}

Project Project::open(const fs::path& dir, const ProjectOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(dir / "project.sqlite", ec))
    throw Error(dir.string() + " is not an Atelier project (no project.sqlite)");
  // cache/ may have been deleted by the user; the others are recreated too.
  if (!options.read_only)
    for (const char* sub : {"cache", "derived", "runs"})
      fs::create_directories(dir / sub, ec);
  return connect(dir, options);
}

std::string Project::journal_mode() const {
  Statement s(db_, "PRAGMA journal_mode");
  return s.step() ? s.column_text(0) : std::string();
}

std::int64_t Project::data_version() const {
  Statement s(db_, "PRAGMA data_version");
  return s.step() ? s.column_int(0) : 0;
}

int Project::schema_version() const {
  return read_schema_version(db_);
}

std::int64_t Project::add_dataset(const DatasetRecord& d) {
  Statement s(db_, "INSERT INTO datasets (name, root, pixel_size_A, pixel_size_source) "
                   "VALUES (?, ?, ?, ?) RETURNING id");
  s.bind(1, d.name)
      .bind(2, d.root)
      .bind(3, d.pixel_size_A)
      .bind(4, source_name(d.pixel_size_source));
  s.step();
  std::int64_t id = s.column_int(0);
  s.run();
  return id;
}

std::vector<DatasetRecord> Project::datasets() const {
  Statement s(db_, "SELECT id, name, root, pixel_size_A, pixel_size_source FROM datasets "
                   "ORDER BY id");
  std::vector<DatasetRecord> out;
  while (s.step())
    out.push_back({s.column_int(0), s.column_text(1), s.column_text(2), s.column_double(3),
                   parse_source(s.column_text(4))});
  return out;
}

std::int64_t Project::add_run(const std::string& path, const std::string& recipe) {
  Statement s(db_, "INSERT INTO runs (path, recipe) VALUES (?, ?) RETURNING id");
  s.bind(1, path).bind(2, recipe);
  s.step();
  std::int64_t id = s.column_int(0);
  s.run();
  return id;
}

std::vector<RunRecord> Project::runs() const {
  Statement s(db_, "SELECT id, path, recipe, created FROM runs ORDER BY id");
  std::vector<RunRecord> out;
  while (s.step())
    out.push_back({s.column_int(0), s.column_text(1), s.column_text(2), s.column_text(3)});
  return out;
}

Project::Batch::Batch(Project& project) : project_(project) {
  if (sqlite3_get_autocommit(project.db_) == 0)
    throw Error("project " + project.dir_.string() + ": an import batch is already open");
  exec(project.db_, "BEGIN IMMEDIATE");
}

Project::Batch::~Batch() {
  if (open_) sqlite3_exec(project_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Project::Batch::commit() {
  if (!open_) return;
  exec(project_.db_, "COMMIT");
  open_ = false;
}

std::int64_t Project::upsert_item(const ItemRecord& item) {
  Transaction tx(db_);
  // An existing pixel size from a better source survives (see set_pixel_size).
  static const std::string upsert_sql =
      "INSERT INTO items (dataset_id, rel_path, format, kind, width, height, depth, frames, "
      "channels, dtype, pixel_size_A, size_bytes, mtime_ns, fingerprint, import_status, "
      "import_error, pixel_size_source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
      "?12, ?13, ?14, ?15, ?16, ?17) ON CONFLICT (dataset_id, rel_path) DO UPDATE SET format = "
      "excluded.format, kind = excluded.kind, width = excluded.width, height = excluded.height, "
      "depth = excluded.depth, frames = excluded.frames, channels = excluded.channels, dtype = "
      "excluded.dtype, pixel_size_A = CASE WHEN " +
      pixel_rank("items.pixel_size_source") + " > " + pixel_rank("excluded.pixel_size_source") +
      " THEN items.pixel_size_A ELSE excluded.pixel_size_A END, pixel_size_source = CASE WHEN " +
      pixel_rank("items.pixel_size_source") + " > " + pixel_rank("excluded.pixel_size_source") +
      " THEN items.pixel_size_source ELSE excluded.pixel_size_source END, size_bytes = "
      "excluded.size_bytes, mtime_ns = excluded.mtime_ns, fingerprint = excluded.fingerprint, "
      "import_status = excluded.import_status, import_error = excluded.import_error RETURNING id";
  Statement& s = statements_->get(upsert_sql.c_str());
  ResetOnExit reset{s};
  s.bind(1, item.dataset_id).bind(2, item.rel_path).bind(3, item.format).bind(4, item.kind);
  s.bind(5, item.width).bind(6, item.height).bind(7, item.depth).bind(8, item.frames);
  s.bind(9, item.channels).bind(10, item.dtype).bind(11, item.pixel_size_A);
  s.bind(12, item.size_bytes).bind(13, item.mtime_ns).bind(14, item.fingerprint);
  s.bind(15, item.import_ok ? "ok" : "error").bind(16, item.import_error);
  s.bind(17, source_name(item.pixel_size_source));
  if (!s.step()) throw Error("project: upsert of " + item.rel_path + " returned no id");
  const std::int64_t id = s.column_int(0);
  s.run();
  if (!item.metadata.empty()) {
    Statement& clear = statements_->get("DELETE FROM item_metadata WHERE item_id = ?");
    ResetOnExit reset_clear{clear};
    clear.bind(1, id).run();
    Statement& put = statements_->get(
        "INSERT OR REPLACE INTO item_metadata (item_id, key, value) VALUES (?, ?, ?)");
    ResetOnExit reset_put{put};
    for (const auto& [key, value] : item.metadata) {
      put.reset();
      put.bind(1, id).bind(2, key).bind(3, value).run();
    }
  }
  tx.commit();
  return id;
}

void Project::set_metrics(std::int64_t item_id,
                          const std::vector<std::pair<std::string, double>>& metrics) {
  Transaction tx(db_);
  Statement& put = statements_->get("INSERT INTO metrics (item_id, name, value) VALUES (?, ?, ?) "
                                    "ON CONFLICT (item_id, name) DO UPDATE SET value = "
                                    "excluded.value");
  ResetOnExit reset_put{put};
  Statement& drop = statements_->get("DELETE FROM metrics WHERE item_id = ? AND name = ?");
  ResetOnExit reset_drop{drop};
  for (const auto& [name, value] : metrics) {
    // A non-finite value means "no value": SQLite would store NaN as NULL.
    if (std::isfinite(value)) {
      put.reset();
      put.bind(1, item_id).bind(2, name).bind(3, value).run();
    } else {
      drop.reset();
      drop.bind(1, item_id).bind(2, name).run();
    }
  }
  tx.commit();
}

std::size_t Project::set_pixel_size(const std::vector<std::int64_t>& item_ids, double pixel_size_A,
                                    PixelSizeSource source) {
  if (!(pixel_size_A > 0) || !std::isfinite(pixel_size_A))
    throw Error("pixel size must be positive, not " + std::to_string(pixel_size_A));
  std::string ids;
  append_json_ids(ids, item_ids);
  Statement s(db_, "UPDATE items SET pixel_size_A = ?2, pixel_size_source = ?3 WHERE id IN "
                   "(SELECT value FROM json_each(?1)) AND " +
                       pixel_rank("items.pixel_size_source") + " <= " + pixel_rank("?3"));
  s.bind(1, ids).bind(2, pixel_size_A).bind(3, source_name(source)).run();
  return static_cast<std::size_t>(sqlite3_changes(db_));
}

std::size_t Project::set_dataset_pixel_size(std::int64_t dataset_id, double pixel_size_A) {
  if (!(pixel_size_A > 0) || !std::isfinite(pixel_size_A))
    throw Error("pixel size must be positive, not " + std::to_string(pixel_size_A));
  Transaction tx(db_);
  Statement d(db_, "UPDATE datasets SET pixel_size_A = ?, pixel_size_source = 'user' WHERE id = ?");
  d.bind(1, pixel_size_A).bind(2, dataset_id).run();
  if (sqlite3_changes(db_) == 0) throw Error("no dataset with id " + std::to_string(dataset_id));
  Statement items(db_, "UPDATE items SET pixel_size_A = ?, pixel_size_source = 'user' WHERE "
                       "dataset_id = ?");
  items.bind(1, pixel_size_A).bind(2, dataset_id).run();
  const auto changed = static_cast<std::size_t>(sqlite3_changes(db_));
  tx.commit();
  return changed;
}

void Project::clear_metrics(std::int64_t item_id) {
  Statement& drop = statements_->get("DELETE FROM metrics WHERE item_id = ?");
  ResetOnExit reset_drop{drop};
  drop.bind(1, item_id).run();
}

std::optional<ItemFileState> Project::find_item_by_path(std::int64_t dataset_id,
                                                        const std::string& rel_path) const {
  Statement& s = statements_->get("SELECT id, size_bytes, mtime_ns, fingerprint, import_status "
                                  "FROM items WHERE dataset_id = ? AND rel_path = ?");
  ResetOnExit reset{s};
  s.bind(1, dataset_id).bind(2, rel_path);
  if (!s.step()) return std::nullopt;
  return ItemFileState{s.column_int(0), s.column_int(1), s.column_int(2), s.column_text(3),
                       s.column_text(4) == "ok"};
}

std::optional<ItemRow> Project::item(std::int64_t item_id) const {
  Statement s(db_, std::string("SELECT ") + kItemColumns + " FROM items WHERE items.id = ?");
  s.bind(1, item_id);
  if (!s.step()) return std::nullopt;
  return read_row(s, false);
}

std::map<std::string, std::string> Project::item_metadata(std::int64_t item_id) const {
  Statement s(db_, "SELECT key, value FROM item_metadata WHERE item_id = ?");
  s.bind(1, item_id);
  std::map<std::string, std::string> out;
  while (s.step())
    out[s.column_text(0)] = s.column_text(1);
  return out;
}

std::map<std::string, double> Project::item_metrics(std::int64_t item_id) const {
  Statement s(db_, "SELECT name, value FROM metrics WHERE item_id = ?");
  s.bind(1, item_id);
  std::map<std::string, double> out;
  while (s.step())
    out[s.column_text(0)] = s.column_double(1);
  return out;
}

std::vector<ItemRow> Project::query_items(const std::string& filter, const ItemSort& sort,
                                          std::int64_t limit, std::int64_t offset) const {
  const CompiledFilter where = compile_filter(filter);
  const char* direction = sort.descending ? " DESC" : " ASC";
  const char* column = sort.key.rfind("metric.", 0) == 0 ? nullptr : sort_column(sort.key);
  limit = limit < 0 ? std::numeric_limits<std::int64_t>::max() : limit;
  offset = std::max<std::int64_t>(offset, 0);
  std::vector<ItemRow> out;
  if (column) {
    Statement s(db_, std::string("SELECT ") + kItemColumns + ", NULL FROM items WHERE " +
                         where.sql + " ORDER BY " + column + direction + ", items.id" + direction +
                         " LIMIT ? OFFSET ?");
    bind_all(s, where.params);
    const int next = 1 + static_cast<int>(where.params.size());
    s.bind(next, limit).bind(next + 1, offset);
    while (s.step())
      out.push_back(read_row(s, false));
    return out;
  }
  // Sorted by a metric: first the items that have it, walking the
  // (name, value, item_id) index in order so the first page stops early,
  // then the items without it by id.
  const std::string metric = sort.key.rfind("metric.", 0) == 0 ? sort.key.substr(7) : sort.key;
  {
    Statement s(db_, std::string("SELECT ") + kItemColumns +
                         ", s.value FROM metrics s INDEXED BY metrics_by_value JOIN items ON "
                         "items.id = s.item_id WHERE s.name = ? AND " +
                         where.sql + " ORDER BY s.value" + direction + ", s.item_id" + direction +
                         " LIMIT ? OFFSET ?");
    s.bind(1, metric);
    bind_all(s, where.params, 2);
    const int next = 2 + static_cast<int>(where.params.size());
    s.bind(next, limit).bind(next + 1, offset);
    while (s.step())
      out.push_back(read_row(s, true));
  }
  if (static_cast<std::int64_t>(out.size()) == limit) return out;
  // How many items with the metric came before this page's first without.
  std::int64_t with_metric = offset + static_cast<std::int64_t>(out.size());
  if (out.empty()) {
    Statement c(db_, "SELECT count(*) FROM metrics s JOIN items ON items.id = s.item_id WHERE "
                     "s.name = ? AND " +
                         where.sql);
    c.bind(1, metric);
    bind_all(c, where.params, 2);
    with_metric = c.step() ? c.column_int(0) : 0;
  }
  Statement s(db_, std::string("SELECT ") + kItemColumns +
                       ", NULL FROM items WHERE NOT EXISTS (SELECT 1 FROM metrics m WHERE "
                       "m.item_id = items.id AND m.name = ?) AND " +
                       where.sql + " ORDER BY items.id" + direction + " LIMIT ? OFFSET ?");
  s.bind(1, metric);
  bind_all(s, where.params, 2);
  const int next = 2 + static_cast<int>(where.params.size());
  s.bind(next, limit - static_cast<std::int64_t>(out.size()))
      .bind(next + 1, std::max<std::int64_t>(0, offset - with_metric));
  while (s.step())
    out.push_back(read_row(s, false));
  return out;
}

std::int64_t Project::count_items(const std::string& filter) const {
  const CompiledFilter where = compile_filter(filter);
  Statement s(db_, "SELECT count(*) FROM items WHERE " + where.sql);
  bind_all(s, where.params);
  return s.step() ? s.column_int(0) : 0;
}

std::vector<std::int64_t> Project::query_ids(const std::string& filter) const {
  const CompiledFilter where = compile_filter(filter);
  Statement s(db_, "SELECT items.id FROM items WHERE " + where.sql + " ORDER BY items.id");
  bind_all(s, where.params);
  std::vector<std::int64_t> out;
  while (s.step())
    out.push_back(s.column_int(0));
  return out;
}

void Project::save_selection(const std::string& name, const std::vector<std::int64_t>& item_ids) {
  if (name.empty()) throw Error("a selection needs a name");
  Transaction tx(db_);
  Statement id_of(db_, "INSERT INTO selections (name) VALUES (?) ON CONFLICT (name) DO UPDATE "
                       "SET name = excluded.name RETURNING id");
  id_of.bind(1, name);
  id_of.step();
  const std::int64_t id = id_of.column_int(0);
  id_of.run();
  Statement clear(db_, "DELETE FROM selection_items WHERE selection_id = ?");
  clear.bind(1, id).run();
  Statement exists(db_, "SELECT 1 FROM items WHERE id = ?");
  Statement put(db_, "INSERT OR IGNORE INTO selection_items (selection_id, item_id) VALUES (?, ?)");
  for (std::int64_t item : item_ids) {
    exists.reset();
    exists.bind(1, item);
    if (!exists.step())
      throw Error("selection " + name + ": no item with id " + std::to_string(item));
    exists.reset();
    put.reset();
    put.bind(1, id).bind(2, item).run();
  }
  tx.commit();
}

std::vector<std::int64_t> Project::selection(const std::string& name) const {
  Statement s(db_, "SELECT si.item_id FROM selection_items si JOIN selections s ON s.id = "
                   "si.selection_id WHERE s.name = ? ORDER BY si.item_id");
  s.bind(1, name);
  std::vector<std::int64_t> out;
  while (s.step())
    out.push_back(s.column_int(0));
  return out;
}

std::vector<std::string> Project::selection_names() const {
  Statement s(db_, "SELECT name FROM selections ORDER BY name");
  std::vector<std::string> out;
  while (s.step())
    out.push_back(s.column_text(0));
  return out;
}

std::size_t Project::relink(const std::string& old_root, const std::string& new_root) {
  auto trim = [](std::string p) {
    while (p.size() > 1 && p.back() == '/')
      p.pop_back();
    return p;
  };
  const std::string from = trim(old_root), to = trim(new_root);
  if (from.empty() || to.empty()) throw Error("relink: the old and the new folder must be given");

  struct Change {
    std::int64_t id;
    std::string root;
  };
  std::vector<Change> changes;
  for (const DatasetRecord& d : datasets()) {
    const std::string root = trim(d.root);
    const bool under =
        root == from || (root.rfind(from, 0) == 0 && (from == "/" || root[from.size()] == '/'));
    if (under) changes.push_back({d.id, to + root.substr(from == "/" ? 0 : from.size())});
  }
  if (changes.empty()) throw Error("relink: no dataset has its root under " + from);

  // A deterministic spread of up to 16 items per dataset must be there, same size.
  Statement sample(db_, "SELECT rel_path, size_bytes FROM items WHERE dataset_id = ? AND "
                        "import_status = 'ok' ORDER BY (id * 2654435761) % 1000003, id LIMIT 16");
  for (const Change& c : changes) {
    std::error_code ec;
    if (!fs::is_directory(c.root, ec))
      throw Error("relink: " + c.root + " is not a folder; nothing was changed");
    sample.reset();
    sample.bind(1, c.id);
    while (sample.step()) {
      const fs::path file = fs::path(c.root) / sample.column_text(0);
      const auto expected = static_cast<std::uintmax_t>(sample.column_int(1));
      if (!fs::is_regular_file(file, ec))
        throw Error("relink: " + file.string() + " does not exist; nothing was changed");
      const std::uintmax_t size = fs::file_size(file, ec);
      if (ec || size != expected)
        throw Error("relink: " + file.string() + " has " + std::to_string(size) +
                    " bytes, the project expects " + std::to_string(expected) +
                    "; nothing was changed");
    }
  }
  sample.reset();
  Transaction tx(db_);
  Statement update(db_, "UPDATE datasets SET root = ? WHERE id = ?");
  for (const Change& c : changes) {
    update.reset();
    update.bind(1, c.root).bind(2, c.id).run();
  }
  tx.commit();
  return changes.size();
}

} // namespace atelier::project

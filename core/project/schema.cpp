// Migration steps of the project database. Never edit a released step: add a
// new one at the end.
#include "core/project/schema.h"

#include "core/base/error.h"
#include "core/project/sqlite_db.h"

#include <sqlite3.h>

namespace atelier::project {

namespace {

// Version 1: datasets, items and everything hanging off them.
constexpr std::string_view kStep1 = R"sql(
CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  root TEXT NOT NULL,
  pixel_size_A REAL NOT NULL DEFAULT 0,
  pixel_size_source TEXT NOT NULL DEFAULT 'none'
    CHECK (pixel_size_source IN ('none', 'header', 'star', 'user'))
);
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  rel_path TEXT NOT NULL,
  format TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL DEFAULT '',
  width INTEGER NOT NULL DEFAULT 0,
  height INTEGER NOT NULL DEFAULT 0,
  depth INTEGER NOT NULL DEFAULT 1,
  frames INTEGER NOT NULL DEFAULT 1,
  channels INTEGER NOT NULL DEFAULT 1,
  dtype TEXT NOT NULL DEFAULT '',
  pixel_size_A REAL NOT NULL DEFAULT 0,
  size_bytes INTEGER NOT NULL DEFAULT 0,
  mtime_ns INTEGER NOT NULL DEFAULT 0,
  fingerprint TEXT NOT NULL DEFAULT '',
  import_status TEXT NOT NULL DEFAULT 'ok' CHECK (import_status IN ('ok', 'error')),
  import_error TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'none' CHECK (status IN ('none', 'accept', 'reject')),
  split TEXT CHECK (split IN ('train', 'val', 'test')),
  UNIQUE (dataset_id, rel_path)
);
CREATE INDEX items_by_status ON items(status);
CREATE INDEX items_by_split ON items(split);
CREATE TABLE item_metadata (
  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (item_id, key)
) WITHOUT ROWID;
CREATE TABLE metrics (
  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (item_id, name)
) WITHOUT ROWID;
CREATE TABLE labels (
  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  PRIMARY KEY (item_id, label)
) WITHOUT ROWID;
CREATE INDEX labels_by_label ON labels(label, item_id);
CREATE TABLE tags (
  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (item_id, tag)
) WITHOUT ROWID;
CREATE INDEX tags_by_tag ON tags(tag, item_id);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL,
  recipe TEXT NOT NULL,
  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE event_log (
  id INTEGER PRIMARY KEY,
  time TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  undone INTEGER NOT NULL DEFAULT 0
);
)sql";

// Version 2: range queries on metrics and named selections.
constexpr std::string_view kStep2 = R"sql(
CREATE INDEX metrics_by_value ON metrics(name, value, item_id);
CREATE TABLE selections (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);
CREATE TABLE selection_items (
  selection_id INTEGER NOT NULL REFERENCES selections(id) ON DELETE CASCADE,
  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  PRIMARY KEY (selection_id, item_id)
) WITHOUT ROWID;
)sql";

// Version 3: where each item's pixel size came from (header, a STAR file
// next to the data, or the user), so a better source is never overwritten
// by a worse one on re-import.
constexpr std::string_view kStep3 = R"sql(
ALTER TABLE items ADD COLUMN pixel_size_source TEXT NOT NULL DEFAULT 'none'
  CHECK (pixel_size_source IN ('none', 'header', 'star', 'user'));
UPDATE items SET pixel_size_source = 'header' WHERE pixel_size_A > 0;
)sql";

// Version 4: each dataset's normalisation record (what training normalises
// with), one row per band; band 0 holds all values together.
constexpr std::string_view kStep4 = R"sql(
CREATE TABLE normalisation (
  dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  band INTEGER NOT NULL,
  items INTEGER NOT NULL,
  mean REAL NOT NULL,
  std REAL NOT NULL,
  p01 REAL NOT NULL,
  p50 REAL NOT NULL,
  p99 REAL NOT NULL,
  computed TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  PRIMARY KEY (dataset_id, band)
) WITHOUT ROWID;
)sql";

// Version 5: outputs made from items (a denoised micrograph in derived/),
// linked to their source item, one per kind and source (run and checkpoint).
constexpr std::string_view kStep5 = R"sql(
CREATE TABLE derived (
  id INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  path TEXT NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
  UNIQUE (item_id, kind, source)
);
CREATE INDEX derived_item ON derived(item_id);
)sql";

// Version 6: a free-text note per item, and the project's label set (the
// labels the app offers, with a colour and a key 1-9 each).
constexpr std::string_view kStep6 = R"sql(
ALTER TABLE items ADD COLUMN note TEXT;
CREATE TABLE label_set (
  name TEXT PRIMARY KEY,
  colour TEXT NOT NULL,
  key TEXT NOT NULL DEFAULT '',
  position INTEGER NOT NULL
);
)sql";

} // namespace

const std::vector<std::string_view>& schema_migrations() {
  static const std::vector<std::string_view> steps{kStep1, kStep2, kStep3, kStep4, kStep5, kStep6};
  return steps;
}

int current_schema_version() {
  return static_cast<int>(schema_migrations().size());
}

int read_schema_version(sqlite3* db) {
  Statement s(db, "PRAGMA user_version");
  return s.step() ? static_cast<int>(s.column_int(0)) : 0;
}

void migrate_schema(sqlite3* db, const std::string& name) {
  const int latest = current_schema_version();
  int version = read_schema_version(db);
  if (version > latest)
    throw Error("project " + name + " was made by a newer Atelier (schema " +
                std::to_string(version) + ", this build reads up to " + std::to_string(latest) +
                ")");
  if (version == latest) return;
  Transaction tx(db);
  // Re-read under the write lock: another process may have upgraded meanwhile.
  version = read_schema_version(db);
  if (version < 0) throw Error("project " + name + " has a negative schema version");
  for (int step = version; step < latest; ++step)
    exec(db, std::string(schema_migrations()[static_cast<size_t>(step)]).c_str());
  exec(db, ("PRAGMA user_version = " + std::to_string(latest)).c_str());
  tx.commit();
}

} // namespace atelier::project

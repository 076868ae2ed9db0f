// Unit tests of the project store (core/project): creating and opening
// projects, schema migrations, WAL, curation with its event log and
// undo/redo (also across reopening), the filter language (including
// injection attempts), sorting and paging, split assignment, relinking and
// safety against a process killed mid-transaction, the writer lock and
// read-only opening.
#include "core/base/error.h"
#include "core/project/filesystem_kind.h"
#include "core/project/filter_expr.h"
#include "core/project/project.h"
#include "core/project/schema.h"
#include "core/project/writer_lock.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

using namespace atelier;
using namespace atelier::project;
namespace fs = std::filesystem;

namespace {

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.message();
  }
  return "(no error)";
}

QString ids_text(const std::vector<std::int64_t>& ids) {
  QStringList parts;
  for (auto id : ids)
    parts << QString::number(id);
  return parts.join(',');
}

QString row_ids(const std::vector<ItemRow>& rows) {
  std::vector<std::int64_t> ids;
  for (const auto& r : rows)
    ids.push_back(r.id);
  return ids_text(ids);
}

void write_bytes(const fs::path& path, size_t n) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << std::string(n, 'x');
}

// Six items with varied columns, metrics, curation and one import error.
std::int64_t fill_fixture(Project& p) {
  const std::int64_t ds = p.add_dataset({0, "ds", "/data/ds", 1.06, PixelSizeSource::header});
  struct Spec {
    const char* path;
    const char* format;
    const char* kind;
    std::int64_t width;
    double ctf; // < 0: none
  };
  const Spec specs[] = {{"grid1/sq12_a.mrc", "mrc", "image", 4096, 4.0},
                        {"grid1/sq12_b.mrc", "mrc", "image", 4096, 7.5},
                        {"grid2/sq3_c.tif", "tiff", "movie", 5760, 5.0},
                        {"grid2/sq4_d.tif", "tiff", "movie", 5760, 9.0},
                        {"grid3/x.mrc", "mrc", "volume", 256, -1},
                        {"grid3/y's \"quoted\".mrc", "mrc", "image", 4096, 6.0}};
  auto batch = p.batch();
  for (const Spec& s : specs) {
    ItemRecord r;
    r.dataset_id = ds;
    r.rel_path = s.path;
    r.format = s.format;
    r.kind = s.kind;
    r.width = r.height = s.width;
    r.dtype = "float32";
    r.size_bytes = s.width * 4;
    r.import_ok = s.ctf >= 0;
    if (!r.import_ok) r.import_error = "truncated";
    const auto id = p.upsert_item(r);
    if (s.ctf >= 0) p.set_metrics(id, {{"ctf_resolution", s.ctf}, {"ice", s.ctf * 2.5}});
  }
  batch.commit();
  p.set_status({1, 3, 6}, CurationStatus::accept);
  p.set_status({2}, CurationStatus::reject);
  p.add_label({1, 3, 6}, "good");
  p.add_label({2}, "bad");
  p.add_tag({1, 3}, "t1");
  p.set_split({3}, Split::train);
  p.save_selection("picked", {2, 4});
  return ds;
}

} // namespace

class TestProject : public QObject {
  Q_OBJECT

private:
  QTemporaryDir tmp_;
  int counter_ = 0;
  fs::path fresh(const char* name = "p") {
    return fs::path(tmp_.path().toStdString()) /
           (std::string(name) + std::to_string(++counter_) + ".atelier");
  }

private slots:
  void createOpenRefuse() {
    const fs::path dir = fresh();
    {
      Project p = Project::create(dir);
      QCOMPARE(p.schema_version(), current_schema_version());
      QVERIFY(fs::is_regular_file(dir / "project.sqlite"));
      for (const char* sub : {"cache", "derived", "runs"})
        QVERIFY(fs::is_directory(dir / sub));
      p.add_dataset({0, "a", "/x", 0, PixelSizeSource::none});
      QCOMPARE(p.add_run("runs/r1", "denoise"), std::int64_t{1});
    }
    QCOMPARE(QString::fromStdString(error_of([&] { Project::create(dir); })),
             QString::fromStdString("cannot create project " + dir.string() +
                                    ": the folder exists and is not empty"));
    const fs::path plain = fs::path(tmp_.path().toStdString()) / "plain";
    QCOMPARE(QString::fromStdString(error_of([&] { Project::create(plain); })),
             QString::fromStdString("cannot create project " + plain.string() +
                                    ": the folder name must end in .atelier"));
    fs::create_directories(plain);
    QCOMPARE(
        QString::fromStdString(error_of([&] { Project::open(plain); })),
        QString::fromStdString(plain.string() + " is not an Atelier project (no project.sqlite)"));
    // cache/ is safe to delete: open recreates it and keeps the data.
    fs::remove_all(dir / "cache");
    Project p = Project::open(dir);
    QVERIFY(fs::is_directory(dir / "cache"));
    QCOMPARE(p.datasets().size(), size_t{1});
    QCOMPARE(p.datasets()[0].name, std::string("a"));
    QCOMPARE(p.runs().at(0).recipe, std::string("denoise"));
    // An empty existing folder is fine for create().
    const fs::path empty = fresh();
    fs::create_directories(empty);
    QCOMPARE(Project::create(empty).schema_version(), current_schema_version());
    // Garbage instead of a database.
    const fs::path junk = fresh();
    fs::create_directories(junk);
    std::ofstream(junk / "project.sqlite") << std::string(4096, 'j');
    const std::string junk_error = error_of([&] { Project::open(junk); });
    QVERIFY2(junk_error.find((junk / "project.sqlite").string() + ": ") != std::string::npos &&
                 junk_error.find("file is not a database") != std::string::npos,
             junk_error.c_str()); // names the file
  }

  void walAndPragmas() {
    Project p = Project::create(fresh());
    QCOMPARE(p.journal_mode(), std::string("wal"));
    QVERIFY(p.warning().empty());
    // Foreign keys are on: an item needs its dataset.
    ItemRecord orphan;
    orphan.dataset_id = 42;
    orphan.rel_path = "x";
    QVERIFY(error_of([&] { p.upsert_item(orphan); }).find("FOREIGN KEY") != std::string::npos);
    ProjectOptions net;
    net.assume_network_fs = true;
    Project n = Project::create(fresh(), net);
    QCOMPARE(n.journal_mode(), std::string("delete"));
    QVERIFY(n.warning().find("rollback journal instead of WAL") != std::string::npos);
    QCOMPARE(network_filesystem_name(0x6969, ""), std::string("nfs"));
    QCOMPARE(network_filesystem_name(0xFF534D42, ""), std::string("cifs"));
    QCOMPARE(network_filesystem_name(0x517B, ""), std::string("smb"));
    QCOMPARE(network_filesystem_name(0x65735546, "fuse.sshfs"), std::string("sshfs"));
    QCOMPARE(network_filesystem_name(0x65735546, "fuse.gvfsd-fuse"), std::string(""));
    QCOMPARE(network_filesystem_name(0xEF53, ""), std::string(""));
  }

  void migrations() {
    // v0: an empty database (user_version 0).
    const fs::path v0 = fresh();
    fs::create_directories(v0);
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open((v0 / "project.sqlite").c_str(), &db), SQLITE_OK);
    sqlite3_close(db);
    QCOMPARE(Project::open(v0).schema_version(), current_schema_version());

    // v1 by hand: the first step's tables, one item, user_version 1.
    const fs::path v1 = fresh();
    fs::create_directories(v1);
    QCOMPARE(sqlite3_open((v1 / "project.sqlite").c_str(), &db), SQLITE_OK);
    QCOMPARE(
        sqlite3_exec(db, std::string(schema_migrations()[0]).c_str(), nullptr, nullptr, nullptr),
        SQLITE_OK);
    QCOMPARE(
        sqlite3_exec(db,
                     "INSERT INTO datasets (name, root) VALUES ('old', '/old');"
                     "INSERT INTO items (dataset_id, rel_path, size_bytes) VALUES (1, 'a.mrc', 7);"
                     "PRAGMA user_version = 1;",
                     nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(db);
    {
      Project p = Project::open(v1);
      QCOMPARE(p.schema_version(), current_schema_version());
      QCOMPARE(p.find_item_by_path(1, "a.mrc")->size_bytes, std::int64_t{7});
      // Step 3: the pixel size source column, "none" for an item without one.
      QCOMPARE(p.item(1)->pixel_size_source, PixelSizeSource::none);
      p.save_selection("s", {1}); // a table added by step 2
      QCOMPARE(p.selection("s"), std::vector<std::int64_t>{1});
    }
    QCOMPARE(sqlite3_open((v1 / "project.sqlite").c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name = 'metrics_by_value'", -1,
                       &st, nullptr);
    QCOMPARE(sqlite3_step(st), SQLITE_ROW);
    QCOMPARE(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    // A newer Atelier's project is refused and left alone.
    QCOMPARE(sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    QCOMPARE(QString::fromStdString(error_of([&] { Project::open(v1); })),
             QString::fromStdString("project " + v1.string() +
                                    " was made by a newer Atelier (schema 999, this build reads "
                                    "up to " +
                                    std::to_string(current_schema_version()) + ")"));
  }

  void importPath() {
    Project p = Project::create(fresh());
    const auto ds = p.add_dataset({0, "d", "/r", 0.5, PixelSizeSource::user});
    QCOMPARE(p.datasets()[0].pixel_size_source, PixelSizeSource::user);
    ItemRecord r;
    r.dataset_id = ds;
    r.rel_path = "a/b.mrc";
    r.size_bytes = 100;
    r.mtime_ns = 123456789012345;
    r.fingerprint = "abc";
    r.metadata = {{"grid", "g1"}, {"defocus", "1.5"}};
    const auto id = p.upsert_item(r);
    QVERIFY(!p.find_item_by_path(ds, "a/missing.mrc"));
    auto state = p.find_item_by_path(ds, "a/b.mrc");
    QVERIFY(state);
    QCOMPARE(state->id, id);
    QCOMPARE(state->mtime_ns, std::int64_t{123456789012345});
    QCOMPARE(state->fingerprint, std::string("abc"));
    // Re-import updates in place and keeps the id.
    r.size_bytes = 200;
    r.import_ok = false;
    r.import_error = "bad header";
    r.metadata = {{"grid", "g2"}};
    QCOMPARE(p.upsert_item(r), id);
    QCOMPARE(p.item(id)->size_bytes, std::int64_t{200});
    QCOMPARE(p.item(id)->import_error, std::string("bad header"));
    QVERIFY(!p.find_item_by_path(ds, "a/b.mrc")->import_ok);
    QCOMPARE(p.item_metadata(id), (std::map<std::string, std::string>{{"grid", "g2"}}));
    p.set_metrics(id, {{"m", 1.5}, {"n", 2}});
    p.set_metrics(id, {{"m", 3.0}, {"n", std::nan("")}});
    QCOMPARE(p.item_metrics(id), (std::map<std::string, double>{{"m", 3.0}}));
    // A batch that is not committed leaves nothing behind.
    {
      auto batch = p.batch();
      r.rel_path = "c.mrc";
      p.upsert_item(r);
    }
    QVERIFY(!p.find_item_by_path(ds, "c.mrc"));
  }

  void notesAndLabelSet() {
    const fs::path dir = fresh();
    {
      Project p = Project::create(dir);
      fill_fixture(p);
      QCOMPARE(p.note(1), std::string());
      p.set_note(1, "ice contamination, top left");
      p.set_note(1, "ice contamination");
      QCOMPARE(p.events().back().kind, std::string("set_note"));
      QVERIFY(p.undo());
      QCOMPARE(p.note(1), std::string("ice contamination, top left"));
      QVERIFY(p.undo());
      QCOMPARE(p.note(1), std::string());
      QVERIFY(p.redo());
      QVERIFY_THROWS_EXCEPTION(Error, p.note(999));

      QVERIFY(p.label_set().empty());
      p.set_label_set(
          {{"good", "#2da44e", "1"}, {"carbon edge", "#cf222e", "2"}, {"ice", "#0969da", ""}});
      QVERIFY_THROWS_EXCEPTION(Error,
                               p.set_label_set({{"a", "#000000", "1"}, {"b", "#ffffff", "1"}}));
      QVERIFY_THROWS_EXCEPTION(Error, p.set_label_set({{"a", "red", ""}}));
      QVERIFY_THROWS_EXCEPTION(Error, p.set_label_set({{"a", "#000000", "0"}}));
      QVERIFY_THROWS_EXCEPTION(Error,
                               p.set_label_set({{"a", "#000000", ""}, {"a", "#000000", ""}}));
    }
    // Both persist, in order.
    Project p = Project::open(dir);
    QCOMPARE(p.note(1), std::string("ice contamination, top left"));
    const auto set = p.label_set();
    QCOMPARE(set.size(), std::size_t(3));
    QCOMPARE(set[1].name, std::string("carbon edge"));
    QCOMPARE(set[1].colour, std::string("#cf222e"));
    QCOMPARE(set[1].key, std::string("2"));
    QCOMPARE(set[2].key, std::string());
  }

  void curationUndoRedo() {
    const fs::path dir = fresh();
    {
      Project p = Project::create(dir);
      fill_fixture(p);
      const size_t events_before = p.events().size();
      p.set_status({1, 2, 4}, CurationStatus::reject);
      auto events = p.events();
      QCOMPARE(events.size(), events_before + 1);
      QCOMPARE(events.back().kind, std::string("set_status"));
      QCOMPARE(events.back().payload, std::string("{\"column\":\"status\",\"new\":{\"reject\":[1,4]"
                                                  "},\"prev\":{\"accept\":[1],\"none\":[4]}}"));
      QCOMPARE(p.item(1)->status, CurationStatus::reject);
      QVERIFY(p.undo());
      QCOMPARE(p.item(1)->status, CurationStatus::accept);
      QCOMPARE(p.item(2)->status, CurationStatus::reject);
      QCOMPARE(p.item(4)->status, CurationStatus::none);
      QCOMPARE(p.events().back().undone, 1);
      QVERIFY(p.redo());
      QCOMPARE(p.item(1)->status, CurationStatus::reject);
      QCOMPARE(p.item(4)->status, CurationStatus::reject);
      QVERIFY(!p.redo());

      p.remove_label({1, 2, 5}, "good");
      QCOMPARE(p.events().back().payload,
               std::string("{\"table\":\"labels\",\"value\":\"good\",\"ids\":[1]}"));
      QVERIFY(p.labels(1).empty());
      QVERIFY(p.undo());
      QCOMPARE(p.labels(1), std::vector<std::string>{"good"});
      QVERIFY(p.redo());
      QVERIFY(p.labels(1).empty());

      p.add_tag({2, 3}, "odd \"one\"");
      QCOMPARE(p.tags(3), (std::vector<std::string>{"odd \"one\"", "t1"}));
      p.remove_tag({1}, "t1");
      QVERIFY(p.undo());
      QCOMPARE(p.tags(1), std::vector<std::string>{"t1"});
      QVERIFY(p.undo());
      QCOMPARE(p.tags(2), std::vector<std::string>{});

      p.set_split({3, 4}, Split::val);
      QCOMPARE(p.item(4)->split, Split::val);
      QVERIFY(p.undo());
      QCOMPARE(p.item(3)->split, Split::train);
      QCOMPARE(p.item(4)->split, Split::none);
      QVERIFY(p.can_redo());

      // A failing change (unknown id) changes nothing and logs nothing.
      const size_t n = p.events().size();
      QCOMPARE(QString::fromStdString(error_of([&] {
                 p.set_status({1, 999}, CurationStatus::none);
               })),
               QString("no item with id 999"));
      QCOMPARE(p.events().size(), n);
      QCOMPARE(p.item(1)->status, CurationStatus::reject);
      QVERIFY(p.can_redo()); // the failed change did not discard the redo tail
    }
    // Across a restart: redo the split change, then undo it and more.
    {
      Project p = Project::open(dir);
      QVERIFY(p.redo());
      QCOMPARE(p.item(4)->split, Split::val);
      QVERIFY(p.undo());
      QVERIFY(p.undo()); // the add_tag of item 2 and 3 was undone before: next is remove_label
      QCOMPARE(p.labels(1), std::vector<std::string>{"good"});
    }
    {
      Project p = Project::open(dir);
      // A new change discards the redo tail.
      QVERIFY(p.can_redo());
      p.add_label({5}, "new");
      QVERIFY(!p.can_redo());
      QVERIFY(!p.redo());
      QVERIFY(p.undo());
      QVERIFY(p.labels(5).empty());
      // The next undo skips the discarded events and reaches set_status.
      QVERIFY(p.undo());
      QCOMPARE(p.item(1)->status, CurationStatus::accept);
      QCOMPARE(p.item(4)->status, CurationStatus::none);
      int discarded = 0;
      for (const auto& e : p.events())
        discarded += e.undone == 2;
      QCOMPARE(discarded, 4);
    }
  }

  void bulkStatus() {
    Project p = Project::create(fresh());
    const auto ds = p.add_dataset({0, "d", "/r", 0, PixelSizeSource::none});
    std::vector<std::int64_t> ids;
    {
      auto batch = p.batch();
      ItemRecord r;
      r.dataset_id = ds;
      for (int i = 0; i < 20000; ++i) {
        r.rel_path = "f" + std::to_string(i);
        ids.push_back(p.upsert_item(r));
      }
      batch.commit();
    }
    p.set_status(ids, CurationStatus::accept);
    QCOMPARE(p.count_items("status = accept"), std::int64_t{20000});
    QVERIFY(p.undo());
    QCOMPARE(p.count_items("status = none"), std::int64_t{20000});
  }

  void filters_data() {
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("expected");
    QTest::newRow("empty") << ""
                           << "1,2,3,4,5,6";
    QTest::newRow("lt") << "ctf_resolution < 6"
                        << "1,3";
    QTest::newRow("le") << "ctf_resolution <= 6"
                        << "1,3,6";
    QTest::newRow("gt") << "ctf_resolution > 6"
                        << "2,4";
    QTest::newRow("ge") << "ctf_resolution >= 7.5"
                        << "2,4";
    QTest::newRow("eq") << "ctf_resolution = 5"
                        << "3";
    QTest::newRow("eqeq") << "ctf_resolution == 5e0"
                          << "3";
    QTest::newRow("ne") << "ctf_resolution != 5"
                        << "1,2,4,6";
    QTest::newRow("issue example")
        << "ctf_resolution < 6 and status = accept and label = good and path ~ \"sq12\""
        << "1";
    QTest::newRow("status") << "status = accept"
                            << "1,3,6";
    QTest::newRow("status ne") << "status != accept"
                               << "2,4,5";
    QTest::newRow("status none") << "status = none"
                                 << "4,5";
    QTest::newRow("label or") << "label = good or label = bad"
                              << "1,2,3,6";
    QTest::newRow("not label") << "not label = good"
                               << "2,4,5";
    QTest::newRow("label ne") << "label != good"
                              << "2,4,5";
    QTest::newRow("label substr") << "label ~ oo"
                                  << "1,3,6";
    QTest::newRow("tag") << "tag = t1"
                         << "1,3";
    QTest::newRow("split") << "split = train"
                           << "3";
    QTest::newRow("split none") << "split = none"
                                << "1,2,4,5,6";
    QTest::newRow("split ne") << "split != train"
                              << "1,2,4,5,6";
    QTest::newRow("format") << "format = tiff"
                            << "3,4";
    QTest::newRow("kind") << "kind = 'movie'"
                          << "3,4";
    QTest::newRow("dataset") << "dataset = ds"
                             << "1,2,3,4,5,6";
    QTest::newRow("dataset other") << "dataset = other"
                                   << "";
    QTest::newRow("path substr") << "path ~ grid3"
                                 << "5,6";
    QTest::newRow("path quoted") << "path = \"grid3/y's \\\"quoted\\\".mrc\""
                                 << "6";
    QTest::newRow("width") << "width > 5000"
                           << "3,4";
    QTest::newRow("size") << "size <= 1024"
                          << "5";
    QTest::newRow("import") << "import = error"
                            << "5";
    QTest::newRow("selection") << "selection = picked"
                               << "2,4";
    QTest::newRow("parens") << "(status = accept or status = reject) and not format = mrc"
                            << "3";
    QTest::newRow("precedence") << "status = reject or status = accept and format = tiff"
                                << "2,3";
    QTest::newRow("case") << "STATUS = accept AND Ctf_resolution < 5"
                          << "";
    QTest::newRow("case keyword") << "status = ACCEPT AND ctf_resolution < 5"
                                  << "1";
    QTest::newRow("not not") << "not not label = good"
                             << "1,3,6";
    QTest::newRow("metric prefix") << "metric.ice = 10"
                                   << "1";
    QTest::newRow("negative") << "ice > -1 and ice < 1e9"
                              << "1,2,3,4,6";
    QTest::newRow("unknown metric") << "nothing < 1"
                                    << "";
    QTest::newRow("injection metric") << "x = \"a'; drop table items; --\""
                                      << "";
    QTest::newRow("injection path") << "path = \"x' or '1'='1\""
                                    << "";
    QTest::newRow("injection label") << "label = 'good\" or 1=1 --'"
                                     << "";
    QTest::newRow("injection tag") << "tag ~ \"'); DELETE FROM items; --\""
                                   << "";
  }

  void filters() {
    QFETCH(QString, filter);
    QFETCH(QString, expected);
    Project p = Project::create(fresh());
    fill_fixture(p);
    QCOMPARE(ids_text(p.query_ids(filter.toStdString())), expected);
    QCOMPARE(p.count_items(filter.toStdString()),
             std::int64_t(expected.isEmpty() ? 0 : expected.split(',').size()));
    QCOMPARE(p.count_items(""), std::int64_t{6}); // nothing was dropped
    QCOMPARE(p.labels(1), std::vector<std::string>{"good"});
  }

  void filterErrors_data() {
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QString>("message");
    QTest::newRow("no value")
        << "ctf_resolution <"
        << "filter: expected a value after '<' but found end of input at position 17";
    QTest::newRow("unknown status")
        << "status = maybe"
        << "filter: unknown status 'maybe' (none, accept or reject) at position 10";
    QTest::newRow("unknown split")
        << "split = 7"
        << "filter: unknown split '7' (train, val, test or none) at position 9";
    QTest::newRow("number needed")
        << "width > big"
        << "filter: 'width' needs a number but found 'big' at position 9";
    QTest::newRow("unclosed paren") << "(status = accept"
                                    << "filter: expected ')' but found end of input at position 17";
    QTest::newRow("no operator")
        << "status accept"
        << "filter: expected an operator after 'status' but found 'accept' at position 8";
    QTest::newRow("lone and")
        << "and"
        << "filter: expected a field name or '(' but found 'and' at position 1";
    QTest::newRow("dangling and")
        << "a = 1 and"
        << "filter: expected a field name or '(' but found end of input at position 10";
    QTest::newRow("bad operator")
        << "path < 3"
        << "filter: operator '<' cannot be used with 'path' at position 6";
    QTest::newRow("substring metric")
        << "ice ~ 3"
        << "filter: operator '~' cannot be used with metric 'ice' at position 5";
    QTest::newRow("unterminated") << "a = \"open"
                                  << "filter: unterminated string at position 5";
    QTest::newRow("bad char") << "a = 1 # 2"
                              << "filter: unexpected character '#' at position 7";
    QTest::newRow("bang") << "a ! 1"
                          << "filter: unexpected character '!' at position 3";
    QTest::newRow("missing and")
        << "a = 1 b = 2"
        << "filter: expected 'and', 'or' or end of input but found 'b' at position 7";
    QTest::newRow("extra paren")
        << "a = 1)"
        << "filter: expected 'and', 'or' or end of input but found ')' at position 6";
    QTest::newRow("bad number") << "a < 1.2.3"
                                << "filter: malformed number '1.2' at position 5";
    QTest::newRow("string op") << "a = = 1"
                               << "filter: expected a value after '=' but found '=' at position 5";
    QTest::newRow("deep") << QString("(").repeated(100) + "a = 1" + QString(")").repeated(100)
                          << "filter: expression nested too deeply at position 66";
  }

  void filterErrors() {
    QFETCH(QString, filter);
    QFETCH(QString, message);
    QCOMPARE(QString::fromStdString(error_of([&] { compile_filter(filter.toStdString()); })),
             message);
  }

  void filterLimits() {
    std::string many = "a = 1";
    for (int i = 0; i < 300; ++i)
      many += " or a = 1";
    QVERIFY(error_of([&] { compile_filter(many); }).find("too many comparisons") !=
            std::string::npos);
    // A number names a label as written (the grid's digit keys make "1".."9").
    QCOMPARE(std::get<std::string>(compile_filter("label = 3").params.at(0)), std::string("3"));
    QCOMPARE(std::get<std::string>(compile_filter("label = 07").params.at(0)), std::string("07"));
    const auto compiled = compile_filter("ctf < 6 and label = \"x'y\"");
    QCOMPARE(compiled.params.size(), size_t{3});
    QVERIFY(compiled.sql.find("x'y") == std::string::npos); // values are bound, not spliced
    QCOMPARE(std::get<std::string>(compiled.params[2]), std::string("x'y"));
  }

  void filterAndKeepsTheGuard() {
    QCOMPARE(filter_and("", "import = ok"), std::string("import = ok"));
    QCOMPARE(filter_and(" \t", "import = ok"), std::string("import = ok"));
    QCOMPARE(filter_and("a < 1 or b > 2", "import = ok"),
             std::string("(a < 1 or b > 2) and (import = ok)"));
    // Text that would close the parenthesis and leave the guard behind an
    // "or" is refused: the user's part must be a whole expression.
    QVERIFY(error_of([&] { filter_and("a = 1) or (b = 2", "import = ok"); }) != "(no error)");
    QVERIFY(error_of([&] { filter_and("status = accept) or (a = 1", "kind = movie"); }) !=
            "(no error)");
  }

  void pixelSizeProvenance() {
    Project p = Project::create(fresh());
    const auto ds = p.add_dataset({0, "d", "/r", 0, PixelSizeSource::none});
    auto item = [&](const char* path, double px) {
      ItemRecord r;
      r.dataset_id = ds;
      r.rel_path = path;
      r.pixel_size_A = px;
      r.pixel_size_source = px > 0 ? PixelSizeSource::header : PixelSizeSource::none;
      return p.upsert_item(r);
    };
    const auto a = item("a.mrc", 1.0), b = item("b.mrc", 0.0);
    QCOMPARE(p.item(a)->pixel_size_source, PixelSizeSource::header);
    // A STAR file beats the header; the header does not beat it on re-import.
    QCOMPARE(p.set_pixel_size({a, b}, 2.806, PixelSizeSource::star_file), std::size_t{2});
    item("a.mrc", 1.0);
    QCOMPARE(p.item(a)->pixel_size_A, 2.806);
    QCOMPARE(p.item(a)->pixel_size_source, PixelSizeSource::star_file);
    // The user's value beats both and survives; a header cannot undo it.
    QCOMPARE(p.set_dataset_pixel_size(ds, 1.5), std::size_t{2});
    QCOMPARE(p.set_pixel_size({a}, 3.0, PixelSizeSource::star_file), std::size_t{0});
    item("b.mrc", 0.9);
    QCOMPARE(p.item(b)->pixel_size_A, 1.5);
    QCOMPARE(p.item(b)->pixel_size_source, PixelSizeSource::user);
    QCOMPARE(p.datasets()[0].pixel_size_source, PixelSizeSource::user);
    QCOMPARE(p.count_items("pixel_size = 1.5"), std::int64_t{2});
    QVERIFY_THROWS_EXCEPTION(Error, p.set_dataset_pixel_size(ds, 0.0));
    QVERIFY_THROWS_EXCEPTION(Error, p.set_dataset_pixel_size(ds + 99, 1.0));
    QVERIFY_THROWS_EXCEPTION(Error, p.set_pixel_size({a}, std::nan(""), PixelSizeSource::user));
  }

  void normalisationRecord() {
    Project p = Project::create(fresh());
    const auto ds = p.add_dataset({0, "d", "/r", 0, PixelSizeSource::none});
    auto item = [&](const char* path, std::int64_t w, double mean, double sd, double p50) {
      ItemRecord r;
      r.dataset_id = ds;
      r.rel_path = path;
      r.width = w;
      r.height = 10;
      const auto id = p.upsert_item(r);
      p.set_metrics(id, {{"mean", mean},
                         {"std", sd},
                         {"p01", p50 - 2 * sd},
                         {"p50", p50},
                         {"p99", p50 + 2 * sd},
                         {"mean_b1", mean},
                         {"std_b1", sd},
                         {"p01_b1", 0},
                         {"p50_b1", p50},
                         {"p99_b1", 1},
                         {"mean_dose", 7}});
      return id;
    };
    item("a", 10, 0.0, 1.0, 0.0); // 100 pixels
    item("b", 30, 4.0, 2.0, 4.0); // 300 pixels
    ItemRecord broken;
    broken.dataset_id = ds;
    broken.rel_path = "c";
    broken.import_ok = false;
    p.set_metrics(p.upsert_item(broken),
                  {{"mean", 1000}, {"std", 1}, {"p01", 0}, {"p50", 0}, {"p99", 0}});
    const auto n = p.update_normalisation(ds);
    QCOMPARE(n.size(), std::size_t{2}); // band 0 and band 1
    QCOMPARE(n[0].band, 0);
    QCOMPARE(n[0].items, std::int64_t{2});
    QCOMPARE(n[0].mean, 3.0); // (100 * 0 + 300 * 4) / 400
    // Pooled: E[x^2] = (100 * 1 + 300 * (4 + 16)) / 400 = 15.25, minus 9.
    QVERIFY(std::abs(n[0].std - 2.5) < 1e-12);
    QCOMPARE(n[0].p50, 4.0); // the pixel-weighted median of the items' medians
    QCOMPARE(n[1].band, 1);
    const auto stored = p.normalisation(ds);
    QCOMPARE(stored.size(), std::size_t{2});
    QCOMPARE(stored[0].mean, 3.0);
    QCOMPARE(stored[1].p99, 1.0);
    QVERIFY(p.normalisation(ds + 1).empty());
  }

  void metricHistogram() {
    Project p = Project::create(fresh());
    const auto ds = p.add_dataset({0, "d", "/r", 0, PixelSizeSource::none});
    for (int i = 0; i < 10; ++i) {
      ItemRecord r;
      r.dataset_id = ds;
      r.rel_path = std::to_string(i);
      const auto id = p.upsert_item(r);
      if (i < 9) p.set_metrics(id, {{"res", double(i)}, {"b", 1.0}});
    }
    QCOMPARE(p.metric_names(), (std::vector<std::string>{"b", "res"}));
    const auto h = p.metric_histogram("res", "", 4); // 0..8 in bins of 2
    QCOMPARE(h.min, 0.0);
    QCOMPARE(h.max, 8.0);
    QCOMPARE(h.counts, (std::vector<std::int64_t>{2, 2, 2, 3})); // 8 joins the last bin
    QCOMPARE(h.items, std::int64_t{10});
    QCOMPARE(h.missing, std::int64_t{1});
    const auto f = p.metric_histogram("res", "res >= 4", 2);
    QCOMPARE(f.counts, (std::vector<std::int64_t>{2, 3}));
    const auto flat = p.metric_histogram("b", "", 3); // one value: all in bin 0
    QCOMPARE(flat.counts, (std::vector<std::int64_t>{9, 0, 0}));
    QCOMPARE(p.metric_histogram("none", "", 3).missing, std::int64_t{10});
    QVERIFY_THROWS_EXCEPTION(Error, p.metric_histogram("res", "", 0));
    QVERIFY_THROWS_EXCEPTION(Error, p.metric_histogram("res", "res <", 2));
  }

  void sortingAndPaging() {
    Project p = Project::create(fresh());
    fill_fixture(p);
    QCOMPARE(row_ids(p.query_items("", {"ctf_resolution", false})), QString("1,3,6,2,4,5"));
    QCOMPARE(row_ids(p.query_items("", {"ctf_resolution", true})), QString("4,2,6,3,1,5"));
    const auto page = p.query_items("", {"ctf_resolution", false}, 2, 2);
    QCOMPARE(row_ids(page), QString("6,2"));
    QCOMPARE(*page[0].sort_value, 6.0);
    // Pages across the end of the items that have the metric (5 lacks it).
    QCOMPARE(row_ids(p.query_items("", {"ctf_resolution", false}, 2, 4)), QString("4,5"));
    QCOMPARE(row_ids(p.query_items("", {"ctf_resolution", false}, 2, 5)), QString("5"));
    QCOMPARE(row_ids(p.query_items("", {"ctf_resolution", false}, 2, 6)), QString(""));
    QCOMPARE(row_ids(p.query_items("", {"ctf_resolution", true}, 5, 4)), QString("1,5"));
    QCOMPARE(row_ids(p.query_items("", {"ctf_resolution", false}, -1, 3)), QString("2,4,5"));
    QCOMPARE(row_ids(p.query_items("format = mrc", {"path", true})), QString("6,5,2,1"));
    QCOMPARE(row_ids(p.query_items("", {"width", true}, 3)),
             QString("4,3,6")); // ties: id, same direction
    QCOMPARE(row_ids(p.query_items("", {"status", false}, -1)), QString("1,3,6,4,5,2"));
    QCOMPARE(row_ids(p.query_items("ice > 12", {"metric.ctf_resolution", false}, 10, 0)),
             QString("3,6,2,4"));
    QCOMPARE(row_ids(p.query_items("", {}, 2, 4)), QString("5,6"));
    QCOMPARE(row_ids(p.query_items("", {}, 2, 6)), QString(""));
    const auto rows = p.query_items("id = 3");
    QCOMPARE(rows.size(), size_t{1});
    QCOMPARE(rows[0].rel_path, std::string("grid2/sq3_c.tif"));
    QCOMPARE(rows[0].status, CurationStatus::accept);
    QCOMPARE(rows[0].split, Split::train);
    QCOMPARE(rows[0].width, std::int64_t{5760});
    QVERIFY(!rows[0].sort_value);
  }

  void splits() {
    auto make = [&](std::uint64_t seed, const std::string& group) {
      Project p = Project::create(fresh());
      const auto ds = p.add_dataset({0, "d", "/r", 0, PixelSizeSource::none});
      auto batch = p.batch();
      for (int i = 0; i < 100; ++i) {
        ItemRecord r;
        r.dataset_id = ds;
        r.rel_path = "f" + std::to_string(i);
        r.metadata = {{"grid", "g" + std::to_string(i / 10)}};
        p.upsert_item(r);
      }
      batch.commit();
      const SplitCounts c = p.assign_splits({0.8, 0.1, 0.1}, seed, group);
      std::vector<int> splits;
      for (const auto& row : p.query_items("", {}, -1))
        splits.push_back(int(row.split));
      return std::make_tuple(c, splits, std::move(p));
    };
    auto [c1, s1, p1] = make(42, "");
    QCOMPARE(c1.train, size_t{80});
    QCOMPARE(c1.val, size_t{10});
    QCOMPARE(c1.test, size_t{10});
    QCOMPARE(p1.count_items("split = val"), std::int64_t{10});
    auto [c2, s2, p2] = make(42, "");
    QCOMPARE(s1, s2);
    auto [c3, s3, p3] = make(7, "");
    QVERIFY(s1 != s3);
    // Grouped: every grid lands whole in one split.
    auto [g1, gs1, gp1] = make(42, "grid");
    QCOMPARE(g1.train + g1.val + g1.test, size_t{100});
    QCOMPARE(g1.train % 10, size_t{0});
    QCOMPARE(g1.train, size_t{80});
    for (int grid = 0; grid < 10; ++grid)
      for (int i = 1; i < 10; ++i)
        QCOMPARE(gs1[size_t(grid * 10 + i)], gs1[size_t(grid * 10)]);
    auto [g2, gs2, gp2] = make(42, "grid");
    QCOMPARE(gs1, gs2);
    // Undoable like any change.
    QVERIFY(gp1.undo());
    QCOMPARE(gp1.count_items("split = none"), std::int64_t{100});
    QCOMPARE(QString::fromStdString(error_of([&] {
               gp1.assign_splits({0, 0, 0}, 1);
             })),
             QString("assign_splits: fractions must be non-negative, finite and not all zero"));
  }

  void relink() {
    const fs::path base = fs::path(tmp_.path().toStdString()) / "relink";
    write_bytes(base / "old/ds/a.bin", 10);
    write_bytes(base / "old/ds/sub/b.bin", 20);
    Project p = Project::create(fresh());
    const auto ds = p.add_dataset({0, "d", (base / "old/ds").string(), 0, PixelSizeSource::none});
    const auto other = p.add_dataset({0, "e", "/elsewhere", 0, PixelSizeSource::none});
    for (auto [path, size] : {std::pair{"a.bin", 10}, std::pair{"sub/b.bin", 20}}) {
      ItemRecord r;
      r.dataset_id = ds;
      r.rel_path = path;
      r.size_bytes = size;
      p.upsert_item(r);
    }
    write_bytes(base / "new/ds/a.bin", 10);
    write_bytes(base / "wrong/ds/a.bin", 5);
    write_bytes(base / "wrong/ds/sub/b.bin", 20);
    const std::string wrong_file = (base / "wrong/ds/a.bin").string();
    QCOMPARE(QString::fromStdString(
                 error_of([&] { p.relink((base / "old").string(), (base / "wrong").string()); })),
             QString::fromStdString("relink: " + wrong_file +
                                    " has 5 bytes, the project expects 10; nothing was changed"));
    const std::string missing = (base / "new/ds/sub/b.bin").string();
    QCOMPARE(QString::fromStdString(
                 error_of([&] { p.relink((base / "old").string(), (base / "new").string()); })),
             QString::fromStdString("relink: " + missing + " does not exist; nothing was changed"));
    QCOMPARE(QString::fromStdString(error_of([&] { p.relink("/nowhere", "/x"); })),
             QString("relink: no dataset has its root under /nowhere"));
    // "/old" must not match "/older": prefixes are whole folder names.
    QCOMPARE(QString::fromStdString(error_of([&] { p.relink("/elsewhere/x", "/y"); })),
             QString("relink: no dataset has its root under /elsewhere/x"));
    QCOMPARE(p.datasets()[0].root, (base / "old/ds").string());
    write_bytes(base / "new/ds/sub/b.bin", 20);
    QCOMPARE(p.relink((base / "old").string() + "/", (base / "new").string()), size_t{1});
    QCOMPARE(p.datasets()[0].root, (base / "new/ds").string());
    QCOMPARE(p.datasets()[1].root, std::string("/elsewhere"));
    (void)other;
  }

  void killedMidTransaction() {
    const fs::path dir = fresh();
    std::int64_t ds = 0;
    {
      Project p = Project::create(dir);
      ds = p.add_dataset({0, "d", "/r", 0, PixelSizeSource::none});
    }
    auto child = [&](bool commit_first, bool sigkill) {
      pid_t pid = fork();
      if (pid == 0) {
        try {
          Project p = Project::open(dir);
          if (commit_first) {
            auto b = p.batch();
            for (int i = 0; i < 10; ++i) {
              ItemRecord r;
              r.dataset_id = ds;
              r.rel_path = "kept" + std::to_string(i);
              p.upsert_item(r);
            }
            b.commit();
          }
          auto b = p.batch();
          for (int i = 0; i < 5000; ++i) {
            ItemRecord r;
            r.dataset_id = ds;
            r.rel_path = "lost" + std::to_string(i);
            p.upsert_item(r);
            if (i == 2500)
              p.set_status({p.find_item_by_path(ds, "lost0")->id}, CurationStatus::accept);
          }
          if (sigkill) kill(getpid(), SIGKILL);
          _exit(3);
        } catch (...) {
          _exit(9);
        }
      }
      int status = 0;
      waitpid(pid, &status, 0);
      return status;
    };
    int st = child(false, true);
    QVERIFY(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    {
      Project p = Project::open(dir);
      QCOMPARE(p.count_items(""), std::int64_t{0});
      QVERIFY(p.events().empty());
      QCOMPARE(p.journal_mode(), std::string("wal"));
    }
    st = child(true, false);
    QVERIFY(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    Project p = Project::open(dir);
    QCOMPARE(p.count_items(""), std::int64_t{10});
    QCOMPARE(p.count_items("path ~ lost"), std::int64_t{0});
    // The database is writable again: no lock survived the child.
    p.set_status(p.query_ids(""), CurationStatus::reject);
    QCOMPARE(p.count_items("status = reject"), std::int64_t{10});
  }

  void renameLabelIsOneUndoableChange() {
    const fs::path dir = fresh();
    Project p = Project::create(dir);
    const auto ds = p.add_dataset({0, "d", "/r", 0, PixelSizeSource::none});
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 4; ++i) {
      ItemRecord r;
      r.dataset_id = ds;
      r.rel_path = "m" + std::to_string(i);
      ids.push_back(p.upsert_item(r));
    }
    p.add_label({ids[0], ids[1], ids[2]}, "carbon");
    p.add_label({ids[2], ids[3]}, "edge"); // item 2 has both
    p.set_label_set({{"carbon", "#ff0000", "1"}, {"ice", "#0000ff", "2"}});
    QCOMPARE(p.rename_label("carbon", "edge"), std::size_t{3});
    QCOMPARE(p.count_items("label = carbon"), std::int64_t{0});
    QCOMPARE(p.count_items("label = edge"), std::int64_t{4});
    QCOMPARE(p.label_set()[0].name, std::string("edge"));
    QCOMPARE(p.label_set()[0].key, std::string("1"));
    QCOMPARE(p.events().back().kind, std::string("rename_label"));
    QVERIFY(p.undo());
    QCOMPARE(p.count_items("label = carbon"), std::int64_t{3});
    QCOMPARE(ids_text(p.query_ids("label = edge")),
             ids_text({ids[2], ids[3]})); // item 2 keeps the edge it had
    QCOMPARE(p.label_set()[0].name, std::string("carbon"));
    QVERIFY(p.redo());
    QCOMPARE(p.count_items("label = edge"), std::int64_t{4});
    QCOMPARE(p.rename_label("nothing", "x"), std::size_t{0});
    QVERIFY_THROWS_EXCEPTION(Error, p.rename_label("edge", ""));
  }

  void writerLockAcrossProcesses() {
    const fs::path dir = fresh();
    { Project::create(dir); }
    QVERIFY(!WriterLock::holder(dir));
    QCOMPARE(why_read_only(dir), std::string());
    {
      auto mine = WriterLock::try_acquire(dir, "atelier-test");
      QVERIFY(mine);
      // A second holder in this process is refused too (flock is per open file).
      QVERIFY(!WriterLock::try_acquire(dir, "other"));
      const auto h = WriterLock::holder(dir);
      QVERIFY(h);
      QCOMPARE(h->pid, std::int64_t{getpid()});
      QCOMPARE(h->program, std::string("atelier-test"));
      QVERIFY(h->describe().find("pid " + std::to_string(getpid())) != std::string::npos);
      QVERIFY(why_read_only(dir).find("open for writing in atelier-test") != std::string::npos);
    }
    QVERIFY(!WriterLock::holder(dir)); // released with its owner

    // Another process holds it until it dies, even by SIGKILL.
    int ready[2];
    QCOMPARE(pipe(ready), 0);
    const pid_t pid = fork();
    if (pid == 0) {
      auto lock = WriterLock::try_acquire(dir, "child");
      const char c = lock ? 'y' : 'n';
      if (write(ready[1], &c, 1) != 1) _exit(2);
      pause();
      _exit(0);
    }
    char c = 0;
    QCOMPARE(read(ready[0], &c, 1), ssize_t{1});
    QCOMPARE(c, 'y');
    QVERIFY(!WriterLock::try_acquire(dir, "parent"));
    QCOMPARE(WriterLock::holder(dir)->pid, std::int64_t{pid});
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    close(ready[0]);
    close(ready[1]);
    QVERIFY(WriterLock::try_acquire(dir, "parent"));
  }

  void readOnlyOpen() {
    const fs::path dir = fresh();
    Project writer = Project::create(dir);
    const std::int64_t ds = writer.add_dataset({0, "d", "/r", 0, PixelSizeSource::none});
    ItemRecord r;
    r.dataset_id = ds;
    r.rel_path = "a.mrc";
    writer.upsert_item(r);

    ProjectOptions options;
    options.read_only = true;
    Project reader = Project::open(dir, options);
    QVERIFY(reader.read_only());
    QVERIFY(!writer.read_only());
    QCOMPARE(reader.count_items(""), std::int64_t{1});
    const std::int64_t id = reader.query_ids("")[0];
    // Every kind of write is refused with the project's words, nothing lands.
    const std::string refusal = error_of([&] { reader.set_status({id}, CurationStatus::accept); });
    QVERIFY2(refusal.find("open read-only") != std::string::npos, refusal.c_str());
    QVERIFY(error_of([&] { reader.set_note(id, "x"); }).find("read-only") != std::string::npos);
    QVERIFY(error_of([&] {
              reader.add_dataset({0, "e", "/s", 0, PixelSizeSource::none});
            }).find("read-only") != std::string::npos);
    QCOMPARE(writer.count_items("status = accept"), std::int64_t{0});
    // The reader sees the writer's changes, and data_version tells it when.
    const std::int64_t seen = reader.data_version(), own = writer.data_version();
    writer.set_status({id}, CurationStatus::reject);
    QCOMPARE(reader.count_items("status = reject"), std::int64_t{1});
    QVERIFY(reader.data_version() != seen);
    QCOMPARE(writer.data_version(), own); // its own commits do not count

    // An older schema cannot be upgraded read-only.
    const fs::path old = fresh();
    { Project p = Project::create(old); }
    {
      sqlite3* db = nullptr;
      sqlite3_open((old / "project.sqlite").c_str(), &db);
      sqlite3_exec(db, "PRAGMA user_version = 2", nullptr, nullptr, nullptr);
      sqlite3_close(db);
    }
    const std::string upgrade = error_of([&] { Project::open(old, options); });
    QVERIFY2(upgrade.find("open it once for writing") != std::string::npos, upgrade.c_str());
  }
};

QTEST_APPLESS_MAIN(TestProject)
#include "test_project.moc"

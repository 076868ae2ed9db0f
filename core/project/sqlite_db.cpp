// SQLite wrapper: statements, bindings, transactions.
#include "core/project/sqlite_db.h"

#include "core/base/error.h"

#include <sqlite3.h>

namespace atelier::project {

namespace {

// A write on a connection opened read-only says so in the project's words.
bool read_only_refusal(sqlite3* db) {
  return db && (sqlite3_extended_errcode(db) & 0xff) == SQLITE_READONLY;
}

constexpr const char* kReadOnly =
    "the project is open read-only (another Atelier is editing it, or its folder is not "
    "writable)";

// "project database /path/project.sqlite": every error names the file.
std::string database(sqlite3* db) {
  const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
  return file && *file ? std::string("project database ") + file : "project database";
}

} // namespace

void throw_sqlite(sqlite3* db, std::string_view what) {
  if (read_only_refusal(db)) throw Error(std::string(what) + ": " + kReadOnly);
  throw Error(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

void append_json_ids(std::string& out, const std::vector<std::int64_t>& ids) {
  out += '[';
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ids[i]);
  }
  out += ']';
}

void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = read_only_refusal(db) ? kReadOnly : message ? message : sqlite3_errmsg(db);
    sqlite3_free(message);
    throw Error(database(db) + ": " + text);
  }
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
      SQLITE_OK)
    throw_sqlite(db, database(db) + ": cannot prepare query");
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) throw_sqlite(db_, "bind");
  return *this;
}

Statement& Statement::bind(int index, double value) {
  if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) throw_sqlite(db_, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK)
    throw_sqlite(db_, "bind");
  return *this;
}

Statement& Statement::bind(int index, const SqlValue& value) {
  std::visit([&](const auto& v) { bind(index, v); }, value);
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) throw_sqlite(db_, "bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string message = read_only_refusal(db_) ? kReadOnly : sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw Error(database(db_) + ": " + message);
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::column_double(int column) const {
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Transaction::Transaction(sqlite3* db) : db_(db) {
  nested_ = sqlite3_get_autocommit(db) == 0;
  exec(db_, nested_ ? "SAVEPOINT atelier_tx" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (done_) return;
  // Best effort: a failed rollback leaves SQLite to roll back on close.
  if (nested_)
    sqlite3_exec(db_, "ROLLBACK TO atelier_tx; RELEASE atelier_tx", nullptr, nullptr, nullptr);
  else
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  exec(db_, nested_ ? "RELEASE atelier_tx" : "COMMIT");
  done_ = true;
}

} // namespace atelier::project

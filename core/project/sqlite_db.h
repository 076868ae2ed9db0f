// A thin RAII layer over the SQLite C API used by the project store:
// prepared statements, bound values and nestable transactions. Every SQLite
// failure becomes an atelier::Error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace atelier::project {

// A value bound to a `?` placeholder.
using SqlValue = std::variant<std::int64_t, double, std::string>;

[[noreturn]] void throw_sqlite(sqlite3* db, std::string_view what);
// Runs one or more statements that return no rows.
void exec(sqlite3* db, const char* sql);
// Appends ids as a JSON array ("[1,2,3]"): bound as one value and read back
// with json_each, a list of any length never becomes SQL text.
void append_json_ids(std::string& out, const std::vector<std::int64_t>& ids);

class Statement {
public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Placeholders are numbered from 1, as in SQLite.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  Statement& bind(int index, const SqlValue& value);
  Statement& bind_null(int index);

  // True when a row is available.
  bool step();
  // Steps to completion (for statements that return no rows).
  void run();
  // Ready for new bindings and another step().
  void reset();

  std::int64_t column_int(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  bool column_is_null(int column) const;

private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE when the connection is idle, else a SAVEPOINT, so that
// operations can run inside an import batch. Rolls back unless committed.
class Transaction {
public:
  explicit Transaction(sqlite3* db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

private:
  sqlite3* db_;
  bool nested_ = false;
  bool done_ = false;
};

} // namespace atelier::project

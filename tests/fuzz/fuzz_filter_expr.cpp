// Feeds arbitrary text to the item filter language. Whatever compiles must
// also prepare as SQL against the real schema with the right number of
// placeholders; anything but an atelier::Error is a bug.
#include "core/base/error.h"
#include "core/project/filter_expr.h"
#include "core/project/schema.h"
#include "core/project/sqlite_db.h"

#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

sqlite3* schema_db() {
  static sqlite3* db = [] {
    sqlite3* d = nullptr;
    if (sqlite3_open(":memory:", &d) != SQLITE_OK) std::abort();
    atelier::project::migrate_schema(d, ":memory:");
    return d;
  }();
  return db;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto filter = atelier::project::compile_filter(text);
    const std::string sql = "SELECT count(*) FROM items WHERE " + filter.sql;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(schema_db(), sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) std::abort();
    if (sqlite3_bind_parameter_count(stmt) != static_cast<int>(filter.params.size())) std::abort();
    for (size_t i = 0; i < filter.params.size(); ++i) {
      const auto& p = filter.params[i];
      const int index = static_cast<int>(i) + 1;
      if (const auto* n = std::get_if<std::int64_t>(&p))
        sqlite3_bind_int64(stmt, index, *n);
      else if (const auto* d = std::get_if<double>(&p))
        sqlite3_bind_double(stmt, index, *d);
      else {
        const auto& s = std::get<std::string>(p);
        sqlite3_bind_text(stmt, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
    }
    if (sqlite3_step(stmt) != SQLITE_ROW) std::abort();
    sqlite3_finalize(stmt);
  } catch (const atelier::Error&) {
  }
  return 0;
}

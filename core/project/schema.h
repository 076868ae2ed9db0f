// The project database schema as an ordered list of migration steps.
// PRAGMA user_version holds how many steps a database has applied; opening an
// older project applies the rest in one transaction, a newer one is refused.
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace atelier::project {

// Step i (0-based) upgrades a database from version i to version i + 1.
const std::vector<std::string_view>& schema_migrations();
// The version this build writes and reads up to.
int current_schema_version();
int read_schema_version(sqlite3* db);
// Upgrades `db` to current_schema_version() in one transaction. `name` is
// used in the error for a database made by a newer Atelier.
void migrate_schema(sqlite3* db, const std::string& name);

} // namespace atelier::project

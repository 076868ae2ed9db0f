// Project::add_derived / derived_of: outputs linked to their source items.
#include "core/project/project.h"
#include "core/project/sqlite_db.h"

namespace atelier::project {

std::int64_t Project::add_derived(std::int64_t item_id, const std::string& kind,
                                  const std::string& path, const std::string& source) {
  Statement s(db_, "INSERT INTO derived (item_id, kind, path, source) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT (item_id, kind, source) DO UPDATE SET path = excluded.path, "
                   "created = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') RETURNING id");
  s.bind(1, item_id).bind(2, kind).bind(3, path).bind(4, source);
  s.step();
  const std::int64_t id = s.column_int(0);
  s.run();
  return id;
}

std::vector<DerivedOutput> Project::derived_of(std::int64_t item_id) const {
  Statement s(db_, "SELECT id, item_id, kind, path, source, created FROM derived WHERE item_id = ? "
                   "ORDER BY created DESC, id DESC");
  s.bind(1, item_id);
  std::vector<DerivedOutput> out;
  while (s.step())
    out.push_back({s.column_int(0), s.column_int(1), s.column_text(2), s.column_text(3),
                   s.column_text(4), s.column_text(5)});
  return out;
}

} // namespace atelier::project

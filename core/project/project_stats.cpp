// Project::stats: the summary behind `atelier-cli stats` and the GUI's
// status bar counts, as a handful of grouped queries over the filter.
#include "core/project/filter_expr.h"
#include "core/project/project.h"
#include "core/project/sqlite_db.h"

namespace atelier::project {
namespace {

void bind_filter(Statement& s, const CompiledFilter& where) {
  int i = 1;
  for (const SqlValue& v : where.params)
    s.bind(i++, v);
}

// (group, count) rows of "SELECT group, count(*) ... GROUP BY 1", most first.
std::vector<std::pair<std::string, std::int64_t>> grouped(sqlite3* db, const std::string& sql,
                                                          const CompiledFilter& where) {
  Statement s(db, sql + " ORDER BY 2 DESC, 1");
  bind_filter(s, where);
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (s.step())
    out.emplace_back(s.column_text(0), s.column_int(1));
  return out;
}

} // namespace

ProjectStats Project::stats(const std::string& filter) const {
  const CompiledFilter where = compile_filter(filter);
  ProjectStats st;
  for (const auto& [status, n] : grouped(
           db_, "SELECT status, count(*) FROM items WHERE " + where.sql + " GROUP BY 1", where)) {
    st.items += n;
    if (status == "accept") st.accepted = n;
    if (status == "reject") st.rejected = n;
    if (status == "none") st.unset = n;
  }
  for (const auto& [split, n] :
       grouped(db_,
               "SELECT coalesce(split, ''), count(*) FROM items WHERE " + where.sql + " GROUP BY 1",
               where)) {
    if (split == "train") st.train = n;
    if (split == "val") st.val = n;
    if (split == "test") st.test = n;
    if (split.empty()) st.unsplit = n;
  }
  st.import_errors = 0;
  for (const auto& [state, n] :
       grouped(db_, "SELECT import_status, count(*) FROM items WHERE " + where.sql + " GROUP BY 1",
               where))
    if (state == "error") st.import_errors = n;
  st.datasets = grouped(db_,
                        "SELECT d.name, count(*) FROM items JOIN datasets d ON d.id = "
                        "items.dataset_id WHERE " +
                            where.sql + " GROUP BY 1",
                        where);
  st.kinds =
      grouped(db_, "SELECT kind, count(*) FROM items WHERE " + where.sql + " GROUP BY 1", where);
  st.labels = grouped(db_,
                      "SELECT l.label, count(*) FROM labels l JOIN items ON items.id = l.item_id "
                      "WHERE " +
                          where.sql + " GROUP BY 1",
                      where);
  Statement m(db_, "SELECT m.name, count(*), min(m.value), max(m.value), avg(m.value) FROM "
                   "metrics m JOIN items ON items.id = m.item_id WHERE " +
                       where.sql + " GROUP BY m.name ORDER BY m.name");
  bind_filter(m, where);
  while (m.step())
    st.metrics.push_back({m.column_text(0), m.column_int(1), m.column_double(2), m.column_double(3),
                          m.column_double(4)});
  return st;
}

} // namespace atelier::project

// Project::stats: the summary behind `atelier-cli stats` and the GUI's
// status bar counts, as a handful of grouped queries over the filter.
#include "core/project/filter_expr.h"
#include "core/project/project.h"
#include "core/project/sqlite_db.h"

#include "core/base/error.h"

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

std::vector<std::string> Project::metric_names() const {
  // Skip from name to name through the (name, value, item_id) index.
  Statement next(db_, "SELECT min(name) FROM metrics WHERE name > ?");
  std::vector<std::string> out;
  std::string last;
  for (;;) {
    next.reset();
    next.bind(1, last);
    if (!next.step() || next.column_is_null(0)) break;
    last = next.column_text(0);
    out.push_back(last);
  }
  return out;
}

MetricHistogram Project::metric_histogram(const std::string& name, const std::string& filter,
                                          int bins) const {
  if (bins < 1 || bins > 10000) throw Error("histogram: bins must be 1 .. 10000");
  const CompiledFilter where = compile_filter(filter);
  MetricHistogram h;
  {
    Statement total(db_, "SELECT count(*) FROM items WHERE " + where.sql);
    bind_filter(total, where);
    h.items = total.step() ? total.column_int(0) : 0;
  }
  const std::string from = " FROM metrics m JOIN items ON items.id = m.item_id WHERE m.name = ? "
                           "AND " +
                           where.sql;
  auto bind = [&](Statement& s, int first) {
    s.bind(first, name);
    int i = first + 1;
    for (const SqlValue& v : where.params)
      s.bind(i++, v);
    return i;
  };
  std::int64_t with = 0;
  {
    Statement range(db_, "SELECT min(m.value), max(m.value), count(*)" + from);
    bind(range, 1);
    if (range.step() && !range.column_is_null(0)) {
      h.min = range.column_double(0);
      h.max = range.column_double(1);
      with = range.column_int(2);
    }
  }
  h.missing = h.items - with;
  h.counts.assign(static_cast<std::size_t>(bins), 0);
  if (with == 0) return h;
  const double width = h.max > h.min ? (h.max - h.min) / bins : 1.0;
  Statement s(db_, "SELECT min(max(CAST((m.value - ?) / ? AS INTEGER), 0), ?), count(*)" + from +
                       " GROUP BY 1");
  s.bind(1, h.min).bind(2, width).bind(3, bins - 1);
  bind(s, 4);
  while (s.step())
    h.counts[static_cast<std::size_t>(s.column_int(0))] += s.column_int(1);
  return h;
}

MetricScatter Project::metric_scatter(const std::string& x, const std::string& y,
                                      const std::string& filter) const {
  const CompiledFilter where = compile_filter(filter);
  Statement s(db_, "SELECT items.id, mx.value, my.value FROM items JOIN metrics mx ON mx.item_id "
                   "= items.id AND mx.name = ?1 JOIN metrics my ON my.item_id = items.id AND "
                   "my.name = ?2 WHERE " +
                       where.sql + " ORDER BY items.id");
  s.bind(1, x).bind(2, y);
  int i = 3;
  for (const SqlValue& v : where.params)
    s.bind(i++, v);
  MetricScatter out;
  while (s.step()) {
    out.ids.push_back(s.column_int(0));
    out.x.push_back(s.column_double(1));
    out.y.push_back(s.column_double(2));
  }
  return out;
}

} // namespace atelier::project

// The item filter language, parsed by Atelier and compiled into an SQL WHERE
// clause with `?` placeholders; user text only ever reaches SQLite as bound
// values. Grammar:
//   expr       := and_expr ("or" and_expr)*
//   and_expr   := unary ("and" unary)*
//   unary      := "not" unary | "(" expr ")" | comparison
//   comparison := field op value        op: < <= > >= = == != ~ (substring)
//   value      := number | "string" | 'string' | bare_word
// Fields: status (none/accept/reject), split (train/val/test/none), label,
// tag, selection, dataset (names; a number is a name as written: label = 3),
// path, format, kind, dtype, import (ok/error),
// width, height, depth, frames, channels, size, mtime, pixel_size, id; any
// other name (or metric.NAME) is a metric. Keywords are case-insensitive.
#pragma once

#include "core/project/sqlite_db.h"

#include <string>
#include <string_view>
#include <vector>

namespace atelier::project {

struct CompiledFilter {
  std::string sql; // refers to the `items` table; "1" for an empty filter
  std::vector<SqlValue> params;
};

// Throws atelier::Error naming the position (1-based) and offending token.
CompiledFilter compile_filter(std::string_view text);

// The filter text for "user and guard": guard alone when user is blank,
// else "(user) and (guard)". user is compiled on its own first (Error when
// it is not a whole expression), so text such as "a = 1) or (b = 2" cannot
// close the parenthesis and escape the guard.
std::string filter_and(const std::string& user, const std::string& guard);

} // namespace atelier::project

// Tokenizer and recursive-descent compiler of the item filter language.
#include "core/project/filter_expr.h"

#include "core/base/error.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

namespace atelier::project {

namespace {

constexpr int kMaxDepth = 64;
constexpr int kMaxComparisons = 256;

enum class Tok { ident, number, string, op, lparen, rparen, end };

struct Token {
  Tok type = Tok::end;
  std::string text; // identifier, operator, or the decoded string
  size_t pos = 0;   // 0-based offset into the filter text
  double number = 0;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string describe(const Token& t) {
  switch (t.type) {
  case Tok::end: return "end of input";
  case Tok::string: return "string \"" + t.text + "\"";
  default: return "'" + t.text + "'";
  }
}

[[noreturn]] void fail_at(size_t pos, const std::string& what) {
  throw Error("filter: " + what + " at position " + std::to_string(pos + 1));
}

bool ident_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
      ++i;
    Token t;
    t.pos = i;
    if (i == s.size()) {
      out.push_back(t);
      return out;
    }
    char c = s[i];
    if (c == '(' || c == ')') {
      t.type = c == '(' ? Tok::lparen : Tok::rparen;
      t.text = std::string(1, c);
      ++i;
    } else if (c == '"' || c == '\'') {
      t.type = Tok::string;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char d = s[i++];
        if (d == c) {
          closed = true;
          break;
        }
        if (d == '\\' && i < s.size()) d = s[i++];
        t.text += d;
      }
      if (!closed) fail_at(t.pos, "unterminated string");
    } else if (c == '<' || c == '>' || c == '=' || c == '!') {
      t.type = Tok::op;
      t.text = std::string(1, c);
      ++i;
      if (i < s.size() && s[i] == '=') {
        t.text += '=';
        ++i;
      }
      if (t.text == "!") fail_at(t.pos, "unexpected character '!'");
      if (t.text == "==") t.text = "=";
    } else if (c == '~') {
      t.type = Tok::op;
      t.text = "~";
      ++i;
    } else if (digit(c) || ((c == '-' || c == '+' || c == '.') && i + 1 < s.size() &&
                            (digit(s[i + 1]) || (s[i + 1] == '.' && c != '.')))) {
      size_t start = i;
      if (s[i] == '-' || s[i] == '+') ++i;
      while (i < s.size() && digit(s[i]))
        ++i;
      if (i < s.size() && s[i] == '.') ++i;
      while (i < s.size() && digit(s[i]))
        ++i;
      if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        size_t e = i + 1;
        if (e < s.size() && (s[e] == '-' || s[e] == '+')) ++e;
        if (e < s.size() && digit(s[e])) {
          i = e;
          while (i < s.size() && digit(s[i]))
            ++i;
        }
      }
      t.type = Tok::number;
      t.text = std::string(s.substr(start, i - start));
      if (i < s.size() && ident_char(s[i])) fail_at(start, "malformed number '" + t.text + "'");
      char* end = nullptr;
      t.number = std::strtod(t.text.c_str(), &end);
      if (end != t.text.c_str() + t.text.size() || !std::isfinite(t.number))
        fail_at(start, "malformed number '" + t.text + "'");
    } else if (ident_start(c)) {
      size_t start = i;
      while (i < s.size() && ident_char(s[i]))
        ++i;
      t.type = Tok::ident;
      t.text = std::string(s.substr(start, i - start));
    } else {
      std::string shown = std::isprint(static_cast<unsigned char>(c))
                              ? std::string(1, c)
                              : "\\x" + std::string(1, "0123456789abcdef"[(c >> 4) & 15]) +
                                    "0123456789abcdef"[c & 15];
      fail_at(i, "unexpected character '" + shown + "'");
    }
    out.push_back(std::move(t));
  }
}

enum class FieldKind { text, dataset, status, split, set, selection, number, metric };

struct Field {
  FieldKind kind;
  std::string column; // items column, or set table name (labels/tags)
  std::string name;   // as written, for messages; the metric name for metrics
};

Field lookup_field(const std::string& written) {
  const std::string n = lower(written);
  if (written.rfind("metric.", 0) == 0 && written.size() > 7)
    return {FieldKind::metric, "", written.substr(7)};
  if (n == "status") return {FieldKind::status, "status", n};
  if (n == "split") return {FieldKind::split, "split", n};
  if (n == "label") return {FieldKind::set, "label", n};
  if (n == "tag") return {FieldKind::set, "tag", n};
  if (n == "selection") return {FieldKind::selection, "", n};
  if (n == "dataset") return {FieldKind::dataset, "", n};
  if (n == "path") return {FieldKind::text, "rel_path", n};
  if (n == "format" || n == "kind" || n == "dtype") return {FieldKind::text, n, n};
  if (n == "import") return {FieldKind::text, "import_status", n};
  if (n == "width" || n == "height" || n == "depth" || n == "frames" || n == "channels" ||
      n == "id")
    return {FieldKind::number, n, n};
  if (n == "size") return {FieldKind::number, "size_bytes", n};
  if (n == "mtime") return {FieldKind::number, "mtime_ns", n};
  if (n == "pixel_size") return {FieldKind::number, "pixel_size_A", n};
  return {FieldKind::metric, "", written};
}

// A compiled sub-expression. Metric comparisons stay unrendered until the
// enclosing 'and' has seen its neighbours, so `m >= 4 and m < 6` becomes one
// index range scan instead of two subqueries that each read half the index.
struct Piece {
  std::string sql;
  std::vector<SqlValue> params;
  struct Bound {
    std::string op;
    SqlValue value;
  };
  std::string metric;        // non-empty: an unrendered metric test
  std::vector<Bound> bounds; // its comparisons, all on `metric`

  void render() {
    if (metric.empty()) return;
    sql = "(items.id IN (SELECT item_id FROM metrics INDEXED BY metrics_by_value WHERE name = ?";
    params = {metric};
    for (const Bound& b : bounds) {
      sql += " AND value " + b.op + " ?";
      params.push_back(b.value);
    }
    sql += "))";
    metric.clear();
    bounds.clear();
  }
  static Piece of(std::string sql, std::vector<SqlValue> params = {}) {
    Piece p;
    p.sql = std::move(sql);
    p.params = std::move(params);
    return p;
  }
};

Piece join(Piece a, const char* op, Piece b) {
  a.render();
  b.render();
  Piece out = Piece::of("(" + a.sql + " " + op + " " + b.sql + ")", std::move(a.params));
  out.params.insert(out.params.end(), b.params.begin(), b.params.end());
  return out;
}

class Compiler {
public:
  explicit Compiler(std::string_view text) : tokens_(tokenize(text)) {}

  CompiledFilter run() {
    CompiledFilter out;
    if (peek().type == Tok::end) {
      out.sql = "1";
      return out;
    }
    Piece p = expr(0);
    if (peek().type != Tok::end) expected("'and', 'or' or end of input");
    p.render();
    out.sql = std::move(p.sql);
    out.params = std::move(p.params);
    return out;
  }

private:
  const Token& peek() const { return tokens_[next_]; }
  const Token& take() { return tokens_[next_ < tokens_.size() - 1 ? next_++ : next_]; }
  bool keyword(const char* word) const {
    return peek().type == Tok::ident && lower(peek().text) == word;
  }
  [[noreturn]] void expected(const std::string& what) const {
    fail_at(peek().pos, "expected " + what + " but found " + describe(peek()));
  }

  Piece expr(int depth) {
    if (depth > kMaxDepth) fail_at(peek().pos, "expression nested too deeply");
    Piece p = and_expr(depth);
    while (keyword("or")) {
      take();
      p = join(std::move(p), "OR", and_expr(depth));
    }
    return p;
  }

  Piece and_expr(int depth) {
    Piece p = unary(depth);
    while (keyword("and")) {
      take();
      Piece q = unary(depth);
      if (!p.metric.empty() && p.metric == q.metric) {
        p.bounds.insert(p.bounds.end(), q.bounds.begin(), q.bounds.end());
        continue;
      }
      p = join(std::move(p), "AND", std::move(q));
    }
    return p;
  }

  Piece unary(int depth) {
    if (depth > kMaxDepth) fail_at(peek().pos, "expression nested too deeply");
    if (keyword("not")) {
      take();
      Piece p = unary(depth + 1);
      p.render();
      return Piece::of("(NOT " + p.sql + ")", std::move(p.params));
    }
    if (peek().type == Tok::lparen) {
      take();
      Piece p = expr(depth + 1);
      if (peek().type != Tok::rparen) expected("')'");
      take();
      return p;
    }
    params_.clear();
    Piece p = comparison();
    if (p.metric.empty()) p.params = std::move(params_);
    return p;
  }

  Piece comparison() {
    if (peek().type != Tok::ident || keyword("and") || keyword("or"))
      expected("a field name or '('");
    const Token name = take();
    if (++comparisons_ > kMaxComparisons)
      fail_at(name.pos, "too many comparisons (at most " + std::to_string(kMaxComparisons) + ")");
    const Field field = lookup_field(name.text);
    if (peek().type != Tok::op) expected("an operator after '" + name.text + "'");
    const Token op = take();
    if (peek().type != Tok::number && peek().type != Tok::string && peek().type != Tok::ident)
      expected("a value after '" + op.text + "'");
    const Token value = take();
    const bool equality = op.text == "=" || op.text == "!=";
    const bool is_text = value.type != Tok::number;
    auto only = [&](bool ok, const std::string& what) {
      if (!ok) fail_at(op.pos, "operator '" + op.text + "' cannot be used with " + what);
    };
    const std::string neg = op.text == "!=" ? "NOT " : "";

    switch (field.kind) {
    case FieldKind::status: {
      only(equality, "'status'");
      const std::string v = lower(value.text);
      if (!is_text || (v != "none" && v != "accept" && v != "reject"))
        fail_at(value.pos, "unknown status " + describe(value) + " (none, accept or reject)");
      params_.push_back(v);
      return Piece::of("(items.status " + std::string(neg.empty() ? "=" : "!=") + " ?)");
    }
    case FieldKind::split: {
      only(equality, "'split'");
      const std::string v = lower(value.text);
      if (!is_text || (v != "none" && v != "train" && v != "val" && v != "test"))
        fail_at(value.pos, "unknown split " + describe(value) + " (train, val, test or none)");
      if (v == "none")
        return Piece::of(neg.empty() ? "(items.split IS NULL)" : "(items.split IS NOT NULL)");
      params_.push_back(v);
      return Piece::of(neg.empty() ? "(items.split = ?)" : "(items.split IS NOT ?)");
    }
    case FieldKind::set: {
      only(equality || op.text == "~", "'" + field.name + "'");
      params_.push_back(value.text); // a number is a name too (label = 3): its text
      const std::string table = field.column + "s";
      const std::string test =
          op.text == "~" ? "instr(" + field.column + ", ?) > 0" : field.column + " = ?";
      return Piece::of("(items.id " + neg + "IN (SELECT item_id FROM " + table + " WHERE " + test +
                       "))");
    }
    case FieldKind::selection: {
      only(equality, "'selection'");
      params_.push_back(value.text);
      return Piece::of("(items.id " + neg +
                       "IN (SELECT si.item_id FROM selection_items si JOIN selections s ON s.id = "
                       "si.selection_id WHERE s.name = ?))");
    }
    case FieldKind::dataset: {
      only(equality || op.text == "~", "'dataset'");
      params_.push_back(value.text);
      const std::string test = op.text == "~" ? "instr(name, ?) > 0" : "name = ?";
      return Piece::of("(items.dataset_id " + neg + "IN (SELECT id FROM datasets WHERE " + test +
                       "))");
    }
    case FieldKind::text: {
      only(equality || op.text == "~", "'" + field.name + "'");
      params_.push_back(value.text);
      if (op.text == "~") return Piece::of("(instr(items." + field.column + ", ?) > 0)");
      return Piece::of("(items." + field.column + " " + op.text + " ?)");
    }
    case FieldKind::number: {
      only(op.text != "~", "'" + field.name + "'");
      if (value.type != Tok::number)
        fail_at(value.pos, "'" + field.name + "' needs a number but found " + describe(value));
      params_.push_back(value.number);
      return Piece::of("(items." + field.column + " " + op.text + " ?)");
    }
    case FieldKind::metric: {
      only(op.text != "~", "metric '" + field.name + "'");
      Piece p;
      p.metric = field.name;
      p.bounds.push_back(
          {op.text, value.type == Tok::number ? SqlValue(value.number) : SqlValue(value.text)});
      return p;
    }
    }
    return Piece::of("0");
  }

  std::vector<Token> tokens_;
  size_t next_ = 0;
  int comparisons_ = 0;
  std::vector<SqlValue> params_;
};

} // namespace

std::string filter_and(const std::string& user, const std::string& guard) {
  if (user.find_first_not_of(" \t\r\n") == std::string::npos) return guard;
  (void)compile_filter(user);
  return "(" + user + ") and (" + guard + ")";
}

CompiledFilter compile_filter(std::string_view text) {
  return Compiler(text).run();
}

} // namespace atelier::project

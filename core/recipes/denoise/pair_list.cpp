// Pair-list parsing and the train / validation split.
#include "core/recipes/denoise/pair_list.h"

#include "core/base/error.h"
#include "core/recipes/denoise/counter_rng.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <system_error>

namespace atelier::denoise {
namespace {

namespace fs = std::filesystem;

// Splits one line into path tokens; stops at a '#' that starts a token.
std::vector<std::string> tokenize(const std::string& line, const std::string& list_path,
                                  std::size_t line_no) {
  const auto fail = [&](const std::string& why) -> void {
    throw FormatError(list_path, "line " + std::to_string(line_no) + ": " + why);
  };
  std::vector<std::string> tokens;
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (i < n) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\v' || c == '\f') {
      ++i;
      continue;
    }
    if (c == '#') break;
    std::string token;
    bool quoted = false;
    // A token is a run of quoted and unquoted pieces up to the next blank, so
    // "dir with space"/a.mrc is one path.
    while (i < n) {
      const char d = line[i];
      if (d == '\0') fail("NUL byte in a path");
      if (d == '"') {
        const std::size_t close = line.find('"', i + 1);
        if (close == std::string::npos) fail("unterminated quote");
        token.append(line, i + 1, close - i - 1);
        if (token.find('\0') != std::string::npos) fail("NUL byte in a path");
        quoted = true;
        i = close + 1;
        continue;
      }
      if (d == ' ' || d == '\t' || d == '\v' || d == '\f') break;
      token.push_back(d);
      ++i;
    }
    if (token.empty() && quoted) fail("empty path \"\"");
    tokens.push_back(std::move(token));
  }
  return tokens;
}

// Absolute, so a run's run.json still finds its images when it is resumed
// from another working directory.
std::string resolve(const std::string& path, const fs::path& base) {
  fs::path p(path);
  if (p.is_relative()) p = base / p;
  std::error_code ec;
  const fs::path absolute = fs::absolute(p, ec);
  return (ec ? p : absolute).lexically_normal().string();
}

void require_file(const std::string& image, const std::string& list_path, std::size_t line_no) {
  const std::string where = " (line " + std::to_string(line_no) + " of " + list_path + ")";
  std::error_code ec;
  const fs::file_status st = fs::status(image, ec);
  if (ec || !fs::exists(st)) throw FormatError(image, "image file not found" + where);
  if (!fs::is_regular_file(st)) throw FormatError(image, "not a regular file" + where);
}

} // namespace

std::vector<ImagePair> read_pair_list(const std::string& list_path) {
  std::error_code ec;
  const fs::file_status st = fs::status(list_path, ec);
  if (fs::is_directory(st)) throw FormatError(list_path, "is a folder, not a pair list");
  // A device or a pipe (/dev/zero, a FIFO) would be read without end or
  // wait for a writer: only regular files.
  if (fs::exists(st) && !fs::is_regular_file(st))
    throw FormatError(list_path, "not a regular file");
  std::ifstream in(list_path, std::ios::binary);
  if (!in) throw FormatError(list_path, "cannot open pair list");
  const fs::path base = fs::path(list_path).parent_path();

  std::vector<ImagePair> pairs;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1) {
      // Editors on Windows start UTF-8 files with a byte-order mark; UTF-16
      // lists would read as paths full of NULs.
      if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
      if (line.rfind("\xFF\xFE", 0) == 0 || line.rfind("\xFE\xFF", 0) == 0)
        throw FormatError(list_path, "is UTF-16 text; save the pair list as UTF-8");
    }
    const std::vector<std::string> tokens = tokenize(line, list_path, line_no);
    if (tokens.empty()) continue;
    if (tokens.size() != 2)
      throw FormatError(list_path, "line " + std::to_string(line_no) +
                                       ": expected 2 paths (odd even), found " +
                                       std::to_string(tokens.size()));
    ImagePair pair{resolve(tokens[0], base), resolve(tokens[1], base)};
    if (pair.odd_path == pair.even_path)
      throw FormatError(list_path, "line " + std::to_string(line_no) +
                                       ": odd and even are the same file " + pair.odd_path +
                                       " (Noise2Noise needs two independently noisy halves)");
    require_file(pair.odd_path, list_path, line_no);
    require_file(pair.even_path, list_path, line_no);
    pairs.push_back(std::move(pair));
  }
  if (in.bad()) throw FormatError(list_path, "read error");
  if (pairs.empty()) throw FormatError(list_path, "no image pairs listed");
  return pairs;
}

std::pair<std::vector<ImagePair>, std::vector<ImagePair>>
split_pairs(const std::vector<ImagePair>& pairs, double val_fraction, std::uint64_t seed) {
  if (!(val_fraction >= 0.0 && val_fraction <= 1.0))
    throw Error("split_pairs: validation fraction " + std::to_string(val_fraction) +
                " is outside [0, 1]");
  const std::size_t n = pairs.size();
  std::size_t n_val = static_cast<std::size_t>(std::llround(val_fraction * static_cast<double>(n)));
  if (val_fraction > 0.0 && n >= 2) n_val = std::max<std::size_t>(n_val, 1);
  if (n_val >= n) n_val = n >= 1 ? n - 1 : 0;

  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = uniform_below(hash_words(seed, 0x5317u, i), i);
    std::swap(order[i - 1], order[j]);
  }
  std::vector<bool> is_val(n, false);
  for (std::size_t k = 0; k < n_val; ++k)
    is_val[order[k]] = true;

  std::pair<std::vector<ImagePair>, std::vector<ImagePair>> out;
  for (std::size_t i = 0; i < n; ++i)
    (is_val[i] ? out.second : out.first).push_back(pairs[i]);
  return out;
}

} // namespace atelier::denoise

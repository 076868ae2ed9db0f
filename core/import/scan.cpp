// scan_paths: recursive walk with loop detection via canonical folders,
// glob filtering and format sniffing.
#include "core/import/scan.h"

#include "core/base/error.h"
#include "core/io/file_inspect.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace atelier::import {
namespace {

std::string lower_ext(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

// The XYZ reader claims every .txt and .csv; notes and tables are far more
// common there than point clouds, so look at the first data line.
bool text_looks_numeric(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  for (int i = 0; i < 50 && std::getline(in, line); ++i) {
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#' || line[start] == '/') continue;
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream ss(line);
    int numbers = 0;
    std::string token;
    while (ss >> token) {
      char* end = nullptr;
      std::strtod(token.c_str(), &end);
      if (end == token.c_str() || *end != '\0') {
        // A header row of names is allowed once, before the numbers.
        if (numbers == 0) break;
        return false;
      }
      ++numbers;
    }
    if (numbers >= 3) return true;
  }
  return false;
}

bool is_star_table(const std::string& path) {
  try {
    return detect_format(path) == "star";
  } catch (const Error&) {
    return false;
  }
}

// The format import would read the file as, or "" when it is not an image.
std::string image_format(const std::string& path) {
  std::string format;
  try {
    format = detect_format(path);
  } catch (const Error&) {
    return {};
  }
  if (format == "star" || format == "safetensors") return {}; // tables, model weights
  if (format == "xyz") {
    const std::string ext = lower_ext(path);
    if ((ext == ".txt" || ext == ".csv") && !text_looks_numeric(path)) return {};
  }
  return format;
}

void add_file(ScanResult& out, std::size_t root, const fs::path& file, const std::string& rel,
              const std::vector<std::string>& include_globs,
              const std::vector<std::string>& exclude_globs) {
  if (!glob_selected(rel, include_globs, exclude_globs)) {
    ++out.excluded;
    return;
  }
  const std::string abs = file.string();
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) {
    out.unreadable.push_back(abs + ": " + ec.message());
    return;
  }
  const std::string format = image_format(abs);
  if (format.empty()) {
    if (is_star_table(abs))
      out.star_tables.push_back(abs);
    else
      out.not_images.push_back(abs);
    return;
  }
  out.candidates.push_back(
      {root, rel, abs, format, static_cast<std::int64_t>(size), file_mtime_ns(abs)});
}

void walk(ScanResult& out, std::size_t root_index, const std::vector<std::string>& include_globs,
          const std::vector<std::string>& exclude_globs) {
  const fs::path root = out.roots[root_index].folder;
  std::set<fs::path> visited{root};
  std::vector<std::pair<fs::path, std::string>> files; // absolute, relative
  std::error_code ec;
  fs::recursive_directory_iterator it(root,
                                      fs::directory_options::follow_directory_symlink |
                                          fs::directory_options::skip_permission_denied,
                                      ec);
  if (ec) {
    out.unreadable.push_back(root.string() + ": " + ec.message());
    return;
  }
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) {
      out.unreadable.push_back(ec.message());
      ec.clear();
      break;
    }
    const fs::directory_entry& entry = *it;
    std::error_code e2;
    if (entry.is_directory(e2)) {
      // A folder reached twice (symlink loop or two links to one folder) is
      // walked once.
      const fs::path real = fs::canonical(entry.path(), e2);
      if (e2 || !visited.insert(real).second) it.disable_recursion_pending();
      continue;
    }
    if (!entry.is_regular_file(e2)) continue;
    files.emplace_back(entry.path(), entry.path().lexically_relative(root).generic_string());
  }
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  for (const auto& [abs, rel] : files)
    add_file(out, root_index, abs, rel, include_globs, exclude_globs);
}

std::size_t root_index(ScanResult& out, const fs::path& folder) {
  const std::string s = folder.string();
  for (std::size_t i = 0; i < out.roots.size(); ++i)
    if (out.roots[i].folder == s) return i;
  out.roots.push_back({s, folder.filename().string()});
  return out.roots.size() - 1;
}

} // namespace

bool glob_selected(const std::string& rel_path, const std::vector<std::string>& include_globs,
                   const std::vector<std::string>& exclude_globs) {
  auto matches = [&](const std::string& glob) {
    return ::fnmatch(glob.c_str(), rel_path.c_str(), 0) == 0;
  };
  if (!include_globs.empty() && std::none_of(include_globs.begin(), include_globs.end(), matches))
    return false;
  return std::none_of(exclude_globs.begin(), exclude_globs.end(), matches);
}

std::int64_t file_mtime_ns(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

ScanResult scan_paths(const std::vector<std::string>& paths,
                      const std::vector<std::string>& include_globs,
                      const std::vector<std::string>& exclude_globs) {
  ScanResult out;
  for (const std::string& p : paths) {
    std::error_code ec;
    const fs::path real = fs::canonical(p, ec);
    if (ec) throw Error("import: " + p + ": " + ec.message());
    if (fs::is_directory(real)) {
      walk(out, root_index(out, real), include_globs, exclude_globs);
    } else {
      const std::size_t r = root_index(out, real.parent_path());
      add_file(out, r, real, real.filename().string(), include_globs, exclude_globs);
    }
  }
  return out;
}

} // namespace atelier::import

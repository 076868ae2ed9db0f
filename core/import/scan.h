// Import scanning: the files under each import root, filtered by include and
// exclude globs on the path relative to the root, and sorted into candidates
// (a format this build may read) and files that are not images at all.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atelier::import {

struct ScannedFile {
  std::size_t root = 0; // index into ScanResult::roots
  std::string rel_path; // '/'-separated, relative to the root
  std::string abs_path;
  std::string format; // from detect_format
  std::int64_t size_bytes = 0;
  std::int64_t mtime_ns = 0;
};

struct ScanRoot {
  std::string folder; // canonical absolute folder
  std::string name;   // its folder name
};

struct ScanResult {
  std::vector<ScanRoot> roots;
  std::vector<ScannedFile> candidates;
  std::vector<std::string> not_images;  // absolute paths
  std::vector<std::string> star_tables; // absolute paths of STAR files (read for metrics)
  std::size_t excluded = 0;             // filtered out by the globs
  std::vector<std::string> unreadable;  // "path: reason" for entries that could not be listed
};

// fnmatch without FNM_PATHNAME, so '*' also crosses '/': "*.mrc" matches
// "a/b/c.mrc". An empty include list includes everything.
bool glob_selected(const std::string& rel_path, const std::vector<std::string>& include_globs,
                   const std::vector<std::string>& exclude_globs);

// A path that is a folder is walked recursively (folder symlinks followed,
// each real folder visited once, so symlink loops end; unreadable folders are
// skipped); a path that is a file imports into its parent folder's root.
// Candidates keep the walk's order sorted by rel_path per root. Files that
// detect_format does not know are not images; STAR tables are listed apart
// (their micrograph columns become metrics); so are .txt/.csv files whose first data line is not
// numbers (notes, not XYZ point clouds). Throws Error when a path does not exist.
ScanResult scan_paths(const std::vector<std::string>& paths,
                      const std::vector<std::string>& include_globs,
                      const std::vector<std::string>& exclude_globs);

// Nanoseconds since the epoch of the file's last modification (stat).
std::int64_t file_mtime_ns(const std::string& path);

} // namespace atelier::import

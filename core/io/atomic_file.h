// Small POSIX file helpers: whole-file replacement that a reader never sees
// half-written (run directories, checkpoints, safetensors), and whole-file
// reads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace atelier {

// A temporary name beside path, unique per call within the process and
// across processes ("<path>.tmp-<pid>-<n>"): writers that rename their
// output into place use it, so threads writing beside each other never
// share one.
std::string temp_path_beside(const std::string& path);

// Writes bytes to temp_path_beside(path), fsyncs it, renames it over path and
// fsyncs the folder, so path always holds either the old or the new content.
// Failures throw FormatError(path, reason) and leave no temp file behind.
void write_file_atomic(const std::string& path, std::string_view bytes);

// The whole file; nullopt when it does not exist. Other failures (a folder,
// no permission) throw FormatError(path, reason).
std::optional<std::string> read_file_if_exists(const std::string& path);

// fsyncs a folder so a rename or file creation inside it is durable.
void sync_directory(const std::string& dir);

} // namespace atelier

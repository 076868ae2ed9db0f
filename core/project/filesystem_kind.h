// Whether a folder lives on a network filesystem, where SQLite's WAL mode
// (shared memory between processes) is unsafe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace atelier::project {

// The network filesystem's name ("nfs", "smb", "cifs", "sshfs"), or empty
// for a local one (or when statfs fails).
std::string network_filesystem_name(const std::filesystem::path& dir);
// Same decision from a statfs f_type and, for FUSE, the mount's subtype
// ("fuse.sshfs"); split out so it can be tested without a network mount.
std::string network_filesystem_name(unsigned long magic, std::string_view fuse_type);

} // namespace atelier::project

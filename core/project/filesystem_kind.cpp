// Network filesystem detection with statfs (and /proc/self/mounts for FUSE).
#include "core/project/filesystem_kind.h"

#include <fstream>
#include <sstream>

#include <sys/vfs.h>

namespace atelier::project {

namespace {

constexpr unsigned long kNfsMagic = 0x6969;
constexpr unsigned long kSmbMagic = 0x517B;
constexpr unsigned long kCifsMagic = 0xFF534D42;
constexpr unsigned long kSmb2Magic = 0xFE534D42;
constexpr unsigned long kFuseMagic = 0x65735546;

// The filesystem type of the longest mount point that contains `dir`.
std::string mount_type(const std::filesystem::path& dir) {
  std::ifstream mounts("/proc/self/mounts");
  std::string line, best_type;
  size_t best_length = 0;
  const std::string target = dir.string();
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string device, mount_point, type;
    if (!(fields >> device >> mount_point >> type)) continue;
    bool contains =
        target == mount_point || (target.rfind(mount_point, 0) == 0 &&
                                  (mount_point == "/" || target[mount_point.size()] == '/'));
    if (contains && mount_point.size() >= best_length) {
      best_length = mount_point.size();
      best_type = type;
    }
  }
  return best_type;
}

} // namespace

std::string network_filesystem_name(unsigned long magic, std::string_view fuse_type) {
  switch (magic) {
  case kNfsMagic: return "nfs";
  case kSmbMagic:
  case kSmb2Magic: return "smb";
  case kCifsMagic: return "cifs";
  case kFuseMagic: return fuse_type == "fuse.sshfs" ? "sshfs" : "";
  default: return "";
  }
}

std::string network_filesystem_name(const std::filesystem::path& dir) {
  struct statfs info {};
  if (statfs(dir.c_str(), &info) != 0) return "";
  const auto magic = static_cast<unsigned long>(info.f_type) & 0xFFFFFFFFul;
  std::string fuse_type;
  if (magic == kFuseMagic) {
    std::error_code ec;
    fuse_type = mount_type(std::filesystem::weakly_canonical(dir, ec));
  }
  return network_filesystem_name(magic, fuse_type);
}

} // namespace atelier::project

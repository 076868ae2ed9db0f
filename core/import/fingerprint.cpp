// file_fingerprint: FNV-1a 64 of (size, head, tail) read with ByteSource.
#include "core/import/fingerprint.h"

#include "core/io/byte_source.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace atelier::import {

std::uint64_t fnv1a64(const void* data, std::size_t size, std::uint64_t hash) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= p[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string file_fingerprint(const std::string& path) {
  FileSource src(path);
  const std::uint64_t size = src.size();
  std::uint64_t hash = fnv1a64(&size, sizeof size);
  const std::uint64_t head = std::min(size, kFingerprintEdgeBytes);
  std::vector<std::uint8_t> buf(static_cast<std::size_t>(head));
  if (head) src.read_at(0, buf.data(), buf.size());
  hash = fnv1a64(buf.data(), buf.size(), hash);
  // The tail may overlap the head for small files; hashing it again is harmless.
  if (size > head) {
    const std::uint64_t tail = std::min(size, kFingerprintEdgeBytes);
    buf.resize(static_cast<std::size_t>(tail));
    src.read_at(size - tail, buf.data(), buf.size());
    hash = fnv1a64(buf.data(), buf.size(), hash);
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(hash));
  return out;
}

} // namespace atelier::import

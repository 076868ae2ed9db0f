// Fast file fingerprints for import change detection: a 64-bit FNV-1a hash of
// the size and the first and last 64 KiB, so a multi-gigabyte movie costs two
// small reads. It catches rewrites that keep size and mtime only when they
// touch the ends; it is a change detector, not a content hash.
#pragma once

#include <cstdint>
#include <string>

namespace atelier::import {

constexpr std::uint64_t kFingerprintEdgeBytes = 64 * 1024;

// 16 lower-case hex digits. Throws FormatError when the file cannot be read.
std::string file_fingerprint(const std::string& path);

// FNV-1a 64 over bytes, continuing from hash.
std::uint64_t fnv1a64(const void* data, std::size_t size,
                      std::uint64_t hash = 0xcbf29ce484222325ULL);

} // namespace atelier::import

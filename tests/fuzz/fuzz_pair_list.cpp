// libFuzzer target for the denoise pair-list parser: arbitrary bytes are
// written to a list file under /dev/shm (read_pair_list reads a path) next to
// a few existing image files, so both the parse errors and the resolved-pair
// path are reached; the result is then split. Only atelier::Error may escape.
#include "core/base/error.h"
#include "core/recipes/denoise/pair_list.h"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

std::string dir_name() {
  return "/dev/shm/atelier_fuzz_pair_list_" + std::to_string(getpid());
}

// A per-process folder holding the list and the images the seeds name;
// removed at exit (by name: the static below is destroyed before atexit
// handlers registered during its construction run).
const std::string& fuzz_dir() {
  static const std::string dir = [] {
    const std::string d = dir_name();
    std::filesystem::create_directories(d + "/sub");
    for (const char* name : {"a.mrc", "b.mrc", "c d.mrc", "sub/e.mrc"}) {
      std::FILE* f = std::fopen((d + "/" + name).c_str(), "wb");
      if (!f) std::abort();
      std::fclose(f);
    }
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir_name(), ec);
    });
    return d;
  }();
  return dir;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string list = fuzz_dir() + "/list.txt";
  std::FILE* f = std::fopen(list.c_str(), "wb");
  if (!f) return 0;
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    const auto pairs = atelier::denoise::read_pair_list(list);
    const auto split = atelier::denoise::split_pairs(pairs, 0.25, size);
    if (split.first.size() + split.second.size() != pairs.size()) std::abort();
    if (pairs.size() >= 2 && split.second.empty()) std::abort();
  } catch (const atelier::Error&) {
  }
  return 0;
}

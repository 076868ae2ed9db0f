// Fuzz target: arbitrary bytes as a TIFF file (libtiff reads paths, so the
// bytes go to a per-process file under /dev/shm). Only atelier::Error may escape
// the reader; anything else is a bug.
#include "core/base/error.h"
#include "core/formats/tiff/tiff_reader.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace {

// The scratch file, removed when the fuzzer exits.
struct ScratchFile {
  std::string path = "/dev/shm/fuzz_tiff_" + std::to_string(getpid()) + ".tif";
  ~ScratchFile() { std::remove(path.c_str()); }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ScratchFile scratch;
  const std::string& path = scratch.path;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  const bool written = std::fwrite(data, 1, size, f) == size;
  std::fclose(f);
  if (!written) return 0;
  try {
    atelier::inspect_tiff(path);
  } catch (const atelier::Error&) {
  }
  try {
    atelier::read_tiff_stack(path);
  } catch (const atelier::Error&) {
  }
  try {
    if (atelier::tiff_page_count(path) > 1) atelier::read_tiff_page(path, 1);
  } catch (const atelier::Error&) {
  }
  return 0;
}

// libFuzzer target: arbitrary bytes through the PLY reader. Only
// atelier::Error may escape the reader; anything else is a bug.
#include "core/base/error.h"
#include "core/formats/pointcloud/ply_reader.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const atelier::MemorySource src("fuzz.ply", data, size);
    const atelier::PointCloud cloud = atelier::read_ply(src);
    (void)cloud.size();
  } catch (const atelier::Error&) {
  }
  return 0;
}

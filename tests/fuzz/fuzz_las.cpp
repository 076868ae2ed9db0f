// libFuzzer target: arbitrary bytes through the LAS reader. Only
// atelier::Error may escape the reader; anything else is a bug.
#include "core/base/error.h"
#include "core/formats/pointcloud/las_reader.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const atelier::MemorySource src("fuzz.las", data, size);
    const atelier::PointCloud cloud = atelier::read_las(src);
    (void)cloud.size();
  } catch (const atelier::Error&) {
  }
  return 0;
}

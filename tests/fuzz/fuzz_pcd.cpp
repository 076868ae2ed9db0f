// libFuzzer target: arbitrary bytes through the PCD reader. Only
// atelier::Error may escape the reader; anything else is a bug.
#include "core/base/error.h"
#include "core/formats/pointcloud/pcd_reader.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const atelier::MemorySource src("fuzz.pcd", data, size);
    const atelier::PointCloud cloud = atelier::read_pcd(src);
    (void)cloud.size();
  } catch (const atelier::Error&) {
  }
  return 0;
}

// libFuzzer target for the PNG/JPEG reader: header checks, then cv::imdecode.
#include "core/base/error.h"
#include "core/formats/raster/raster_reader.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const atelier::Image img = atelier::decode_raster("fuzz.png", data, size);
    (void)img.byte_size();
  } catch (const atelier::Error&) {
  }
  return 0;
}

// libFuzzer target for the MRC reader: header parsing and validation, every
// frame, the whole volume and the metadata of arbitrary bytes. Only
// atelier::Error may escape the reader.
#include "core/base/error.h"
#include "core/formats/mrc/mrc_file.h"
#include "core/io/byte_source.h"

#include <cstddef>
#include <cstdint>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const atelier::MrcFile file(std::make_unique<atelier::MemorySource>("fuzz.mrc", data, size));
    (void)file.metadata();
    (void)file.spacing();
    // Bounded by the validated data size, which is at most the input size.
    for (std::int64_t z = 0; z < file.frame_count() && z < 64; ++z)
      (void)file.read_frame(z);
    (void)file.read_volume();
  } catch (const atelier::Error&) {
  }
  return 0;
}

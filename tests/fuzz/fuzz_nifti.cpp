// libFuzzer target for the NIfTI reader (plain and gzip) on a MemorySource.
#include "core/base/error.h"
#include "core/formats/nifti/nifti_reader.h"
#include "core/io/byte_source.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const atelier::MemorySource src("fuzz.nii", data, size);
  try {
    const atelier::Volume v = atelier::read_nifti(src);
    (void)v.byte_size();
  } catch (const atelier::Error&) {
  }
  return 0;
}

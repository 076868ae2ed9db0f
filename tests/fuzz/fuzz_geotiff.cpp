// Fuzz target: arbitrary bytes as a GeoTIFF, handed to GDAL as a /vsimem/ file.
// Only atelier::Error may escape the reader; anything else is a bug.
#include "core/base/error.h"
#include "core/formats/geotiff/geotiff_reader.h"

#include <cpl_vsi.h>

#include <cstdint>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/vsimem/fuzz_geotiff_" + std::to_string(getpid()) + ".tif";
  // GDAL only reads the buffer; it takes no ownership.
  VSILFILE* f = VSIFileFromMemBuffer(path.c_str(), const_cast<GByte*>(data),
                                     static_cast<vsi_l_offset>(size), FALSE);
  if (!f) return 0;
  VSIFCloseL(f);
  try {
    atelier::inspect_geotiff(path);
  } catch (const atelier::Error&) {
  }
  VSIUnlink(path.c_str());
  return 0;
}

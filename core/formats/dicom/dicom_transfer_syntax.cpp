// Human names of DICOM transfer syntax UIDs, as used in manifests and `info`.
#include "core/formats/dicom/dicom_reader.h"

#include <string_view>

namespace atelier {

std::string dicom_transfer_syntax_name(const std::string& uid) {
  struct Entry {
    std::string_view uid, name;
  };
  static constexpr Entry kNames[] = {
      {"1.2.840.10008.1.2", "Implicit VR Little Endian"},
      {"1.2.840.10008.1.2.1", "Explicit VR Little Endian"},
      {"1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian"},
      {"1.2.840.10008.1.2.2", "Explicit VR Big Endian"},
      {"1.2.840.10008.1.2.4.50", "JPEG Baseline"},
      {"1.2.840.10008.1.2.4.51", "JPEG Extended"},
      {"1.2.840.10008.1.2.4.57", "JPEG Lossless (Process 14)"},
      {"1.2.840.10008.1.2.4.70", "JPEG Lossless (Process 14 SV1)"},
      {"1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"},
      {"1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless"},
      {"1.2.840.10008.1.2.4.90", "JPEG 2000 (lossless)"},
      {"1.2.840.10008.1.2.4.91", "JPEG 2000 (lossy)"},
      {"1.2.840.10008.1.2.5", "RLE Lossless"},
  };
  for (const auto& e : kNames)
    if (e.uid == uid) return std::string(e.name);
  return uid;
}

} // namespace atelier

// libFuzzer target for the DICOM reader (GDCM over an in-memory stream).
#include "core/base/error.h"
#include "core/formats/dicom/dicom_prescan.h"
#include "core/formats/dicom/dicom_reader.h"
#include "core/io/byte_source.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

// GDCM 3.0.21's JPEG-LS codec leaks its output buffer (Decode) or its
// decoder state (GetHeaderInfo) when CharLS rejects the stream, and JPEG2000Codec::GetHeaderInfo
// leaks the OpenJPEG decoder when the codestream header is bad (library bugs, not ours). Leak
// stacks end inside libopenjp2 (built without frame pointers), so that library is named. Everything
// else must stay leak-free.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:gdcm::JPEGLSCodec::Decode\n"
         "leak:gdcm::JPEGLSCodec::GetHeaderInfo\n"
         "leak:libopenjp2.so\n";
}

// The target fuzzes our structural prescan, the code that stands between
// untrusted bytes and GDCM. GDCM 3.0 itself (Debian builds it with
// assertions) still aborts on some inputs the prescan passes: codec bugs
// (JPEG 2000, RLE, JPEG), and assertions in its meta-information and
// attribute readers that fuzzing keeps finding one class at a time. Set
// ATELIER_FUZZ_GDCM=1 to fuzz GDCM end to end (it will find those aborts);
// the plan is to decode untrusted DICOM in worker processes.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool with_gdcm = std::getenv("ATELIER_FUZZ_GDCM") != nullptr;
  try {
    const atelier::DicomLayout layout =
        atelier::prescan_dicom(atelier::MemorySource("fuzz.dcm", data, size));
    if (!with_gdcm) return 0;
    (void)layout;
    const atelier::DicomImage d = atelier::read_dicom_memory("fuzz.dcm", data, size);
    (void)d.image.byte_size();
  } catch (const atelier::Error&) {
  }
  return 0;
}

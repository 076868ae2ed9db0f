// libFuzzer target for the DICOM reader (GDCM over an in-memory stream).
#include "core/base/error.h"
#include "core/formats/dicom/dicom_prescan.h"
#include "core/formats/dicom/dicom_reader.h"
#include "core/io/byte_source.h"

#include <cstddef>
#include <cstdint>

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

// GDCM's JPEG 2000, RLE and JPEG codecs still crash on some corrupt
// codestreams inside well-formed files (library bugs; see the DICOM notes in
// core/formats/dicom/dicom_reader.h). The target fuzzes our structural
// prescan on everything, and GDCM's parser and decoder end to end on files
// whose pixel data needs no codec.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const atelier::DicomLayout layout =
        atelier::prescan_dicom(atelier::MemorySource("fuzz.dcm", data, size));
    if (!layout.native_pixels) return 0;
    const atelier::DicomImage d = atelier::read_dicom_memory("fuzz.dcm", data, size);
    (void)d.image.byte_size();
  } catch (const atelier::Error&) {
  }
  return 0;
}

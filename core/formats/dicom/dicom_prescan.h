// Structural check of a DICOM file, run before GDCM parses it. GDCM sizes
// its buffers from the lengths a file declares and Debian builds it with
// assertions, so a lying length can abort the process or exhaust memory;
// this walk proves every length fits before GDCM sees the bytes.
#pragma once

#include <cstdint>

namespace atelier {

class ByteSource;

// The deepest nesting of sequences (and encapsulated pixel data) accepted.
inline constexpr int kDicomMaxNesting = 64;

// What the walk learned about the file.
struct DicomLayout {
  bool native_pixels = true; // pixel data uncompressed (no codec needed to decode it)
  bool has_pixel_data = false;
};

// Walks the file meta group, then every data element of the dataset in its
// transfer syntax (explicit VR little or big endian, implicit VR little
// endian), through sequences, items (defined and undefined length) and
// encapsulated pixel data. Reads only element headers, allocates nothing the
// file declares, and takes time proportional to the file size. Throws
// FormatError naming src.name() at the first element whose declared structure
// the file cannot hold, or whose encoding GDCM would trip over. Element
// values never appear in messages. Also refuses the few top-level image
// attributes GDCM asserts on (wrong explicit VR, SamplesPerPixel not 1/3/4,
// no BitsAllocated, pixel data form not matching the syntax). The deflated
// transfer syntax is rejected: its lengths cannot be checked without
// inflating the whole dataset.
DicomLayout prescan_dicom(const ByteSource& src);

} // namespace atelier

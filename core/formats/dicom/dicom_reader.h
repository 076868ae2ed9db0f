// DICOM reader through GDCM (uncompressed, JPEG, JPEG-LS, JPEG 2000, RLE).
// Pixels keep their stored type; display transforms (rescale, window,
// MONOCHROME1 inversion) are reported, never applied. Patient-identifying
// tags are never copied into metadata, logs or error messages.
#pragma once

#include "core/data/image.h"
#include "core/io/file_info.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace atelier {

struct DicomImage {
  // Stored values (uint8/int8/uint16/int16/uint32/int32 by BitsAllocated and
  // PixelRepresentation), SamplesPerPixel channels, interleaved. A multi-frame
  // file holds its frames stacked top to bottom: height = rows * frames.
  Image image;
  std::int64_t frames = 1;
  bool has_rescale = false; // RescaleSlope or RescaleIntercept present
  double rescale_slope = 1.0;
  double rescale_intercept = 0.0;
  std::optional<double> window_center;
  std::optional<double> window_width;
  std::string photometric;     // (0028,0004) as stored, e.g. "MONOCHROME1"
  std::string modality;        // (0008,0060)
  std::string transfer_syntax; // human name, e.g. "JPEG Baseline"
  int bits_allocated = 0;
  int bits_stored = 0;
  // MONOCHROME1: low values are bright. The data is not inverted.
  bool invert_for_display = false;
};

// Decodes the whole file. Throws FormatError naming the file and the reason.
// Every declared length is checked before GDCM parses the file (see
// dicom_prescan.h). Known limit: GDCM 3.0's JPEG 2000, RLE and JPEG codecs
// can still crash on corrupt codestreams inside well-formed files; decoding
// untrusted compressed DICOM belongs in a worker process (import jobs).
DicomImage read_dicom(const std::string& path);
// The same from bytes in memory (fuzzing, archives); `name` is used in errors.
DicomImage read_dicom_memory(const std::string& name, const std::uint8_t* data, std::size_t size);

// Human name of a transfer syntax UID ("1.2.840.10008.1.2.4.50" -> "JPEG
// Baseline"); unknown UIDs are returned unchanged.
std::string dicom_transfer_syntax_name(const std::string& uid);

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_dicom(const std::string& path);

} // namespace atelier

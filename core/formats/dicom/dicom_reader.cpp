// DICOM decoding through GDCM's ImageReader: stored pixel values, display
// parameters and the few non-identifying header facts `info` reports.
#include "core/formats/dicom/dicom_reader.h"

#include "core/formats/dicom/dicom_prescan.h"

#include "core/base/error.h"
#include "core/data/stats.h"
#include "core/io/byte_source.h"

#include <gdcmDataSet.h>
#include <gdcmExplicitDataElement.h>
#include <gdcmFile.h>
#include <gdcmFileMetaInformation.h>
#include <gdcmImage.h>
#include <gdcmImageChangePlanarConfiguration.h>
#include <gdcmImageReader.h>
#include <gdcmImplicitDataElement.h>
#include <gdcmSequenceOfFragments.h>
#include <gdcmTrace.h>
#include <gdcmTransferSyntax.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <mutex>
#include <new>
#include <sstream>
#include <vector>

namespace atelier {
namespace {

// Encapsulated pixel data can compress constant images by large factors
// (JPEG-LS run mode, empty JPEG 2000 code blocks); anything beyond this ratio
// is treated as a lying header rather than allocated.
constexpr std::uint64_t kMaxCompressionRatio = 4096;
constexpr std::uint64_t kMinDecodeAllowance = 16ull << 20;

void silence_gdcm() {
  static std::once_flag once;
  std::call_once(once, [] {
    gdcm::Trace::SetWarning(false);
    gdcm::Trace::SetError(false);
    gdcm::Trace::SetDebug(false);
  });
}

// A string element with DICOM's space/NUL padding removed; nullopt when absent.
std::optional<std::string> tag_string(const gdcm::DataSet& ds, std::uint16_t group,
                                      std::uint16_t element) {
  const gdcm::Tag tag(group, element);
  if (!ds.FindDataElement(tag)) return std::nullopt;
  const gdcm::ByteValue* bv = ds.GetDataElement(tag).GetByteValue();
  if (!bv || !bv->GetPointer()) return std::nullopt;
  std::string s(bv->GetPointer(), bv->GetLength());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
    s.pop_back();
  std::size_t start = 0;
  while (start < s.size() && s[start] == ' ')
    ++start;
  return s.substr(start);
}

// The numbers of a multi-valued DS/IS element ("0.168\0.168").
std::vector<double> tag_numbers(const gdcm::DataSet& ds, std::uint16_t group,
                                std::uint16_t element) {
  std::vector<double> out;
  const auto s = tag_string(ds, group, element);
  if (!s) return out;
  std::stringstream in(*s);
  std::string part;
  while (std::getline(in, part, '\\')) {
    const char* begin = part.c_str();
    char* end = nullptr;
    const double v = std::strtod(begin, &end);
    if (end == begin || !std::isfinite(v)) break;
    out.push_back(v);
  }
  return out;
}

std::optional<double> first_number(const gdcm::DataSet& ds, std::uint16_t group,
                                   std::uint16_t element) {
  const auto v = tag_numbers(ds, group, element);
  if (v.empty()) return std::nullopt;
  return v.front();
}

DType dtype_for(const gdcm::PixelFormat& pf, const std::string& name) {
  switch (pf.GetScalarType()) {
  case gdcm::PixelFormat::UINT8: return DType::u8;
  case gdcm::PixelFormat::INT8: return DType::i8;
  case gdcm::PixelFormat::UINT16: return DType::u16;
  case gdcm::PixelFormat::INT16: return DType::i16;
  case gdcm::PixelFormat::UINT32: return DType::u32;
  case gdcm::PixelFormat::INT32: return DType::i32;
  default: break;
  }
  throw FormatError(name, "unsupported pixel format (BitsAllocated " +
                              std::to_string(pf.GetBitsAllocated()) + ", PixelRepresentation " +
                              std::to_string(pf.GetPixelRepresentation()) + ")");
}

// Bytes of PixelData in the file: the value length for native data, the sum
// of the fragments for encapsulated data.
std::uint64_t stored_pixel_bytes(const gdcm::DataSet& ds, bool* encapsulated) {
  const gdcm::Tag pixel_data(0x7fe0, 0x0010);
  *encapsulated = false;
  if (!ds.FindDataElement(pixel_data)) return 0;
  const gdcm::DataElement& de = ds.GetDataElement(pixel_data);
  if (const gdcm::ByteValue* bv = de.GetByteValue()) return bv->GetLength();
  if (const gdcm::SequenceOfFragments* sqf = de.GetSequenceOfFragments()) {
    *encapsulated = true;
    return sqf->ComputeByteLength();
  }
  return 0;
}

DicomImage decode(gdcm::ImageReader& reader, const std::string& name, std::uint64_t file_size) {
  silence_gdcm();
  if (!reader.Read())
    throw FormatError(name, "not a readable DICOM image (GDCM could not parse it, or it is "
                            "truncated or has no pixel data)");
  const gdcm::DataSet& ds = reader.GetFile().GetDataSet();
  const gdcm::Image& gimg = reader.GetImage();

  // GDCM accepts a file that ends inside its last element (the pixel data)
  // and keeps the declared length, so compare what the elements describe
  // with the bytes there are. Odd lengths are padded by GDCM: allow a little.
  const gdcm::FileMetaInformation& header = reader.GetFile().GetHeader();
  const gdcm::TransferSyntax& syntax = header.GetDataSetTransferSyntax();
  if (syntax != gdcm::TransferSyntax::DeflatedExplicitVRLittleEndian) {
    const std::uint64_t described =
        (header.GetPreamble().IsEmpty() ? 0u : 132u) +
        std::uint64_t{header.GetLength<gdcm::ExplicitDataElement>()} +
        (syntax.IsImplicit() ? std::uint64_t{ds.GetLength<gdcm::ImplicitDataElement>()}
                             : std::uint64_t{ds.GetLength<gdcm::ExplicitDataElement>()});
    if (described > file_size + 16)
      throw FormatError(name, "truncated: the elements describe " + std::to_string(described) +
                                  " bytes, the file has " + std::to_string(file_size));
  }

  const gdcm::PixelFormat& pf = gimg.GetPixelFormat();
  const DType dtype = dtype_for(pf, name);
  const std::int64_t columns = gimg.GetDimension(0);
  const std::int64_t rows = gimg.GetDimension(1);
  const std::int64_t frames = gimg.GetNumberOfDimensions() > 2 ? gimg.GetDimension(2) : 1;
  const std::int64_t samples = pf.GetSamplesPerPixel();
  if (columns <= 0 || rows <= 0 || frames <= 0)
    throw FormatError(name, "invalid image size " + std::to_string(columns) + " x " +
                                std::to_string(rows) + " x " + std::to_string(frames));
  if (samples != 1 && samples != 3)
    throw FormatError(name, "unsupported SamplesPerPixel " + std::to_string(samples));

  std::size_t expected = 0;
  try {
    expected = checked_byte_count({columns, rows, frames, samples}, dtype);
  } catch (const Error&) {
    throw FormatError(name, "image size overflows");
  }
  bool encapsulated = false;
  const std::uint64_t stored = stored_pixel_bytes(ds, &encapsulated);
  if (stored == 0) throw FormatError(name, "no pixel data");
  if (!encapsulated && stored < expected)
    throw FormatError(name, "truncated pixel data: " + std::to_string(stored) + " bytes for " +
                                std::to_string(expected) + " expected");
  if (encapsulated && expected > file_size * kMaxCompressionRatio + kMinDecodeAllowance)
    throw FormatError(name, "image size " + std::to_string(expected) +
                                " bytes is implausible for a file of " + std::to_string(file_size) +
                                " bytes");
  if (gimg.GetBufferLength() != expected)
    throw FormatError(name, "pixel buffer size disagrees with the header");

  DicomImage out;
  out.frames = frames;
  out.image = Image(columns, rows * frames, samples, dtype);

  const gdcm::Image* src = &gimg;
  gdcm::ImageChangePlanarConfiguration planar;
  if (samples == 3 && gimg.GetPlanarConfiguration() == 1) {
    planar.SetPlanarConfiguration(0);
    planar.SetInput(gimg);
    if (!planar.Change()) throw FormatError(name, "cannot interleave planar colour data");
    src = &planar.GetOutput();
  }
  const char* uid =
      gdcm::TransferSyntax::GetTSString(reader.GetFile().GetHeader().GetDataSetTransferSyntax());
  out.transfer_syntax = dicom_transfer_syntax_name(uid ? uid : "");
  if (!src->GetBuffer(reinterpret_cast<char*>(out.image.bytes())))
    throw FormatError(name, "cannot decode pixel data (" + out.transfer_syntax +
                                "): corrupt or truncated");
  out.photometric = tag_string(ds, 0x0028, 0x0004).value_or("");
  if (out.photometric.empty()) {
    const char* pi = gimg.GetPhotometricInterpretation().GetString();
    out.photometric = pi ? pi : "";
  }
  out.modality = tag_string(ds, 0x0008, 0x0060).value_or("");
  out.bits_allocated = pf.GetBitsAllocated();
  out.bits_stored = pf.GetBitsStored();
  out.invert_for_display = out.photometric == "MONOCHROME1";
  const auto slope = first_number(ds, 0x0028, 0x1053);
  const auto intercept = first_number(ds, 0x0028, 0x1052);
  out.has_rescale = slope.has_value() || intercept.has_value();
  if (slope && *slope != 0.0) out.rescale_slope = *slope;
  if (intercept) out.rescale_intercept = *intercept;
  out.window_center = first_number(ds, 0x0028, 0x1050);
  out.window_width = first_number(ds, 0x0028, 0x1051);

  // PixelSpacing is "row spacing \ column spacing"; x runs along a row.
  auto spacing = tag_numbers(ds, 0x0028, 0x0030);
  if (spacing.size() < 2) spacing = tag_numbers(ds, 0x0018, 0x1164);
  if (spacing.size() >= 2 && spacing[0] > 0 && spacing[1] > 0) {
    Spacing& sp = out.image.spacing;
    sp.xyz = {spacing[1], spacing[0], 0.0};
    if (frames > 1)
      if (const auto dz = first_number(ds, 0x0018, 0x0088); dz && *dz > 0) sp.xyz[2] = *dz;
    sp.unit = "mm";
    sp.source = PixelSizeSource::header;
  }

  Metadata& md = out.image.metadata;
  md.set("modality", out.modality);
  md.set("photometric", out.photometric);
  md.set("transfer_syntax", out.transfer_syntax);
  md.set("bits_allocated", std::to_string(out.bits_allocated));
  md.set("bits_stored", std::to_string(out.bits_stored));
  if (frames > 1) md.set("frames", std::to_string(frames));
  return out;
}

template <typename F>
DicomImage guarded(const std::string& name, F&& f) {
  try {
    return f();
  } catch (const Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw FormatError(name, "out of memory while decoding");
  } catch (...) {
    // GDCM's messages may quote header values; they stay out of ours. Some
    // of its parse failures throw C strings rather than std::exception.
    throw FormatError(name, "GDCM failed to decode the file");
  }
}

} // namespace

DicomImage read_dicom(const std::string& path) {
  return guarded(path, [&] {
    const FileSource file(path); // a clear error for missing files, and the size
    prescan_dicom(file);         // GDCM trusts declared lengths; prove them first
    gdcm::ImageReader reader;
    reader.SetFileName(path.c_str());
    return decode(reader, path, file.size());
  });
}

DicomImage read_dicom_memory(const std::string& name, const std::uint8_t* data, std::size_t size) {
  return guarded(name, [&] {
    prescan_dicom(MemorySource(name, data, size));
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    gdcm::ImageReader reader;
    reader.SetStream(in);
    return decode(reader, name, size);
  });
}

FileInfo inspect_dicom(const std::string& path) {
  const DicomImage d = read_dicom(path);
  FileInfo info;
  const std::int64_t rows = d.image.height() / d.frames;
  info.dims = {d.image.width(), rows};
  if (d.frames > 1) info.dims.push_back(d.frames);
  info.dtype = d.image.dtype();
  if (d.image.channels() > 1) info.bands = d.image.channels();
  info.spacing = d.image.spacing;
  RunningStats stats;
  stats.add(d.image.bytes(), d.image.dtype(), d.image.value_count());
  info.stats = stats;
  if (!d.modality.empty()) info.set_extra("modality", d.modality);
  info.set_extra("photometric", d.photometric);
  info.set_extra("bits_allocated", std::int64_t{d.bits_allocated});
  info.set_extra("bits_stored", std::int64_t{d.bits_stored});
  info.set_extra("transfer_syntax", d.transfer_syntax);
  if (d.has_rescale) {
    info.set_extra("rescale_slope", d.rescale_slope);
    info.set_extra("rescale_intercept", d.rescale_intercept);
  }
  if (d.window_center) info.set_extra("window_center", *d.window_center);
  if (d.window_width) info.set_extra("window_width", *d.window_width);
  return info;
}

} // namespace atelier

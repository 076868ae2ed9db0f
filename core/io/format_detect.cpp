// Format detection: magic bytes first, the extension only where a format has
// no magic (MRC, STAR, XYZ, safetensors). A TIFF whose first directory carries GeoTIFF
// tags is "geotiff".
#include "core/base/byte_order.h"
#include "core/base/error.h"
#include "core/io/byte_source.h"
#include "core/io/file_inspect.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <filesystem>

namespace atelier {
namespace {

std::string lower_extension(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name.ends_with(".nii.gz")) return ".nii.gz";
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : name.substr(dot);
}

bool starts_with(const std::vector<std::uint8_t>& head, std::string_view magic,
                 std::size_t at = 0) {
  return head.size() >= at + magic.size() &&
         std::memcmp(head.data() + at, magic.data(), magic.size()) == 0;
}

// GeoTIFF keys live in tags 33550 (pixel scale), 33922 (tie points),
// 34264 (transformation) and 34735 (GeoKeyDirectory) of the first IFD.
bool tiff_has_geo_tags(const ByteSource& src, Endian order, bool big_tiff) {
  try {
    std::uint64_t ifd = 0;
    std::uint64_t count = 0;
    std::size_t entry_size = 12;
    if (big_tiff) {
      std::uint8_t b[8];
      src.read_at(8, b, 8);
      ifd = load_as<std::uint64_t>(b, order);
      src.read_at(ifd, b, 8);
      count = load_as<std::uint64_t>(b, order);
      entry_size = 20;
      ifd += 8;
    } else {
      std::uint8_t b[4];
      src.read_at(4, b, 4);
      ifd = load_as<std::uint32_t>(b, order);
      std::uint8_t c[2];
      src.read_at(ifd, c, 2);
      count = load_as<std::uint16_t>(c, order);
      ifd += 2;
    }
    count = std::min<std::uint64_t>(count, 4096);
    for (std::uint64_t i = 0; i < count; ++i) {
      std::uint8_t t[2];
      src.read_at(ifd + i * entry_size, t, 2);
      const auto tag = load_as<std::uint16_t>(t, order);
      if (tag == 33550 || tag == 33922 || tag == 34264 || tag == 34735) return true;
    }
  } catch (const FormatError&) {
    // A damaged directory is the TIFF reader's to report.
  }
  return false;
}

bool looks_like_pcd(const std::vector<std::uint8_t>& head) {
  const std::string text(head.begin(), head.end());
  return text.starts_with("# .PCD") || text.starts_with("VERSION") ||
         (text.find("\nFIELDS ") != std::string::npos && text.find("\nDATA ") != std::string::npos);
}

// DICOM files without the 128-byte preamble start with a group 0x0002 or
// 0x0008 element in little-endian order.
bool looks_like_bare_dicom(const std::vector<std::uint8_t>& head) {
  if (head.size() < 8) return false;
  const auto group = load_as<std::uint16_t>(head.data(), Endian::little);
  if (group != 0x0002 && group != 0x0008) return false;
  // Explicit VR: two upper-case letters after the tag.
  const bool explicit_vr = std::isupper(head[4]) && std::isupper(head[5]);
  const auto elem = load_as<std::uint16_t>(head.data() + 2, Endian::little);
  return explicit_vr || elem < 0x0100;
}

} // namespace

std::string detect_format(const std::string& path) {
  FileSource src(path);
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(src.size(), 1024));
  std::vector<std::uint8_t> head(n);
  if (n) src.read_at(0, head.data(), n);
  const std::string ext = lower_extension(path);

  if (starts_with(head, "DICM", 128)) return "dicom";
  if (starts_with(head, "\x89PNG\r\n\x1a\n")) return "png";
  if (starts_with(head, "\xff\xd8\xff")) return "jpeg";
  if (starts_with(head, "II*\0", 0) || starts_with(head, "MM\0*", 0) ||
      starts_with(head, "II+\0", 0) || starts_with(head, "MM\0+", 0)) {
    const Endian order = head[0] == 'I' ? Endian::little : Endian::big;
    const bool big_tiff = head[2] == '+' || head[3] == '+';
    return tiff_has_geo_tags(src, order, big_tiff) ? "geotiff" : "tiff";
  }
  if (starts_with(head, "ply\n") || starts_with(head, "ply\r\n")) return "ply";
  if (starts_with(head, "LASF")) return "las";
  if (starts_with(head, "\x1f\x8b") && (ext == ".nii.gz" || ext == ".gz")) return "nifti";
  if (head.size() >= 348) {
    const auto le = load_as<std::int32_t>(head.data(), Endian::little);
    const auto be = load_as<std::int32_t>(head.data(), Endian::big);
    if ((le == 348 || be == 348) &&
        (starts_with(head, "n+1\0", 344) || starts_with(head, "ni1\0", 344)))
      return "nifti";
    if ((le == 540 || be == 540) &&
        (starts_with(head, "n+2\0", 4) || starts_with(head, "ni2\0", 4)))
      return "nifti";
  }
  if (starts_with(head, "MAP ", 208) || ext == ".mrc" || ext == ".mrcs" || ext == ".map" ||
      ext == ".st" || ext == ".ali" || ext == ".rec" || ext == ".mrcz")
    return "mrc";
  if (ext == ".pcd" || looks_like_pcd(head)) return "pcd";
  if (ext == ".star") return "star";
  if (ext == ".safetensors") return "safetensors";
  if (ext == ".xyz" || ext == ".pts" || ext == ".csv" || ext == ".txt") return "xyz";
  if (ext == ".dcm" || looks_like_bare_dicom(head)) return "dicom";
  if (ext == ".nii") return "nifti";
  throw FormatError(path, "unrecognised format (no known magic bytes or extension)");
}

} // namespace atelier

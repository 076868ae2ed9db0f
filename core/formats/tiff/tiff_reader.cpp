// Public TIFF reading API and `info` for TIFF files, on top of tiff_page.
#include "core/formats/tiff/tiff_reader.h"

#include "core/base/error.h"
#include "core/data/stats.h"
#include "core/formats/tiff/tiff_handle.h"
#include "core/formats/tiff/tiff_page.h"

#include <tiffio.h>

#include <functional>
#include <vector>

namespace atelier {
namespace {

std::string describe(const TiffPage& p) {
  return std::to_string(p.width) + "x" + std::to_string(p.height) + "x" +
         std::to_string(p.samples) + " " + std::string(dtype_name(p.dtype));
}

void set_page_metadata(Metadata& meta, const TiffPage& page, const std::string& description) {
  meta.set("compression", tiff_compression_name(page.compression));
  meta.set("photometric", tiff_photometric_name(page.photometric));
  if (!description.empty()) meta.set("description", description);
}

// Page i's layout, which must equal the first page's.
TiffPage stack_page_layout(TiffHandle& tiff, int i, const TiffPage& first) {
  const TiffPage layout = read_tiff_page_layout(tiff);
  if (layout.width != first.width || layout.height != first.height ||
      layout.samples != first.samples || layout.dtype != first.dtype)
    throw FormatError(tiff.path(), "page " + std::to_string(i) + " is " + describe(layout) +
                                       ", page 0 is " + describe(first) +
                                       "; a stack needs equal pages");
  return layout;
}

TiffPage stack_first_page(TiffHandle& tiff) {
  select_tiff_page(tiff, 0);
  const TiffPage first = read_tiff_page_layout(tiff);
  if (first.samples != 1)
    throw FormatError(tiff.path(), "a stack needs one sample per pixel; page 0 has " +
                                       std::to_string(first.samples));
  return first;
}

} // namespace

TiffStackInfo read_tiff_stack_info(const std::string& path) {
  TiffHandle tiff(path);
  const int pages = count_tiff_pages(tiff);
  const TiffPage first = stack_first_page(tiff);
  return {first.width, first.height, pages, first.dtype, read_tiff_spacing(tiff)};
}

void visit_tiff_stack(const std::string& path,
                      const std::function<void(int page, const Image& image)>& visit) {
  TiffHandle tiff(path);
  const int pages = count_tiff_pages(tiff);
  const TiffPage first = stack_first_page(tiff);
  Image image(first.width, first.height, 1, first.dtype);
  image.spacing = read_tiff_spacing(tiff);
  for (int i = 0; i < pages; ++i) {
    if (i != 0) select_tiff_page(tiff, i);
    const TiffPage layout = i == 0 ? first : stack_page_layout(tiff, i, first);
    check_tiff_decoded_size(tiff, layout.byte_size(), layout.byte_size());
    decode_tiff_page(tiff, layout, image.bytes());
    visit(i, image);
  }
}

int tiff_page_count(const std::string& path) {
  TiffHandle tiff(path);
  return count_tiff_pages(tiff);
}

int tiff_full_resolution_pages(const std::string& path, int at_most) {
  TiffHandle tiff(path);
  select_tiff_page(tiff, 0);
  std::uint32_t w0 = 0, h0 = 0;
  TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &w0);
  TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &h0);
  int full = 0;
  // Directory by directory in order, stopping once at_most are found (a
  // movie's thousands of pages are not walked, and TIFFSetDirectory would
  // walk the chain from the start for each).
  for (int i = 0; full < at_most; ++i) {
    if (i > 0 && !TIFFReadDirectory(tiff.get())) break;
    std::uint32_t type = 0, w = 0, h = 0;
    TIFFGetField(tiff.get(), TIFFTAG_SUBFILETYPE, &type);
    TIFFGetField(tiff.get(), TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(tiff.get(), TIFFTAG_IMAGELENGTH, &h);
    if ((type & (FILETYPE_REDUCEDIMAGE | FILETYPE_MASK)) == 0 && w == w0 && h == h0) ++full;
  }
  return full;
}

Image read_tiff_page(const std::string& path, int page) {
  TiffHandle tiff(path);
  const int pages = count_tiff_pages(tiff);
  if (page < 0 || page >= pages)
    throw FormatError(path, "page " + std::to_string(page) + " out of range (file has " +
                                std::to_string(pages) + ")");
  // ImageJ keeps the stack's calibration in the first directory only.
  select_tiff_page(tiff, 0);
  const Spacing spacing = read_tiff_spacing(tiff);
  const std::string description = read_tiff_description(tiff);
  if (page != 0) select_tiff_page(tiff, page);

  const TiffPage layout = read_tiff_page_layout(tiff);
  check_tiff_decoded_size(tiff, layout.byte_size(), layout.byte_size());
  Image image(layout.width, layout.height, layout.samples, layout.dtype);
  decode_tiff_page(tiff, layout, image.bytes());
  image.spacing = spacing;
  set_page_metadata(image.metadata, layout, description);
  return image;
}

Volume read_tiff_stack(const std::string& path) {
  TiffHandle tiff(path);
  const int pages = count_tiff_pages(tiff);
  const TiffPage first = stack_first_page(tiff);
  const std::uint64_t page_bytes = first.byte_size();
  std::uint64_t total = 0;
  try {
    total = checked_byte_count({first.width, first.height, pages}, first.dtype);
  } catch (const Error& e) {
    throw FormatError(path, e.message());
  }
  check_tiff_decoded_size(tiff, page_bytes, total);

  Volume volume(first.width, first.height, pages, first.dtype);
  volume.spacing = read_tiff_spacing(tiff);
  set_page_metadata(volume.metadata, first, read_tiff_description(tiff));
  for (int i = 0; i < pages; ++i) {
    if (i != 0) select_tiff_page(tiff, i);
    const TiffPage layout = i == 0 ? first : stack_page_layout(tiff, i, first);
    decode_tiff_page(tiff, layout, volume.bytes() + static_cast<std::size_t>(i) * page_bytes);
  }
  return volume;
}

FileInfo inspect_tiff(const std::string& path) {
  TiffHandle tiff(path);
  const int pages = count_tiff_pages(tiff);
  select_tiff_page(tiff, 0);
  const TiffPage first = read_tiff_page_layout(tiff);

  FileInfo info;
  info.dims = {first.width, first.height};
  if (pages > 1) info.dims.push_back(pages);
  info.dtype = first.dtype;
  if (first.samples > 1) info.bands = first.samples;
  info.spacing = read_tiff_spacing(tiff);
  info.set_extra("compression", tiff_compression_name(first.compression));
  info.set_extra("photometric", tiff_photometric_name(first.photometric));
  info.set_extra("planar", first.planar == 2 ? std::string("separate") : std::string("contiguous"));
  info.set_extra("tiled", std::int64_t{first.tiled ? 1 : 0});
  info.set_extra("pages", std::int64_t{pages});

  RunningStats stats;
  std::vector<std::uint8_t> buffer;
  std::uint64_t total = 0;
  for (int i = 0; i < pages; ++i) {
    if (i != 0) select_tiff_page(tiff, i);
    const TiffPage layout = i == 0 ? first : read_tiff_page_layout(tiff);
    check_tiff_decoded_size(tiff, layout.byte_size(), layout.byte_size());
    total += layout.byte_size();
    check_tiff_decoded_size(tiff, layout.byte_size(), total);
    buffer.resize(static_cast<std::size_t>(layout.byte_size()));
    decode_tiff_page(tiff, layout, buffer.data());
    stats.add(buffer.data(), layout.dtype,
              static_cast<std::size_t>(layout.byte_size() / dtype_size(layout.dtype)));
  }
  info.stats = stats;
  return info;
}

} // namespace atelier

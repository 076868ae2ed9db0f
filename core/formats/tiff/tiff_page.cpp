// Page layout checks and strip/tile decoding through libtiff. libtiff undoes
// predictors, fill order and byte order; separate planes are interleaved here.
#include "core/formats/tiff/tiff_page.h"

#include "core/base/error.h"
#include "core/data/image.h"
#include "core/formats/tiff/imagej_description.h"
#include "core/formats/tiff/tiff_handle.h"

#include <tiffio.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

namespace atelier {
namespace {

constexpr std::uint64_t kMaxPageBytes = std::uint64_t{4} << 30;
constexpr std::uint64_t kMinDecodeBudget = std::uint64_t{16} << 20;
constexpr std::uint64_t kMaxExpansion = 1000;

[[noreturn]] void unsupported(const TiffHandle& tiff, const std::string& what) {
  throw FormatError(tiff.path(), what);
}

DType sample_dtype(const TiffHandle& tiff, std::uint16_t bits, std::uint16_t format) {
  switch (format) {
  case SAMPLEFORMAT_UINT:
  case SAMPLEFORMAT_VOID:
    if (bits == 8) return DType::u8;
    if (bits == 16) return DType::u16;
    if (bits == 32) return DType::u32;
    break;
  case SAMPLEFORMAT_INT:
    if (bits == 8) return DType::i8;
    if (bits == 16) return DType::i16;
    if (bits == 32) return DType::i32;
    break;
  case SAMPLEFORMAT_IEEEFP:
    if (bits == 16) return DType::f16;
    if (bits == 32) return DType::f32;
    if (bits == 64) return DType::f64;
    break;
  default:
    unsupported(tiff,
                "unsupported sample format " + std::to_string(format) + " (complex or unknown)");
  }
  unsupported(tiff, "unsupported " + std::to_string(bits) + "-bit samples of sample format " +
                        std::to_string(format));
}

// Copies one plane's samples (elem bytes each, `count` of them) into every
// `samples`-th slot of an interleaved row.
void scatter_plane(const std::uint8_t* src, std::uint8_t* dst, std::size_t count, std::size_t elem,
                   std::size_t samples) {
  const std::size_t stride = elem * samples;
  for (std::size_t i = 0; i < count; ++i)
    std::memcpy(dst + i * stride, src + i * elem, elem);
}

void decode_strips(TiffHandle& tiff, const TiffPage& page, std::uint8_t* dst) {
  TIFF* tif = tiff.get();
  const std::size_t elem = dtype_size(page.dtype);
  const auto w = static_cast<std::size_t>(page.width);
  const auto h = static_cast<std::uint32_t>(page.height);
  const auto spp = static_cast<std::size_t>(page.samples);
  const bool separate = page.planar == PLANARCONFIG_SEPARATE && spp > 1;
  const std::size_t plane_row_bytes = w * elem * (separate ? 1 : spp);
  const std::size_t row_bytes = w * elem * spp;
  if (TIFFScanlineSize64(tif) != plane_row_bytes)
    unsupported(tiff, "unsupported sample layout (scanline of " +
                          std::to_string(TIFFScanlineSize64(tif)) + " bytes, expected " +
                          std::to_string(plane_row_bytes) + ")");
  const std::uint32_t rps = std::clamp<std::uint32_t>(page.rows_per_strip, 1, h);
  const std::uint32_t strips_per_plane = (h + rps - 1) / rps;
  const std::uint64_t needed = std::uint64_t{strips_per_plane} * (separate ? spp : 1);
  if (TIFFNumberOfStrips(tif) < needed)
    unsupported(tiff, "has " + std::to_string(TIFFNumberOfStrips(tif)) + " strips, needs " +
                          std::to_string(needed));

  std::vector<std::uint8_t> plane_buf;
  if (separate) plane_buf.resize(std::size_t{rps} * plane_row_bytes);
  for (std::size_t p = 0; p < (separate ? spp : 1); ++p) {
    for (std::uint32_t s = 0; s < strips_per_plane; ++s) {
      const std::uint32_t y0 = s * rps;
      const std::uint32_t rows = std::min(rps, h - y0);
      const auto want = static_cast<tmsize_t>(std::size_t{rows} * plane_row_bytes);
      const auto index = static_cast<std::uint32_t>(p * strips_per_plane + s);
      std::uint8_t* out = separate ? plane_buf.data() : dst + std::size_t{y0} * row_bytes;
      tiff.clear_error();
      if (TIFFReadEncodedStrip(tif, index, out, want) != want)
        tiff.fail("cannot decode strip " + std::to_string(index));
      if (separate) {
        for (std::uint32_t r = 0; r < rows; ++r)
          scatter_plane(plane_buf.data() + std::size_t{r} * plane_row_bytes,
                        dst + std::size_t{y0 + r} * row_bytes + p * elem, w, elem, spp);
      }
    }
  }
}

void decode_tiles(TiffHandle& tiff, const TiffPage& page, std::uint8_t* dst) {
  TIFF* tif = tiff.get();
  const std::size_t elem = dtype_size(page.dtype);
  const auto w = static_cast<std::uint32_t>(page.width);
  const auto h = static_cast<std::uint32_t>(page.height);
  const auto spp = static_cast<std::size_t>(page.samples);
  const bool separate = page.planar == PLANARCONFIG_SEPARATE && spp > 1;
  const std::uint32_t tw = page.tile_width;
  const std::uint32_t th = page.tile_height;
  const std::size_t tile_row_bytes = std::size_t{tw} * elem * (separate ? 1 : spp);
  const std::uint64_t tile_bytes = std::uint64_t{tile_row_bytes} * th;
  if (TIFFTileSize64(tif) != tile_bytes)
    unsupported(tiff, "unsupported sample layout (tile of " + std::to_string(TIFFTileSize64(tif)) +
                          " bytes, expected " + std::to_string(tile_bytes) + ")");
  check_tiff_decoded_size(tiff, tile_bytes, tile_bytes);
  const std::size_t row_bytes = std::size_t{w} * elem * spp;
  const std::uint32_t tiles = TIFFNumberOfTiles(tif);

  std::vector<std::uint8_t> buf(static_cast<std::size_t>(tile_bytes));
  for (std::size_t p = 0; p < (separate ? spp : 1); ++p) {
    for (std::uint32_t ty = 0; ty < h; ty += th) {
      for (std::uint32_t tx = 0; tx < w; tx += tw) {
        const std::uint32_t index = TIFFComputeTile(tif, tx, ty, 0, static_cast<std::uint16_t>(p));
        if (index >= tiles)
          unsupported(tiff, "has " + std::to_string(tiles) + " tiles, tile " +
                                std::to_string(index) + " is missing");
        tiff.clear_error();
        if (TIFFReadEncodedTile(tif, index, buf.data(), static_cast<tmsize_t>(tile_bytes)) !=
            static_cast<tmsize_t>(tile_bytes))
          tiff.fail("cannot decode tile " + std::to_string(index));
        const std::uint32_t cols = std::min(tw, w - tx);
        const std::uint32_t rows = std::min(th, h - ty);
        for (std::uint32_t r = 0; r < rows; ++r) {
          const std::uint8_t* src = buf.data() + std::size_t{r} * tile_row_bytes;
          std::uint8_t* out = dst + std::size_t{ty + r} * row_bytes + std::size_t{tx} * elem * spp;
          if (separate)
            scatter_plane(src, out + p * elem, cols, elem, spp);
          else
            std::memcpy(out, src, std::size_t{cols} * elem * spp);
        }
      }
    }
  }
}

} // namespace

std::uint64_t TiffPage::byte_size() const {
  return static_cast<std::uint64_t>(width) * static_cast<std::uint64_t>(height) *
         static_cast<std::uint64_t>(samples) * dtype_size(dtype);
}

int count_tiff_pages(TiffHandle& tiff) {
  tiff.clear_error();
  const tdir_t n = TIFFNumberOfDirectories(tiff.get());
  if (n == 0) tiff.fail("has no image directory");
  // libtiff stops at a broken link and reports it: a lying chain is an error,
  // not a shorter stack.
  if (tiff.has_error()) tiff.fail("broken page directory chain");
  if (n > static_cast<tdir_t>(std::numeric_limits<int>::max()))
    throw FormatError(tiff.path(), "too many pages");
  return static_cast<int>(n);
}

void select_tiff_page(TiffHandle& tiff, int page) {
  tiff.clear_error();
  if (page < 0 || !TIFFSetDirectory(tiff.get(), static_cast<tdir_t>(page)))
    tiff.fail("cannot read page " + std::to_string(page));
}

TiffPage read_tiff_page_layout(TiffHandle& tiff) {
  TIFF* tif = tiff.get();
  TiffPage page;
  std::uint32_t w = 0, h = 0;
  if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h) ||
      w == 0 || h == 0)
    throw FormatError(tiff.path(), "missing or zero ImageWidth/ImageLength");
  page.width = w;
  page.height = h;

  std::uint16_t spp = 1, bits = 1, format = SAMPLEFORMAT_UINT;
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &page.planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &page.compression);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &page.photometric))
    page.photometric = spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
  if (spp == 0) throw FormatError(tiff.path(), "zero samples per pixel");
  page.samples = spp;
  page.dtype = sample_dtype(tiff, bits, format);
  try {
    checked_byte_count({page.width, page.height, page.samples}, page.dtype);
  } catch (const Error& e) {
    throw FormatError(tiff.path(), e.message());
  }

  if (!TIFFIsCODECConfigured(page.compression))
    unsupported(tiff, "compression " + tiff_compression_name(page.compression) +
                          " is not supported by this libtiff");
  if (page.compression == COMPRESSION_OJPEG)
    unsupported(tiff, "old-style JPEG (compression 6) is not supported");
  if (page.photometric == PHOTOMETRIC_YCBCR) {
    if (page.compression == COMPRESSION_JPEG) {
      // libtiff's JPEG codec converts YCbCr to RGB itself.
      TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    } else {
      std::uint16_t sub_h = 1, sub_v = 1;
      TIFFGetFieldDefaulted(tif, TIFFTAG_YCBCRSUBSAMPLING, &sub_h, &sub_v);
      if (sub_h != 1 || sub_v != 1)
        unsupported(tiff, "subsampled YCbCr without JPEG compression is not supported");
    }
  }

  page.tiled = TIFFIsTiled(tif) != 0;
  if (page.tiled) {
    if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &page.tile_width) ||
        !TIFFGetField(tif, TIFFTAG_TILELENGTH, &page.tile_height) || page.tile_width == 0 ||
        page.tile_height == 0)
      throw FormatError(tiff.path(), "tiled page without a valid tile size");
  } else {
    TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &page.rows_per_strip);
  }
  return page;
}

void decode_tiff_page(TiffHandle& tiff, const TiffPage& page, std::uint8_t* dst) {
  if (page.tiled)
    decode_tiles(tiff, page, dst);
  else
    decode_strips(tiff, page, dst);
}

void check_tiff_decoded_size(const TiffHandle& tiff, std::uint64_t page_bytes,
                             std::uint64_t total_bytes) {
  if (page_bytes > kMaxPageBytes)
    throw FormatError(tiff.path(), "a decoded page would take " + std::to_string(page_bytes) +
                                       " bytes (limit 4 GiB)");
  const std::uint64_t budget = std::max(kMinDecodeBudget, tiff.file_size() > kMaxPageBytes
                                                              ? ~std::uint64_t{0}
                                                              : tiff.file_size() * kMaxExpansion);
  if (total_bytes > budget)
    throw FormatError(tiff.path(), "decoded data would take " + std::to_string(total_bytes) +
                                       " bytes, implausible for a file of " +
                                       std::to_string(tiff.file_size()) + " bytes");
}

std::string read_tiff_description(TiffHandle& tiff) {
  const char* text = nullptr;
  if (!TIFFGetField(tiff.get(), TIFFTAG_IMAGEDESCRIPTION, &text) || !text) return {};
  return text;
}

Spacing read_tiff_spacing(TiffHandle& tiff) {
  Spacing out;
  const auto imagej = parse_imagej_description(read_tiff_description(tiff));
  if (!imagej || imagej->unit.empty()) return out;
  float xres = 0, yres = 0;
  if (!TIFFGetField(tiff.get(), TIFFTAG_XRESOLUTION, &xres) || !(xres > 0)) return out;
  if (!TIFFGetField(tiff.get(), TIFFTAG_YRESOLUTION, &yres) || !(yres > 0)) yres = xres;
  // ImageJ stores pixels per unit; float precision is all the tag holds.
  out.xyz = {1.0 / xres, 1.0 / yres, imagej->spacing.value_or(0.0)};
  out.unit = imagej->unit;
  out.source = PixelSizeSource::header;
  return out;
}

std::string tiff_compression_name(std::uint16_t compression) {
  switch (compression) {
  case COMPRESSION_NONE: return "none";
  case COMPRESSION_CCITTRLE: return "ccitt_rle";
  case COMPRESSION_CCITTFAX3: return "ccitt_fax3";
  case COMPRESSION_CCITTFAX4: return "ccitt_fax4";
  case COMPRESSION_LZW: return "lzw";
  case COMPRESSION_OJPEG: return "ojpeg";
  case COMPRESSION_JPEG: return "jpeg";
  case COMPRESSION_ADOBE_DEFLATE:
  case COMPRESSION_DEFLATE: return "deflate";
  case COMPRESSION_PACKBITS: return "packbits";
  case COMPRESSION_LZMA: return "lzma";
  case COMPRESSION_ZSTD: return "zstd";
  case COMPRESSION_WEBP: return "webp";
  case COMPRESSION_LERC: return "lerc";
  case COMPRESSION_JXL: return "jpegxl";
  default: return "compression_" + std::to_string(compression);
  }
}

std::string tiff_photometric_name(std::uint16_t photometric) {
  switch (photometric) {
  case PHOTOMETRIC_MINISWHITE: return "miniswhite";
  case PHOTOMETRIC_MINISBLACK: return "minisblack";
  case PHOTOMETRIC_RGB: return "rgb";
  case PHOTOMETRIC_PALETTE: return "palette";
  case PHOTOMETRIC_MASK: return "mask";
  case PHOTOMETRIC_SEPARATED: return "separated";
  case PHOTOMETRIC_YCBCR: return "ycbcr";
  case PHOTOMETRIC_CIELAB: return "cielab";
  default: return "photometric_" + std::to_string(photometric);
  }
}

} // namespace atelier

// GeoTIFF through GDAL's GTiff driver: bands read interleaved in one RasterIO
// call, georeferencing and per-band nodata kept beside the pixels.
#include "core/formats/geotiff/geotiff_reader.h"

#include "core/base/error.h"
#include "core/data/stats.h"
#include "core/formats/geotiff/gdal_session.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>

namespace atelier {
namespace {

constexpr std::uint64_t kMinDecodeBudget = std::uint64_t{16} << 20;
constexpr std::uint64_t kMaxExpansion = 1000;

struct DatasetCloser {
  void operator()(void* ds) const { GDALClose(static_cast<GDALDatasetH>(ds)); }
};
using Dataset = std::unique_ptr<void, DatasetCloser>;

struct SrsDeleter {
  void operator()(void* srs) const {
    OSRDestroySpatialReference(static_cast<OGRSpatialReferenceH>(srs));
  }
};

DType band_dtype(const std::string& path, GDALRasterBandH band) {
  switch (GDALGetRasterDataType(band)) {
  case GDT_Byte: {
    // GDAL < 3.7 marks signed bytes with a metadata item instead of a type.
    const char* pixel_type = GDALGetMetadataItem(band, "PIXELTYPE", "IMAGE_STRUCTURE");
    return pixel_type && EQUAL(pixel_type, "SIGNEDBYTE") ? DType::i8 : DType::u8;
  }
#if GDAL_VERSION_NUM >= GDAL_COMPUTE_VERSION(3, 7, 0)
  case GDT_Int8: return DType::i8;
#endif
  case GDT_UInt16: return DType::u16;
  case GDT_Int16: return DType::i16;
  case GDT_UInt32: return DType::u32;
  case GDT_Int32: return DType::i32;
  case GDT_Float32: return DType::f32;
  case GDT_Float64: return DType::f64;
  default:
    throw FormatError(path, std::string("unsupported band data type ") +
                                GDALGetDataTypeName(GDALGetRasterDataType(band)));
  }
}

GDALDataType gdal_type(DType t) {
  switch (t) {
  case DType::u8:
  case DType::i8: return GDT_Byte; // bytes are copied unchanged either way
  case DType::u16: return GDT_UInt16;
  case DType::i16: return GDT_Int16;
  case DType::u32: return GDT_UInt32;
  case DType::i32: return GDT_Int32;
  case DType::f32: return GDT_Float32;
  case DType::f64: return GDT_Float64;
  case DType::f16: break;
  }
  return GDT_Unknown;
}

std::string short_unit(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name == "metre" || name == "meter" || name == "metres" || name == "meters") return "m";
  if (name == "kilometre" || name == "kilometer") return "km";
  if (name == "foot" || name == "international foot") return "ft";
  if (name == "us survey foot" || name == "foot_us") return "ftUS";
  if (name == "degree" || name == "degrees") return "deg";
  return name;
}

void read_crs(GDALDatasetH ds, GeoRaster& out, std::string& unit) {
  OGRSpatialReferenceH srs = GDALGetSpatialRef(ds); // owned by the dataset
  if (!srs) return;
  std::unique_ptr<void, SrsDeleter> copy(OSRClone(srs));
  auto* clone = static_cast<OGRSpatialReferenceH>(copy.get());
  if (!OSRGetAuthorityCode(clone, nullptr)) OSRAutoIdentifyEPSG(clone);
  const char* authority = OSRGetAuthorityName(clone, nullptr);
  const char* code = OSRGetAuthorityCode(clone, nullptr);
  if (authority && code) {
    out.crs = std::string(authority) + ":" + code;
  } else if (const char* name = OSRGetName(clone)) {
    out.crs = name;
  }
  char* wkt = nullptr;
  if (OSRExportToWkt(srs, &wkt) == OGRERR_NONE && wkt) out.crs_wkt = wkt;
  CPLFree(wkt);

  char* unit_name = nullptr;
  if (OSRIsGeographic(srs))
    OSRGetAngularUnits(srs, &unit_name);
  else
    OSRGetLinearUnits(srs, &unit_name);
  if (unit_name) unit = short_unit(unit_name);
}

std::uint64_t file_size(const std::string& path) {
  VSIStatBufL st;
  if (VSIStatExL(path.c_str(), &st, VSI_STAT_SIZE_FLAG) != 0) return 0;
  return static_cast<std::uint64_t>(st.st_size);
}

template <typename T>
void add_valid(RunningStats& stats, const T* values, std::size_t pixels, std::size_t bands,
               const std::vector<std::optional<double>>& nodata) {
  std::vector<T> kept;
  kept.reserve(pixels);
  for (std::size_t b = 0; b < bands; ++b) {
    kept.clear();
    const std::optional<double>& nd = nodata[b];
    const bool nd_nan = nd && std::isnan(*nd);
    for (std::size_t i = 0; i < pixels; ++i) {
      const T v = values[i * bands + b];
      if (nd) {
        const auto d = static_cast<double>(v);
        if (nd_nan ? std::isnan(d) : d == *nd) continue;
      }
      kept.push_back(v);
    }
    if constexpr (std::is_same_v<T, std::int8_t>)
      stats.add(kept.data(), DType::i8, kept.size());
    else if constexpr (std::is_same_v<T, std::uint8_t>)
      stats.add(kept.data(), DType::u8, kept.size());
    else if constexpr (std::is_same_v<T, std::uint16_t>)
      stats.add(kept.data(), DType::u16, kept.size());
    else if constexpr (std::is_same_v<T, std::int16_t>)
      stats.add(kept.data(), DType::i16, kept.size());
    else if constexpr (std::is_same_v<T, std::uint32_t>)
      stats.add(kept.data(), DType::u32, kept.size());
    else if constexpr (std::is_same_v<T, std::int32_t>)
      stats.add(kept.data(), DType::i32, kept.size());
    else if constexpr (std::is_same_v<T, float>)
      stats.add(kept.data(), DType::f32, kept.size());
    else
      stats.add(kept.data(), DType::f64, kept.size());
  }
}

RunningStats valid_stats(const GeoRaster& r) {
  RunningStats stats;
  const Image& im = r.image;
  const std::size_t px = im.pixel_count();
  const auto bands = static_cast<std::size_t>(im.channels());
  const bool any_nodata =
      std::any_of(r.nodata.begin(), r.nodata.end(), [](const auto& nd) { return nd.has_value(); });
  if (!any_nodata) {
    stats.add(im.bytes(), im.dtype(), im.value_count());
    return stats;
  }
  switch (im.dtype()) {
  case DType::u8: add_valid(stats, im.values<std::uint8_t>().data(), px, bands, r.nodata); break;
  case DType::i8: add_valid(stats, im.values<std::int8_t>().data(), px, bands, r.nodata); break;
  case DType::u16: add_valid(stats, im.values<std::uint16_t>().data(), px, bands, r.nodata); break;
  case DType::i16: add_valid(stats, im.values<std::int16_t>().data(), px, bands, r.nodata); break;
  case DType::u32: add_valid(stats, im.values<std::uint32_t>().data(), px, bands, r.nodata); break;
  case DType::i32: add_valid(stats, im.values<std::int32_t>().data(), px, bands, r.nodata); break;
  case DType::f32: add_valid(stats, im.values<float>().data(), px, bands, r.nodata); break;
  case DType::f64: add_valid(stats, im.values<double>().data(), px, bands, r.nodata); break;
  case DType::f16: stats.add(im.bytes(), im.dtype(), im.value_count()); break;
  }
  return stats;
}

std::string lower_item(GDALDatasetH ds, const char* key, const char* fallback) {
  const char* v = GDALGetMetadataItem(ds, key, "IMAGE_STRUCTURE");
  std::string s = v ? v : fallback;
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

GeoRaster read_dataset(const std::string& path, GDALDatasetH ds, GdalErrorScope& errors) {
  const int width = GDALGetRasterXSize(ds);
  const int height = GDALGetRasterYSize(ds);
  const int bands = GDALGetRasterCount(ds);
  if (width <= 0 || height <= 0 || bands <= 0)
    throw FormatError(path, "no raster data (" + std::to_string(width) + "x" +
                                std::to_string(height) + ", " + std::to_string(bands) + " bands)");
  const DType dtype = band_dtype(path, GDALGetRasterBand(ds, 1));
  for (int b = 2; b <= bands; ++b)
    if (band_dtype(path, GDALGetRasterBand(ds, b)) != dtype)
      throw FormatError(path, "band " + std::to_string(b) + " differs in type from band 1");

  std::uint64_t bytes = 0;
  try {
    bytes = checked_byte_count({width, height, bands}, dtype);
  } catch (const Error& e) {
    throw FormatError(path, e.message());
  }
  const std::uint64_t size = file_size(path);
  const std::uint64_t budget = std::max(
      kMinDecodeBudget, size > (std::uint64_t{1} << 50) ? ~std::uint64_t{0} : size * kMaxExpansion);
  if (bytes > budget)
    throw FormatError(path, "decoded data would take " + std::to_string(bytes) +
                                " bytes, implausible for a file of " + std::to_string(size) +
                                " bytes");

  GeoRaster out;
  out.image = Image(width, height, bands, dtype);
  const auto elem = static_cast<GSpacing>(dtype_size(dtype));
  const GSpacing pixel_space = elem * bands;
  if (GDALDatasetRasterIOEx(ds, GF_Read, 0, 0, width, height, out.image.bytes(), width, height,
                            gdal_type(dtype), bands, nullptr, pixel_space, pixel_space * width,
                            elem, nullptr) != CE_None)
    throw FormatError(path, errors.message("cannot read the pixels"));

  for (int b = 1; b <= bands; ++b) {
    GDALRasterBandH band = GDALGetRasterBand(ds, b);
    int has = 0;
    const double nd = GDALGetRasterNoDataValue(band, &has);
    out.nodata.push_back(has ? std::optional<double>(nd) : std::nullopt);
    out.band_names.emplace_back(GDALGetDescription(band));
  }
  if (std::all_of(out.band_names.begin(), out.band_names.end(),
                  [](const std::string& n) { return n.empty(); }))
    out.band_names.clear();

  std::string unit;
  read_crs(ds, out, unit);
  double gt[6];
  if (GDALGetGeoTransform(ds, gt) == CE_None) {
    std::copy(gt, gt + 6, out.geotransform.begin());
    out.has_geotransform = true;
    if (!out.crs.empty()) {
      out.image.spacing.xyz = {std::abs(gt[1]), std::abs(gt[5]), 0.0};
      out.image.spacing.unit = unit;
      out.image.spacing.source = PixelSizeSource::header;
    }
  }
  out.image.metadata.set("compression", lower_item(ds, "COMPRESSION", "none"));
  out.image.metadata.set("interleave", lower_item(ds, "INTERLEAVE", "pixel"));
  if (!out.crs.empty()) out.image.metadata.set("crs", out.crs);
  return out;
}

Dataset open_dataset(const std::string& path, GdalErrorScope& errors) {
  ensure_gdal_registered();
  const char* drivers[] = {"GTiff", nullptr};
  Dataset ds(
      GDALOpenEx(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, drivers, nullptr, nullptr));
  if (!ds) throw FormatError(path, errors.message("GDAL cannot open it as a GeoTIFF"));
  return ds;
}

} // namespace

GeoRaster read_geotiff(const std::string& path) {
  GdalErrorScope errors;
  Dataset ds = open_dataset(path, errors);
  return read_dataset(path, static_cast<GDALDatasetH>(ds.get()), errors);
}

FileInfo inspect_geotiff(const std::string& path) {
  GdalErrorScope errors;
  Dataset ds = open_dataset(path, errors);
  auto* h = static_cast<GDALDatasetH>(ds.get());
  const GeoRaster r = read_dataset(path, h, errors);

  FileInfo info;
  info.dims = {r.image.width(), r.image.height()};
  info.dtype = r.image.dtype();
  if (r.image.channels() > 1) info.bands = r.image.channels();
  info.band_names = r.band_names;
  if (!r.nodata.empty() && r.nodata[0]) info.nodata = *r.nodata[0];
  info.crs = r.crs;
  info.spacing = r.image.spacing;
  info.stats = valid_stats(r);
  info.set_extra("compression", lower_item(h, "COMPRESSION", "none"));
  info.set_extra("interleave", lower_item(h, "INTERLEAVE", "pixel"));
  return info;
}

} // namespace atelier

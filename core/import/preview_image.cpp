// read_preview_image: per-format choice of the one image that stands for an
// item (see preview_image.h and the kind heuristics in item_class.h).
#include "core/import/preview_image.h"

#include "core/base/error.h"
#include "core/formats/dicom/dicom_reader.h"
#include "core/formats/geotiff/geotiff_reader.h"
#include "core/formats/mrc/mrc_file.h"
#include "core/formats/nifti/nifti_reader.h"
#include "core/formats/raster/raster_reader.h"
#include "core/formats/tiff/tiff_reader.h"
#include "core/import/item_class.h"
#include "core/metrics/plane.h"

#include <cstring>

namespace atelier::import {
namespace {

// Adds every band-0 value of frame to sum (float32, same size).
void accumulate(Image& sum, const Image& frame) {
  const metrics::FloatPlane plane = metrics::band_plane(frame, 0);
  auto out = sum.values<float>();
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] += plane.data[i];
}

Image mrc_preview(const std::string& path, const std::string& kind) {
  const MrcFile file(path);
  const std::int64_t n = file.frame_count();
  if (kind == "volume") return file.read_frame(n / 2);
  if (kind != "movie" || n <= 1) return file.read_frame(0);
  Image sum(file.width(), file.height(), 1, DType::f32);
  sum.spacing = file.spacing();
  for (std::int64_t z = 0; z < n; ++z)
    accumulate(sum, file.read_frame(z));
  return sum;
}

Image tiff_preview(const std::string& path, const std::string& kind, std::int64_t pages) {
  if (kind != "movie" || pages <= 1) return read_tiff_page(path, 0);
  Image first = read_tiff_page(path, 0);
  if (first.channels() != 1) return first;
  Image sum(first.width(), first.height(), 1, DType::f32);
  sum.spacing = first.spacing;
  accumulate(sum, first);
  for (int p = 1; p < static_cast<int>(pages); ++p) {
    const Image page = read_tiff_page(path, p);
    if (page.width() != sum.width() || page.height() != sum.height() || page.channels() != 1)
      throw FormatError(path, "movie page " + std::to_string(p) + " differs from the first");
    accumulate(sum, page);
  }
  return sum;
}

Image dicom_preview(const std::string& path) {
  DicomImage d = read_dicom(path);
  Image img = std::move(d.image);
  if (d.frames > 1) {
    const std::int64_t rows = img.height() / d.frames;
    Image first(img.width(), rows, img.channels(), img.dtype());
    std::memcpy(first.bytes(), img.bytes(), first.byte_size());
    first.spacing = img.spacing;
    img = std::move(first);
  }
  if (!d.has_rescale) return img;
  // Metrics should see physical values (e.g. Hounsfield units).
  Image out(img.width(), img.height(), img.channels(), DType::f32);
  out.spacing = img.spacing;
  auto dst = out.values<float>();
  for (std::int64_t c = 0; c < img.channels(); ++c) {
    const metrics::FloatPlane plane = metrics::band_plane(img, c);
    for (std::size_t i = 0; i < plane.data.size(); ++i)
      dst[i * static_cast<std::size_t>(img.channels()) + static_cast<std::size_t>(c)] =
          static_cast<float>(plane.data[i] * d.rescale_slope + d.rescale_intercept);
  }
  return out;
}

Image nifti_preview(const std::string& path) {
  const Volume v = read_nifti(path);
  Image slice(v.nx(), v.ny(), 1, v.dtype());
  const std::size_t bytes = slice.byte_size();
  const std::size_t z = static_cast<std::size_t>(v.nz() / 2);
  std::memcpy(slice.bytes(), v.bytes() + z * bytes, bytes);
  slice.spacing = v.spacing;
  return slice;
}

} // namespace

Image read_preview_image(const std::string& path, const FileInfo& info) {
  const ItemClass cls = classify_item(info);
  if (!cls.has_preview) return {};
  const std::string& f = info.format;
  if (f == "mrc") return mrc_preview(path, cls.kind);
  if (f == "tiff") return tiff_preview(path, cls.kind, info.dims.size() >= 3 ? info.dims[2] : 1);
  if (f == "png" || f == "jpeg") return read_raster(path);
  if (f == "dicom") return dicom_preview(path);
  if (f == "geotiff") return read_geotiff(path).image;
  if (f == "nifti") return nifti_preview(path);
  return {};
}

} // namespace atelier::import

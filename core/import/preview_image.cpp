// read_preview_image: per-format choice of the one image that stands for an
// item (see preview_image.h and the kind heuristics in item_class.h).
#include "core/import/preview_image.h"

#include "core/base/error.h"
#include "core/formats/dicom/dicom_reader.h"
#include "core/formats/geotiff/geotiff_reader.h"
#include "core/formats/mrc/mrc_file.h"
#include "core/formats/raster/raster_reader.h"
#include "core/formats/tiff/tiff_reader.h"
#include "core/import/item_class.h"
#include "core/metrics/movie_drift.h"
#include "core/metrics/plane.h"
#include "core/spatial/volume_load.h"
#include "core/spatial/volume_slice.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

namespace atelier::import {
namespace {

Preview image_only(Image image) {
  Preview p;
  p.image = std::move(image);
  return p;
}

// A movie's frame sum (float32, band 0), built frame by frame as the file is
// read; with a drift tracker when the movie's motion is measured too.
class MovieSum {
public:
  MovieSum(std::int64_t width, std::int64_t height, std::int64_t frames, const Spacing& spacing,
           const DriftRequest* drift)
      : sum_(width, height, 1, DType::f32) {
    sum_.spacing = spacing;
    if (drift) {
      tracker_.emplace(width, height, frames, drift->pixel_size_A);
      pixel_size_A_ = drift->pixel_size_A;
    }
  }

  void add(std::int64_t index, const Image& frame) {
    metrics::FloatPlane storage;
    const metrics::PlaneView plane = metrics::band_view(frame, 0, storage);
    auto out = sum_.values<float>();
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] += plane.data[i];
    if (tracker_) tracker_->add_frame(index, plane);
  }

  Preview finish() {
    Preview p;
    if (tracker_) {
      const metrics::DriftEstimate drift = tracker_->estimate();
      p.movie_metrics = metrics::drift_metrics(drift, pixel_size_A_);
      if (drift.valid()) p.drift_trajectory = metrics::format_trajectory(drift.frame_px);
    }
    p.image = std::move(sum_);
    return p;
  }

private:
  Image sum_;
  std::optional<metrics::MovieDriftTracker> tracker_;
  double pixel_size_A_ = 0.0;
};

Preview mrc_preview(const std::string& path, const std::string& kind, const DriftRequest* drift) {
  const MrcFile file(path);
  const std::int64_t n = file.frame_count();
  // Single frames are read in place; the importer checks they stayed intact.
  if (kind == "volume") return image_only(file.read_frame_in_place(n / 2));
  if (kind != "movie" || n <= 1) return image_only(file.read_frame_in_place(0));
  MovieSum sum(file.width(), file.height(), n, file.spacing(), drift);
  for (std::int64_t z = 0; z < n; ++z)
    sum.add(z, file.read_frame(z));
  return sum.finish();
}

Preview tiff_preview(const std::string& path, const std::string& kind, std::int64_t pages,
                     const DriftRequest* drift) {
  if (kind == "volume") return image_only(read_tiff_page(path, static_cast<int>(pages / 2)));
  if (kind != "movie" || pages <= 1) return image_only(read_tiff_page(path, 0));
  Image first = read_tiff_page(path, 0);
  if (first.channels() != 1) return image_only(std::move(first));
  MovieSum sum(first.width(), first.height(), pages, first.spacing, drift);
  sum.add(0, first);
  for (int p = 1; p < static_cast<int>(pages); ++p) {
    const Image page = read_tiff_page(path, p);
    if (page.width() != first.width() || page.height() != first.height() || page.channels() != 1)
      throw FormatError(path, "movie page " + std::to_string(p) + " differs from the first");
    sum.add(p, page);
  }
  return sum.finish();
}

// Frame `index` of a DICOM file, rescaled to float32 when the file has a
// rescale (metrics should see physical values, e.g. Hounsfield units).
Image dicom_frame(const std::string& path, std::int64_t index) {
  DicomImage d = read_dicom(path);
  Image img = std::move(d.image);
  if (index < 0 || index >= d.frames)
    throw FormatError(path, "no frame " + std::to_string(index) + " (it has " +
                                std::to_string(d.frames) + ")");
  if (d.frames > 1) {
    const std::int64_t rows = img.height() / d.frames;
    Image frame(img.width(), rows, img.channels(), img.dtype());
    std::memcpy(frame.bytes(), img.bytes() + static_cast<std::size_t>(index) * frame.byte_size(),
                frame.byte_size());
    frame.spacing = img.spacing;
    img = std::move(frame);
  }
  if (!d.has_rescale) return img;
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

// The last NIfTI volume read for its sections, so stepping through them
// decompresses the file once; known by path, size and modification time.
// Volumes over kCachedVolumeBytes are read anew each time.
constexpr std::uint64_t kCachedVolumeBytes = std::uint64_t{256} << 20;

struct FileStamp {
  std::string path;
  std::uintmax_t size = 0;
  std::filesystem::file_time_type modified{};
  bool operator==(const FileStamp&) const = default;
};

std::shared_ptr<const Volume> shown_nifti(const std::string& path, const VolumeShape& shape) {
  static std::mutex mutex;
  static FileStamp cached_stamp;
  static std::shared_ptr<const Volume> cached;
  std::error_code ec;
  FileStamp stamp{path, std::filesystem::file_size(path, ec), {}};
  if (!ec) stamp.modified = std::filesystem::last_write_time(path, ec);
  {
    const std::lock_guard lock(mutex);
    if (!ec && cached && cached_stamp == stamp) return cached;
  }
  auto volume = std::make_shared<const Volume>(load_volume(path));
  if (!ec && shape.bytes() <= kCachedVolumeBytes) {
    const std::lock_guard lock(mutex);
    cached_stamp = std::move(stamp);
    cached = volume;
  }
  return volume;
}

// Section z of a NIfTI file's first time point, drawn the way the 3D
// viewer's slice view of that plane draws it (a volume with an orientation
// in its nearest LPS order: axial radiological, superior up in coronal and
// sagittal sections), in physical units when the file scales its values.
// The whole file is read (a .nii.gz can only be decompressed from its
// start), once for all its sections.
Image nifti_slice(const std::string& path, std::int64_t z) {
  const VolumeShape shape = probe_volume(path);
  const AxisOrder& order = shape.axis_order;
  const int axis = order.axis_of_file[2]; // the shown axis the stored sections lie along
  const std::int64_t n = axis == 0 ? shape.nx : (axis == 1 ? shape.ny : shape.nz);
  if (z < 0 || z >= n)
    throw FormatError(path,
                      "no slice " + std::to_string(z) + " (it has " + std::to_string(n) + ")");
  return volume_slice(*shown_nifti(path, shape), axis, order.reversed[2] ? n - 1 - z : z);
}

} // namespace

Preview read_preview(const std::string& path, const FileInfo& info, const DriftRequest* drift) {
  const ItemClass cls = classify_item(info);
  if (!cls.has_preview) return {};
  const std::string& f = info.format;
  if (f == "mrc") return mrc_preview(path, cls.kind, drift);
  if (f == "tiff")
    return tiff_preview(path, cls.kind, info.dims.size() >= 3 ? info.dims[2] : 1, drift);
  if (f == "png" || f == "jpeg") return image_only(read_raster(path));
  if (f == "dicom") return image_only(dicom_frame(path, 0));
  if (f == "geotiff") return image_only(read_geotiff(path).image);
  if (f == "nifti")
    return image_only(nifti_slice(path, info.dims.size() >= 3 ? info.dims[2] / 2 : 0));
  return {};
}

Image read_preview_image(const std::string& path, const FileInfo& info) {
  return read_preview(path, info, nullptr).image;
}

} // namespace atelier::import

namespace atelier::import {

ItemFrames item_frames(const FileInfo& info) {
  const ItemClass cls = classify_item(info);
  const std::int64_t n = info.dims.size() >= 3 ? std::max<std::int64_t>(info.dims[2], 1) : 1;
  if (!cls.has_preview || n <= 1) return {};
  const std::string& f = info.format;
  if (f != "mrc" && f != "tiff" && f != "dicom" && f != "nifti") return {};
  if (cls.kind == "movie") return {n, -1};
  if (cls.kind == "volume") return {n, n / 2};
  return {n, 0};
}

Image read_item_frame(const std::string& path, const FileInfo& info, std::int64_t index) {
  const ItemFrames frames = item_frames(info);
  if (index == -1 && frames.preview == -1) return read_preview_image(path, info);
  if (index < 0 || index >= frames.count)
    throw FormatError(path, "no frame " + std::to_string(index) + " (it has " +
                                std::to_string(frames.count) + ")");
  const std::string& f = info.format;
  if (f == "mrc") return MrcFile(path).read_frame(index);
  if (f == "tiff") return read_tiff_page(path, static_cast<int>(index));
  if (f == "dicom") return dicom_frame(path, index);
  if (f == "nifti") return nifti_slice(path, index);
  return read_preview_image(path, info); // single images: frame 0
}

} // namespace atelier::import

// PNG/JPEG decoding with OpenCV (IMREAD_UNCHANGED keeps 16-bit samples and
// alpha), reordered from OpenCV's BGR(A) to RGB(A).
#include "core/formats/raster/raster_reader.h"

#include "core/base/error.h"
#include "core/data/stats.h"
#include "core/io/byte_source.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <limits>
#include <new>

namespace atelier {
namespace {

DType dtype_for(int depth, const std::string& name) {
  switch (depth) {
  case CV_8U: return DType::u8;
  case CV_8S: return DType::i8;
  case CV_16U: return DType::u16;
  case CV_16S: return DType::i16;
  case CV_32S: return DType::i32;
  case CV_32F: return DType::f32;
  case CV_64F: return DType::f64;
  default: throw FormatError(name, "decoder returned an unsupported sample type");
  }
}

Image decode_checked(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const RasterHeader h = probe_raster_header(name, data, size);
  const cv::Mat encoded(1, static_cast<int>(size), CV_8U, const_cast<std::uint8_t*>(data));
  cv::Mat mat = cv::imdecode(encoded, cv::IMREAD_UNCHANGED);
  if (mat.empty())
    throw FormatError(name, "cannot decode " + h.codec + " data (corrupt or truncated)");
  if (mat.cols != h.width || mat.rows != h.height)
    throw FormatError(name, "decoded size differs from the header");
  const int channels = mat.channels();
  if (channels == 3)
    cv::cvtColor(mat, mat, cv::COLOR_BGR2RGB);
  else if (channels == 4)
    cv::cvtColor(mat, mat, cv::COLOR_BGRA2RGBA);
  else if (channels != 1 && channels != 2)
    throw FormatError(name, "unsupported channel count " + std::to_string(channels));

  Image img(mat.cols, mat.rows, channels, dtype_for(mat.depth(), name));
  const std::size_t row = img.row_bytes();
  for (int y = 0; y < mat.rows; ++y)
    std::memcpy(img.bytes() + static_cast<std::size_t>(y) * row, mat.ptr(y), row);
  img.metadata.set("codec", h.codec);
  img.metadata.set("bit_depth", std::to_string(h.bit_depth));
  return img;
}

} // namespace

Image decode_raster(const std::string& name, const std::uint8_t* data, std::size_t size) {
  if (size > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw FormatError(name, "file too large for the PNG/JPEG decoder");
  try {
    return decode_checked(name, data, size);
  } catch (const Error&) {
    throw;
  } catch (const cv::Exception&) {
    throw FormatError(name, "OpenCV could not decode the image");
  } catch (const std::bad_alloc&) {
    throw FormatError(name, "out of memory while decoding");
  }
}

Image read_raster(const std::string& path) {
  const FileSource file(path);
  const std::vector<std::uint8_t> bytes = file.read_rest(0);
  return decode_raster(path, bytes.data(), bytes.size());
}

FileInfo inspect_raster(const std::string& path) {
  const Image img = read_raster(path);
  FileInfo info;
  info.dims = {img.width(), img.height()};
  info.dtype = img.dtype();
  if (img.channels() > 1) info.bands = img.channels();
  RunningStats stats;
  stats.add(img.bytes(), img.dtype(), img.value_count());
  info.stats = stats;
  if (const std::string* bd = img.metadata.find("bit_depth"))
    info.set_extra("bit_depth", std::int64_t{std::stoi(*bd)});
  return info;
}

} // namespace atelier

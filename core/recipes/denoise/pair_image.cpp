// Micrograph loading (MRC, TIFF where built) and pair normalisation.
#include "core/recipes/denoise/pair_image.h"

#include "core/base/error.h"
#include "core/base/half.h"
#include "core/formats/mrc/mrc_file.h"
#include "core/io/file_inspect.h"

#if ATELIER_WITH_FORMAT_LIBS
#include "core/formats/tiff/tiff_reader.h"
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

namespace atelier::denoise {
namespace {

template <typename T>
void widen(const Image& src, float* dst) {
  const auto v = src.values<T>();
  for (std::size_t i = 0; i < v.size(); ++i)
    dst[i] = static_cast<float>(v[i]);
}

Image to_float32(Image src, const std::string& path) {
  if (src.channels() != 1)
    throw FormatError(path,
                      "has " + std::to_string(src.channels()) + " channels; a micrograph needs 1");
  if (src.dtype() == DType::f32) return src;
  Image out(src.width(), src.height(), 1, DType::f32);
  out.spacing = src.spacing;
  out.metadata = src.metadata;
  float* dst = out.values<float>().data();
  switch (src.dtype()) {
  case DType::u8: widen<std::uint8_t>(src, dst); break;
  case DType::i8: widen<std::int8_t>(src, dst); break;
  case DType::u16: widen<std::uint16_t>(src, dst); break;
  case DType::i16: widen<std::int16_t>(src, dst); break;
  case DType::u32: widen<std::uint32_t>(src, dst); break;
  case DType::i32: widen<std::int32_t>(src, dst); break;
  case DType::f64: widen<double>(src, dst); break;
  case DType::f16: {
    const auto v = src.values<std::uint16_t>();
    for (std::size_t i = 0; i < v.size(); ++i)
      dst[i] = half_to_float(v[i]);
    break;
  }
  default: throw FormatError(path, "unsupported pixel type for a micrograph");
  }
  return out;
}

void require_finite(const Image& img, const std::string& path) {
  const auto v = img.values<float>();
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      const auto w = static_cast<std::size_t>(img.width());
      throw FormatError(path, "non-finite pixel value (NaN or Inf) at x=" + std::to_string(i % w) +
                                  " y=" + std::to_string(i / w));
    }
  }
}

} // namespace

Image load_micrograph(const std::string& path) {
  const std::string format = detect_format(path);
  Image raw;
  if (format == "mrc") {
    const MrcFile file(path);
    if (file.frame_count() > 1)
      throw FormatError(path, "is a stack of " + std::to_string(file.frame_count()) +
                                  " sections; micrographs are single 2D images");
    raw = file.read_frame(0);
    raw.spacing = file.spacing();
  } else if (format == "tiff" || format == "geotiff") {
#if ATELIER_WITH_FORMAT_LIBS
    // A preview page is fine; a second image (a movie, a stack) is not.
    if (tiff_full_resolution_pages(path) > 1)
      throw FormatError(path, "holds " + std::to_string(tiff_page_count(path)) +
                                  " pages of images, not one micrograph; align a movie into "
                                  "half sums first (atelier-cli movies align)");
    raw = read_tiff_page(path, 0);
#else
    throw UnsupportedError(path + ": TIFF micrographs need a build with the format libraries");
#endif
  } else {
    throw FormatError(path, "is " + format + ", not a micrograph format (MRC or TIFF)");
  }
  Image out = to_float32(std::move(raw), path);
  require_finite(out, path);
  return out;
}

NormalizationRecord image_statistics(std::span<const float> pixels) {
  if (pixels.empty()) return {};
  // Two passes: the one-pass formula loses digits on images with a large mean.
  double sum = 0.0;
  for (const float v : pixels)
    sum += v;
  const double mean = sum / static_cast<double>(pixels.size());
  double ss = 0.0;
  for (const float v : pixels) {
    const double d = v - mean;
    ss += d * d;
  }
  return {mean, std::sqrt(ss / static_cast<double>(pixels.size()))};
}

void apply_normalization(std::span<float> pixels, const NormalizationRecord& record) {
  const double inv = 1.0 / std::max(record.std, kStdFloor);
  for (float& v : pixels)
    v = static_cast<float>((v - record.mean) * inv);
}

LoadedPair load_pair(const ImagePair& pair) {
  const Image odd = load_micrograph(pair.odd_path);
  const Image even = load_micrograph(pair.even_path);
  if (odd.width() != even.width() || odd.height() != even.height())
    throw FormatError(pair.odd_path,
                      "size " + std::to_string(odd.width()) + "x" + std::to_string(odd.height()) +
                          " differs from its even half " + pair.even_path + " (" +
                          std::to_string(even.width()) + "x" + std::to_string(even.height()) + ")");
  // Identical halves teach the network to copy its input, noise and all.
  const auto ov = odd.values<float>();
  const auto ev = even.values<float>();
  if (std::equal(ov.begin(), ov.end(), ev.begin(), ev.end()))
    throw FormatError(pair.odd_path, "is identical to its even half " + pair.even_path +
                                         ": Noise2Noise needs two independently noisy halves "
                                         "(odd and even frame sums) of one micrograph");
  LoadedPair out;
  out.odd_path = pair.odd_path;
  out.even_path = pair.even_path;
  out.width = odd.width();
  out.height = odd.height();
  out.odd.assign(ov.begin(), ov.end());
  out.even.assign(ev.begin(), ev.end());
  out.spacing = odd.spacing;
  return out;
}

void normalize_pair(LoadedPair& pair) {
  pair.odd_record = image_statistics(pair.odd);
  pair.even_record = image_statistics(pair.even);
  apply_normalization(pair.odd, pair.odd_record);
  apply_normalization(pair.even, pair.even_record);
}

void normalize_pair(LoadedPair& pair, const NormalizationRecord& record) {
  pair.odd_record = record;
  pair.even_record = record;
  apply_normalization(pair.odd, record);
  apply_normalization(pair.even, record);
}

} // namespace atelier::denoise

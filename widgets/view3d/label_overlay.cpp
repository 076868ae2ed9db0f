// Label images to ARGB overlays with the render library's label palette.
#include "widgets/view3d/label_overlay.h"

#include "core/base/error.h"
#include "widgets/render/transfer_function.h"

#include <QColor>

#include <cmath>
#include <unordered_map>

namespace atelier {
namespace {

template <typename T>
QImage paint(const Image& labels) {
  QImage out(int(labels.width()), int(labels.height()), QImage::Format_ARGB32);
  const auto v = labels.values<T>();
  std::unordered_map<std::int64_t, QRgb> colours;
  for (int y = 0; y < out.height(); ++y) {
    auto* row = reinterpret_cast<QRgb*>(out.scanLine(y));
    for (int x = 0; x < out.width(); ++x) {
      const auto label =
          static_cast<std::int64_t>(v[std::size_t(y) * std::size_t(out.width()) + x]);
      if (label == 0) {
        row[x] = 0;
        continue;
      }
      auto it = colours.find(label);
      if (it == colours.end()) {
        const auto c = render::label_colour(label);
        it = colours
                 .emplace(label, qRgba(int(std::lround(255 * c[0])), int(std::lround(255 * c[1])),
                                       int(std::lround(255 * c[2])), 255))
                 .first;
      }
      row[x] = it->second;
    }
  }
  return out;
}

} // namespace

QImage label_overlay(const Image& labels) {
  if (labels.channels() != 1) throw Error("a label image has one band");
  switch (labels.dtype()) {
  case DType::u8: return paint<std::uint8_t>(labels);
  case DType::i8: return paint<std::int8_t>(labels);
  case DType::u16: return paint<std::uint16_t>(labels);
  case DType::i16: return paint<std::int16_t>(labels);
  case DType::u32: return paint<std::uint32_t>(labels);
  case DType::i32: return paint<std::int32_t>(labels);
  default: throw Error("labels must be integers");
  }
}

} // namespace atelier

// Label images to ARGB overlays with the render library's label palette.
#include "widgets/viewer/label_overlay.h"

#include "core/base/error.h"
#include "widgets/render/transfer_function.h"

#include <QColor>

#include <QObject>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace atelier {
namespace {

template <typename T>
QImage paint(const Image& labels, std::vector<std::int64_t>* values) {
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
  if (values) {
    values->clear();
    for (const auto& [label, colour] : colours)
      values->push_back(label);
    std::sort(values->begin(), values->end());
  }
  return out;
}

} // namespace

QImage label_overlay(const Image& labels, std::vector<std::int64_t>* values) {
  if (labels.channels() != 1) throw Error("a label image has one band");
  switch (labels.dtype()) {
  case DType::u8: return paint<std::uint8_t>(labels, values);
  case DType::i8: return paint<std::int8_t>(labels, values);
  case DType::u16: return paint<std::uint16_t>(labels, values);
  case DType::i16: return paint<std::int16_t>(labels, values);
  case DType::u32: return paint<std::uint32_t>(labels, values);
  case DType::i32: return paint<std::int32_t>(labels, values);
  default: throw Error("labels must be integers");
  }
}

QString label_legend_html(const std::vector<std::int64_t>& values, std::size_t max_shown) {
  QString html;
  for (std::size_t i = 0; i < values.size() && i < max_shown; ++i) {
    const auto c = render::label_colour(values[i]);
    html += QString("<span style='color:rgb(%1,%2,%3)'>&#9632;</span> %4&nbsp; ")
                .arg(int(255 * c[0]))
                .arg(int(255 * c[1]))
                .arg(int(255 * c[2]))
                .arg(values[i]);
  }
  if (values.size() > max_shown) html += QObject::tr("… %1 labels").arg(values.size());
  return html.isEmpty() ? QObject::tr("no labels (all zero)") : html;
}

} // namespace atelier

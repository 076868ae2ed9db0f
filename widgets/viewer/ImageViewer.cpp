// The image viewer's mapping, zoom, pan and readout (see ImageViewer.h).
#include "widgets/viewer/ImageViewer.h"

#include "core/display/scale_bar.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>
#include <cmath>

namespace atelier {
namespace {
constexpr double kMinZoom = 1.0 / 32, kMaxZoom = 32.0;
constexpr std::int64_t kTile = 512;

} // namespace

ImageViewer::ImageViewer(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(200, 150);
}

void ImageViewer::setImage(const Image& image, bool keep_view) {
  setPlane(image.pixel_count() ? metrics::mean_plane(image) : metrics::FloatPlane{}, image.spacing,
           keep_view);
}

void ImageViewer::setPlane(metrics::FloatPlane plane, const Spacing& spacing, bool keep_view) {
  const bool same_size = plane.width == plane_.width && plane.height == plane_.height;
  plane_ = std::move(plane);
  composite_ = false;
  rgb_ = {};
  spacing_ = spacing;
  const double gamma = mapping_.gamma;
  const display::Colormap colormap = mapping_.colormap;
  mapping_ = plane_.data.empty() ? display::DisplayMapping{} : display::auto_contrast(plane_);
  mapping_.gamma = gamma;
  mapping_.colormap = colormap;
  showPlanes(keep_view, same_size);
}

void ImageViewer::setComposite(std::array<metrics::FloatPlane, 3> planes, const Spacing& spacing,
                               bool keep_view) {
  for (const auto& p : planes)
    if (p.width != planes[0].width || p.height != planes[0].height || p.data.empty())
      return setPlane(std::move(planes[0]), spacing, keep_view);
  const bool same_size = planes[0].width == plane_.width && planes[0].height == plane_.height;
  for (int c = 0; c < 3; ++c) {
    const display::DisplayMapping m = display::auto_contrast(planes[c], 2.0, 98.0);
    windows_[c] = {m.lo, m.hi};
  }
  rgb_ = std::move(planes);
  plane_ = rgb_[0];
  composite_ = true;
  spacing_ = spacing;
  showPlanes(keep_view, same_size);
}

void ImageViewer::setCompositeWindows(const std::array<display::Window, 3>& windows) {
  windows_ = windows;
  if (!composite_) return;
  remap();
  update();
}

namespace {

// The plane binned 2 x 2 (means; a NaN makes its bin NaN, as nodata should).
metrics::FloatPlane bin2(const metrics::FloatPlane& in) {
  metrics::FloatPlane out;
  out.width = std::max<std::int64_t>(1, in.width / 2);
  out.height = std::max<std::int64_t>(1, in.height / 2);
  out.data.resize(static_cast<std::size_t>(out.width * out.height));
  for (std::int64_t y = 0; y < out.height; ++y) {
    const float* a = in.data.data() + std::min(2 * y, in.height - 1) * in.width;
    const float* b = in.data.data() + std::min(2 * y + 1, in.height - 1) * in.width;
    float* o = out.data.data() + y * out.width;
    for (std::int64_t x = 0; x < out.width; ++x) {
      const std::int64_t x0 = std::min(2 * x, in.width - 1), x1 = std::min(2 * x + 1, in.width - 1);
      o[x] = 0.25f * (a[x0] + a[x1] + b[x0] + b[x1]);
    }
  }
  return out;
}

} // namespace

void ImageViewer::showPlanes(bool keep_view, bool same_size) {
  pyramid_.clear();
  if (!composite_) { // composites are tiles of a few thousand pixels at most
    const metrics::FloatPlane* from = &plane_;
    while (std::max(from->width, from->height) > 1024) {
      pyramid_.push_back(bin2(*from));
      from = &pyramid_.back();
    }
  }
  // Non-square pixels (XZ slices of anisotropic volumes, some DICOM) are
  // drawn at their physical aspect.
  const auto& sp = spacing_.xyz;
  aspect_ = sp[0] > 0 && sp[1] > 0 ? std::clamp(sp[1] / sp[0], 0.01, 100.0) : 1.0;
  remap();
  if (keep_view && same_size)
    update();
  else
    fit();
}

void ImageViewer::setView(double zoom, QPointF offset) {
  if (zoom == zoom_ && offset == offset_) return;
  zoom_ = std::clamp(zoom, kMinZoom, kMaxZoom);
  offset_ = offset;
  fitted_ = false;
  update();
}

void ImageViewer::setOverlayClip(double from_fraction) {
  overlay_clip_ = from_fraction;
  update();
}

void ImageViewer::setMapping(const display::DisplayMapping& mapping) {
  if (mapping.lo == mapping_.lo && mapping.hi == mapping_.hi && mapping.gamma == mapping_.gamma &&
      mapping.colormap == mapping_.colormap)
    return;
  mapping_ = mapping;
  remap();
  update();
}

void ImageViewer::remap() {
  // Mapped lazily, level by level and tile by tile: a contrast drag maps
  // what is drawn, not 64M pixels of an 8k image.
  mapped_levels_.assign(std::size_t(levels()), QImage());
  tiles_x_ = (plane_.width + kTile - 1) / kTile;
  tiles_.assign(static_cast<std::size_t>(tiles_x_ * ((plane_.height + kTile - 1) / kTile)),
                QImage());
}

void ImageViewer::mapRegion(int level, std::int64_t x0, std::int64_t y0, std::int64_t w,
                            std::int64_t rows, QImage& out) const {
  const metrics::FloatPlane& src =
      level == 0 ? plane_ : pyramid_[static_cast<std::size_t>(level - 1)];
  out = QImage(int(w), int(rows), QImage::Format_ARGB32);
  // Bands of rows on the thread pool; each row of the region is contiguous
  // in the source and in out.
  const std::int64_t band = std::max<std::int64_t>(16, (1 << 18) / std::max<std::int64_t>(w, 1));
  std::vector<std::int64_t> starts;
  for (std::int64_t y = 0; y < rows; y += band)
    starts.push_back(y);
  const display::ArgbMapper gray(mapping_);
  const display::RgbMapper colour(windows_, mapping_.gamma);
  const auto map_rows = [&](std::int64_t first) {
    for (std::int64_t y = first; y < std::min(rows, first + band); ++y) {
      const std::size_t at = static_cast<std::size_t>((y0 + y) * src.width + x0);
      auto* dst = reinterpret_cast<std::uint32_t*>(out.scanLine(int(y)));
      if (composite_)
        colour.map(rgb_[0].data.data() + at, rgb_[1].data.data() + at, rgb_[2].data.data() + at,
                   std::size_t(w), dst);
      else
        gray.map(src.data.data() + at, std::size_t(w), dst);
    }
  };
  if (starts.size() == 1)
    map_rows(0);
  else
    QtConcurrent::blockingMap(starts, map_rows);
}

const QImage& ImageViewer::mappedLevel(int level) const {
  static const QImage none;
  if (plane_.data.empty() || level < 0 || level >= levels()) return none;
  QImage& out = mapped_levels_[static_cast<std::size_t>(level)];
  if (out.isNull()) {
    const metrics::FloatPlane& src =
        level == 0 ? plane_ : pyramid_[static_cast<std::size_t>(level - 1)];
    mapRegion(level, 0, 0, src.width, src.height, out);
  }
  return out;
}

const QImage& ImageViewer::tile(std::int64_t tx, std::int64_t ty) const {
  QImage& out = tiles_[static_cast<std::size_t>(ty * tiles_x_ + tx)];
  if (out.isNull()) {
    const std::int64_t x0 = tx * kTile, y0 = ty * kTile;
    mapRegion(0, x0, y0, std::min(kTile, plane_.width - x0), std::min(kTile, plane_.height - y0),
              out);
  }
  return out;
}

QPointF ImageViewer::imagePoint(QPointF widget_pos) const {
  const QPointF d = widget_pos - offset_;
  return {d.x() / zoom_, d.y() / (zoom_ * aspect_)};
}

void ImageViewer::zoomAt(QPointF widget_pos, double factor) {
  const QPointF anchor = imagePoint(widget_pos);
  zoom_ = std::clamp(zoom_ * factor, kMinZoom, kMaxZoom);
  offset_ = widget_pos - QPointF(anchor.x() * zoom_, anchor.y() * zoom_ * aspect_);
  fitted_ = false;
  update();
  emit viewChanged(zoom_, offset_);
}

void ImageViewer::fit() {
  if (plane_.data.empty()) return;
  const double w = double(plane_.width), shown_height = double(plane_.height) * aspect_;
  zoom_ = std::clamp(std::min(double(width()) / w, double(height()) / shown_height), kMinZoom,
                     kMaxZoom);
  offset_ = QPointF((width() - w * zoom_) / 2, (height() - shown_height * zoom_) / 2);
  fitted_ = true;
  update();
  emit viewChanged(zoom_, offset_);
}

double ImageViewer::valueAt(int x, int y) const {
  if (x < 0 || y < 0 || x >= plane_.width || y >= plane_.height) return std::nan("");
  return plane_.at(x, y);
}

void ImageViewer::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(32, 32, 32));
  if (plane_.data.empty()) {
    p.setPen(Qt::lightGray);
    p.drawText(rect(), Qt::AlignCenter, tr("No image"));
    return;
  }
  // Zoomed out by 2^k or more: the level binned 2^k, drawn into the full
  // image's rectangle. Zoomed in: sharp pixels; zoomed out: smoothed.
  int level = 0;
  while (level + 1 < levels() && zoom_ * double(1 << (level + 1)) <= 1.0)
    ++level;
  p.setRenderHint(QPainter::SmoothPixmapTransform, zoom_ * double(1 << level) < 1.0);
  p.save();
  p.translate(offset_);
  p.scale(zoom_, zoom_ * aspect_);
  if (level > 0) {
    p.drawImage(QRectF(0, 0, double(plane_.width), double(plane_.height)), mappedLevel(level));
  } else {
    // The tiles under the widget only.
    const QPointF a = imagePoint(QPointF(0, 0)), b = imagePoint(QPointF(width(), height()));
    const auto index = [](double v, std::int64_t count) {
      return std::clamp<std::int64_t>(std::int64_t(std::floor(v / double(kTile))), 0, count - 1);
    };
    const std::int64_t rows = (plane_.height + kTile - 1) / kTile;
    for (std::int64_t ty = index(a.y(), rows); ty <= index(b.y(), rows); ++ty)
      for (std::int64_t tx = index(a.x(), tiles_x_); tx <= index(b.x(), tiles_x_); ++tx)
        p.drawImage(QPointF(double(tx * kTile), double(ty * kTile)), tile(tx, ty));
  }
  if (!overlay_.isNull()) {
    p.setRenderHint(QPainter::SmoothPixmapTransform, false); // labels stay crisp
    p.setOpacity(overlay_opacity_);
    if (overlay_clip_ >= 0) { // a wipe: the overlay right of the split only
      const int from = int(std::lround(std::clamp(overlay_clip_, 0.0, 1.0) * overlay_.width()));
      p.drawImage(QPointF(from, 0), overlay_,
                  QRect(from, 0, overlay_.width() - from, overlay_.height()));
    } else {
      p.drawImage(QPointF(0, 0), overlay_);
    }
    p.setOpacity(1.0);
  }
  p.restore();
  if (overlay_clip_ >= 0 && !overlay_.isNull()) {
    const double x = offset_.x() + std::clamp(overlay_clip_, 0.0, 1.0) * overlay_.width() * zoom_;
    p.setPen(QPen(QColor(255, 210, 60), 2));
    p.drawLine(QPointF(x, 0), QPointF(x, height()));
  }
  if (crosshair_.x() >= 0 && crosshair_.y() >= 0) {
    const QPointF c =
        offset_ + QPointF((crosshair_.x() + 0.5) * zoom_, (crosshair_.y() + 0.5) * zoom_ * aspect_);
    p.setPen(QPen(QColor(255, 210, 60, 200), 1));
    p.drawLine(QPointF(0, c.y()), QPointF(width(), c.y()));
    p.drawLine(QPointF(c.x(), 0), QPointF(c.x(), height()));
  }

  // Scale bar, about a fifth of the width, in the data's units.
  if (spacing_.known() && !spacing_.unit.empty()) {
    const double per_pixel = spacing_.xyz[0];
    const double length = display::nice_length_at_least(width() / 5.0 / zoom_ * per_pixel);
    const double bar = length / per_pixel * zoom_;
    const QRectF r(12, height() - 24, bar, 5);
    p.fillRect(r, Qt::white);
    p.setPen(Qt::white);
    p.drawText(QPointF(12, height() - 30),
               QString("%1 %2").arg(length, 0, 'g', 3).arg(QString::fromStdString(spacing_.unit)));
  }
}

void ImageViewer::wheelEvent(QWheelEvent* event) {
  const double steps = event->angleDelta().y() / 120.0;
  zoomAt(event->position(), std::pow(1.25, steps));
  event->accept();
}

void ImageViewer::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) {
    dragging_ = true;
    drag_from_ = press_pos_ = event->position();
  } else if (event->button() == Qt::RightButton && !plane_.data.empty()) {
    windowing_ = true;
    drag_from_ = event->position();
    setCursor(Qt::SizeAllCursor);
  }
}

void ImageViewer::mouseMoveEvent(QMouseEvent* event) {
  if (windowing_) {
    const QPointF d = event->position() - drag_from_;
    drag_from_ = event->position();
    if (!d.isNull()) emit windowDragged(d.x(), d.y());
  } else if (dragging_) {
    offset_ += event->position() - drag_from_;
    drag_from_ = event->position();
    fitted_ = false;
    update();
    emit viewChanged(zoom_, offset_);
  }
  const QPointF ip = imagePoint(event->position());
  const int x = static_cast<int>(std::floor(ip.x())), y = static_cast<int>(std::floor(ip.y()));
  const double v = valueAt(x, y);
  if (std::isnan(v) && (x < 0 || y < 0 || x >= plane_.width || y >= plane_.height)) return;
  QString text = QString("x %1, y %2: %3").arg(x).arg(y).arg(v, 0, 'g', 6);
  if (composite_)
    text = QString("x %1, y %2: R %3, G %4, B %5")
               .arg(x)
               .arg(y)
               .arg(v, 0, 'g', 6)
               .arg(rgb_[1].at(x, y), 0, 'g', 6)
               .arg(rgb_[2].at(x, y), 0, 'g', 6);
  if (spacing_.known())
    text += QString(" (%1, %2 %3)")
                .arg(x * spacing_.xyz[0], 0, 'g', 5)
                .arg(y * spacing_.xyz[1], 0, 'g', 5)
                .arg(QString::fromStdString(spacing_.unit));
  emit hovered(x, y, v, text);
}

void ImageViewer::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton && dragging_ &&
      (event->position() - press_pos_).manhattanLength() < 3 && !plane_.data.empty()) {
    const QPointF p = imagePoint(event->position());
    const int x = int(std::floor(p.x())), y = int(std::floor(p.y()));
    if (x >= 0 && y >= 0 && x < plane_.width && y < plane_.height) emit clicked(x, y);
  }
  if (event->button() == Qt::LeftButton) dragging_ = false;
  if (windowing_ && event->button() == Qt::RightButton) {
    windowing_ = false;
    unsetCursor();
  }
}

void ImageViewer::setOverlay(const QImage& overlay, double opacity) {
  overlay_ = overlay;
  overlay_opacity_ = std::clamp(opacity, 0.0, 1.0);
  update();
}

void ImageViewer::setCrosshair(QPointF pixel) {
  crosshair_ = pixel;
  update();
}

void ImageViewer::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_F) {
    fit();
  } else if (event->key() == Qt::Key_0) {
    zoomAt(QPointF(width() / 2.0, height() / 2.0), 1.0 / zoom_);
  } else if (event->key() == Qt::Key_Plus || event->key() == Qt::Key_Equal) {
    zoomAt(QPointF(width() / 2.0, height() / 2.0), 1.25);
  } else if (event->key() == Qt::Key_Minus) {
    zoomAt(QPointF(width() / 2.0, height() / 2.0), 0.8);
  } else {
    QWidget::keyPressEvent(event);
  }
}

void ImageViewer::resizeEvent(QResizeEvent*) {
  if (fitted_) fit();
}

} // namespace atelier

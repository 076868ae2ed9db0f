// Painting and hit-testing of the drift path (see DriftTrajectoryView.h).
#include "widgets/inspect/DriftTrajectoryView.h"

#include "core/display/display_mapping.h"
#include "core/display/scale_bar.h"
#include "core/metrics/movie_drift.h"

#include <QHelpEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace atelier {
namespace {

// The colour of frame f of n: viridis from the first to the last.
QColor frame_colour(int f, int n) {
  const auto& table = display::colormap_table(display::Colormap::viridis);
  return QColor::fromRgba(
      table[static_cast<std::size_t>(std::lround(255.0 * f / std::max(1, n - 1)))]);
}

constexpr double kMinSpan = 2.0; // the plot shows at least 2 units across

} // namespace

DriftTrajectoryView::DriftTrajectoryView(QWidget* parent) : QWidget(parent) {
  setObjectName("driftTrajectory");
  setMouseTracking(true);
  setToolTip(tr("Drift of the movie's frames"));
}

void DriftTrajectoryView::setTrajectory(std::vector<std::array<double, 2>> frames_px,
                                        double pixel_size_A) {
  pixel_size_A_ = pixel_size_A > 0 && std::isfinite(pixel_size_A) ? pixel_size_A : 0.0;
  const double scale = pixel_size_A_ > 0 ? pixel_size_A_ : 1.0;
  for (auto& p : frames_px)
    p = {p[0] * scale, p[1] * scale};
  frames_ = std::move(frames_px);
  total_ = metrics::path_length(frames_);
  net_ = metrics::net_displacement(frames_);
  bounds_ = {};
  if (!frames_.empty()) {
    double x0 = frames_[0][0], x1 = x0, y0 = frames_[0][1], y1 = y0;
    for (const auto& p : frames_) {
      x0 = std::min(x0, p[0]), x1 = std::max(x1, p[0]);
      y0 = std::min(y0, p[1]), y1 = std::max(y1, p[1]);
    }
    bounds_ = QRectF(QPointF(x0, y0), QPointF(x1, y1));
  }
  update();
}

QRectF DriftTrajectoryView::plotRect() const {
  const double text = fontMetrics().height() + 6;
  return QRectF(12, text + 8, width() - 24, height() - 2 * text - 16);
}

DriftTrajectoryView::Mapping DriftTrajectoryView::mapping() const {
  Mapping m;
  if (frames_.empty()) return m;
  const QRectF r = plotRect();
  const double span = std::max({bounds_.width(), bounds_.height(), kMinSpan});
  m.pixels_per_unit = std::max(1.0, std::min(r.width(), r.height())) / span;
  m.centre = bounds_.center();
  m.plot_centre = r.center();
  return m;
}

QPointF DriftTrajectoryView::framePoint(int f) const {
  return framePoint(mapping(), f);
}

QPointF DriftTrajectoryView::framePoint(const Mapping& m, int f) const {
  if (f < 0 || static_cast<std::size_t>(f) >= frames_.size()) return {};
  const auto& p = frames_[static_cast<std::size_t>(f)];
  return {m.plot_centre.x() + (p[0] - m.centre.x()) * m.pixels_per_unit,
          m.plot_centre.y() + (p[1] - m.centre.y()) * m.pixels_per_unit};
}

void DriftTrajectoryView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.fillRect(rect(), palette().base());
  painter.setPen(palette().text().color());
  if (frames_.empty()) {
    painter.drawText(rect(), Qt::AlignCenter, tr("No drift measured"));
    return;
  }
  const int n = static_cast<int>(frames_.size());
  const Mapping m = mapping(); // once: framePoint(f) alone is O(frames)
  painter.drawText(QRectF(6, 4, width() - 12, fontMetrics().height() + 4), Qt::AlignLeft,
                   tr("Drift: %1 %3 path, %2 %3 net, %4 frames")
                       .arg(totalLength(), 0, 'f', 1)
                       .arg(netLength(), 0, 'f', 1)
                       .arg(unit())
                       .arg(n));
  for (int f = 1; f < n; ++f) {
    painter.setPen(QPen(frame_colour(f, n), 2.0));
    painter.drawLine(framePoint(m, f - 1), framePoint(m, f));
  }
  painter.setPen(Qt::NoPen);
  for (int f = 0; f < n; ++f) {
    painter.setBrush(frame_colour(f, n));
    painter.drawEllipse(framePoint(m, f), 3.0, 3.0);
  }
  painter.setBrush(Qt::NoBrush);
  painter.setPen(QPen(palette().text().color(), 1.5));
  painter.drawEllipse(framePoint(m, 0), 6.0, 6.0);

  // Scale bar: at most a quarter of the plot's width.
  const QRectF r = plotRect();
  const double per_pixel = 1.0 / m.pixels_per_unit;
  const double bar = display::nice_length_at_most(0.25 * r.width() * per_pixel);
  if (bar > 0) {
    const double len = bar / per_pixel;
    const double y = height() - fontMetrics().height() - 6;
    painter.drawLine(QPointF(12, y), QPointF(12 + len, y));
    painter.drawText(QPointF(12, y + fontMetrics().ascent() + 3),
                     QString("%1 %2").arg(bar, 0, 'g', 3).arg(unit()));
  }
}

bool DriftTrajectoryView::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    const auto* help = static_cast<QHelpEvent*>(e);
    int best = -1;
    double best_d = 8.0;
    const Mapping m = mapping();
    for (int f = 0; f < static_cast<int>(frames_.size()); ++f)
      if (const double d = QLineF(help->pos(), framePoint(m, f)).length(); d <= best_d)
        best = f, best_d = d;
    if (best >= 0) {
      const auto& p = frames_[static_cast<std::size_t>(best)];
      QToolTip::showText(help->globalPos(), tr("frame %1: x %2, y %3 %4")
                                                .arg(best + 1)
                                                .arg(p[0], 0, 'f', 2)
                                                .arg(p[1], 0, 'f', 2)
                                                .arg(unit()));
    } else {
      QToolTip::showText(help->globalPos(), toolTip());
    }
    return true;
  }
  return QWidget::event(e);
}

} // namespace atelier

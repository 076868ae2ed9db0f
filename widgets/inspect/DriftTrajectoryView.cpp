// Painting and hit-testing of the drift path (see DriftTrajectoryView.h).
#include "widgets/inspect/DriftTrajectoryView.h"

#include <QHelpEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace atelier {
namespace {

// Viridis at t in [0, 1] (five stops, linear between them).
QColor viridis(double t) {
  static const std::array<QColor, 5> stops{QColor(0x44, 0x01, 0x54), QColor(0x3b, 0x52, 0x8b),
                                           QColor(0x21, 0x91, 0x8c), QColor(0x5e, 0xc9, 0x62),
                                           QColor(0xfd, 0xe7, 0x25)};
  t = std::clamp(t, 0.0, 1.0) * (stops.size() - 1);
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(t), stops.size() - 2);
  const double u = t - static_cast<double>(i);
  const QColor& a = stops[i];
  const QColor& b = stops[i + 1];
  return QColor::fromRgbF(static_cast<float>(a.redF() + u * (b.redF() - a.redF())),
                          static_cast<float>(a.greenF() + u * (b.greenF() - a.greenF())),
                          static_cast<float>(a.blueF() + u * (b.blueF() - a.blueF())));
}

// 1, 2 or 5 times a power of ten, at most `limit`.
double nice_length(double limit) {
  if (!(limit > 0)) return 0;
  const double p = std::pow(10.0, std::floor(std::log10(limit)));
  for (const double m : {5.0, 2.0, 1.0})
    if (m * p <= limit) return m * p;
  return p;
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
  update();
}

double DriftTrajectoryView::totalLength() const {
  double total = 0;
  for (std::size_t f = 1; f < frames_.size(); ++f)
    total += std::hypot(frames_[f][0] - frames_[f - 1][0], frames_[f][1] - frames_[f - 1][1]);
  return total;
}

double DriftTrajectoryView::netLength() const {
  if (frames_.empty()) return 0;
  return std::hypot(frames_.back()[0] - frames_.front()[0], frames_.back()[1] - frames_.front()[1]);
}

QRectF DriftTrajectoryView::plotRect() const {
  const double text = fontMetrics().height() + 6;
  return QRectF(12, text + 8, width() - 24, height() - 2 * text - 16);
}

DriftTrajectoryView::Mapping DriftTrajectoryView::mapping() const {
  Mapping m;
  if (frames_.empty()) return m;
  double x0 = frames_[0][0], x1 = x0, y0 = frames_[0][1], y1 = y0;
  for (const auto& p : frames_) {
    x0 = std::min(x0, p[0]), x1 = std::max(x1, p[0]);
    y0 = std::min(y0, p[1]), y1 = std::max(y1, p[1]);
  }
  const QRectF r = plotRect();
  const double span = std::max({x1 - x0, y1 - y0, kMinSpan});
  m.pixels_per_unit = std::max(1.0, std::min(r.width(), r.height())) / span;
  m.centre = {0.5 * (x0 + x1), 0.5 * (y0 + y1)};
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
    painter.setPen(QPen(viridis(double(f) / std::max(1, n - 1)), 2.0));
    painter.drawLine(framePoint(m, f - 1), framePoint(m, f));
  }
  painter.setPen(Qt::NoPen);
  for (int f = 0; f < n; ++f) {
    painter.setBrush(viridis(double(f) / std::max(1, n - 1)));
    painter.drawEllipse(framePoint(m, f), 3.0, 3.0);
  }
  painter.setBrush(Qt::NoBrush);
  painter.setPen(QPen(palette().text().color(), 1.5));
  painter.drawEllipse(framePoint(m, 0), 6.0, 6.0);

  // Scale bar: at most a quarter of the plot's width.
  const QRectF r = plotRect();
  const double per_pixel = 1.0 / m.pixels_per_unit;
  const double bar = nice_length(0.25 * r.width() * per_pixel);
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

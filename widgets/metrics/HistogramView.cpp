// Histogram painting and range brushing (see HistogramView.h).
#include "widgets/metrics/HistogramView.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

namespace atelier {

HistogramView::HistogramView(QWidget* parent) : QWidget(parent) {
  setMinimumHeight(100);
  setMouseTracking(false);
}

void HistogramView::setHistogram(const project::MetricHistogram& histogram) {
  histogram_ = histogram;
  range_.reset();
  update();
}

QRect HistogramView::plotRect() const {
  const int text = fontMetrics().height();
  return rect().adjusted(4, 4, -4, -(text + 6));
}

int HistogramView::xOf(double value) const {
  const QRect r = plotRect();
  const double span = histogram_.max - histogram_.min;
  if (!(span > 0)) return r.left();
  return r.left() + static_cast<int>((value - histogram_.min) / span * r.width());
}

double HistogramView::valueAt(int x) const {
  const QRect r = plotRect();
  const double t = std::clamp(double(x - r.left()) / std::max(1, r.width()), 0.0, 1.0);
  return histogram_.min + t * (histogram_.max - histogram_.min);
}

void HistogramView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  const QRect r = plotRect();
  const auto& counts = histogram_.counts;
  if (counts.empty()) {
    p.setPen(palette().text().color());
    p.drawText(rect(), Qt::AlignCenter, tr("No metric chosen"));
    return;
  }
  const std::int64_t top =
      std::max<std::int64_t>(1, *std::max_element(counts.begin(), counts.end()));
  if (range_) {
    const int a = xOf(range_->first), b = xOf(range_->second);
    p.fillRect(QRect(QPoint(std::min(a, b), r.top()), QPoint(std::max(a, b), r.bottom())),
               palette().highlight().color().lighter(160));
  }
  p.setPen(Qt::NoPen);
  p.setBrush(palette().highlight());
  const double w = double(r.width()) / double(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const int h = static_cast<int>(double(counts[i]) / double(top) * r.height());
    const int x0 = r.left() + static_cast<int>(i * w),
              x1 = r.left() + static_cast<int>((i + 1) * w);
    p.drawRect(QRect(x0, r.bottom() - h, std::max(1, x1 - x0 - 1), h));
  }
  p.setPen(palette().text().color());
  const QRect labels(r.left(), r.bottom() + 3, r.width(), fontMetrics().height());
  p.drawText(labels, Qt::AlignLeft, QString::number(histogram_.min, 'g', 4));
  p.drawText(labels, Qt::AlignRight, QString::number(histogram_.max, 'g', 4));
  if (range_)
    p.drawText(labels, Qt::AlignHCenter,
               QStringLiteral("%1 … %2").arg(QString::number(range_->first, 'g', 4),
                                             QString::number(range_->second, 'g', 4)));
}

void HistogramView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || histogram_.counts.empty()) return;
  drag_start_ = valueAt(static_cast<int>(event->position().x()));
  range_ = std::pair{*drag_start_, *drag_start_};
  update();
}

void HistogramView::mouseMoveEvent(QMouseEvent* event) {
  if (!drag_start_) return;
  const double v = valueAt(static_cast<int>(event->position().x()));
  range_ = std::pair{std::min(*drag_start_, v), std::max(*drag_start_, v)};
  update();
}

void HistogramView::mouseReleaseEvent(QMouseEvent* event) {
  if (!drag_start_) return;
  mouseMoveEvent(event);
  drag_start_.reset();
  if (range_) emit rangeSelected(range_->first, range_->second);
}

void HistogramView::mouseDoubleClickEvent(QMouseEvent*) {
  range_.reset();
  drag_start_.reset();
  update();
  emit rangeCleared();
}

} // namespace atelier

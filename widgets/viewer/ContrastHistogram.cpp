// The viewer's histogram strip with draggable window limits (see ContrastHistogram.h).
#include "widgets/viewer/ContrastHistogram.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace atelier {
namespace {
constexpr double kMargin = 6.0; // pixels left and right of the histogram
constexpr double kGrab = 8.0;   // how near a limit a press grabs it
} // namespace

ContrastHistogram::ContrastHistogram(QWidget* parent) : QWidget(parent) {
  setMinimumHeight(40);
  setMouseTracking(true);
  setToolTip(tr("Drag the limits to set the display window; double-click for automatic"));
}

void ContrastHistogram::setHistogram(std::vector<std::uint64_t> counts, double lo, double hi,
                                     const QColor& color) {
  counts_ = std::move(counts);
  range_lo_ = lo;
  range_hi_ = hi > lo ? hi : lo + 1.0;
  color_ = color;
  update();
}

void ContrastHistogram::setLimits(double lo, double hi) {
  lo_ = lo;
  hi_ = hi;
  update();
}

double ContrastHistogram::valueAt(double x) const {
  const double w = std::max(1.0, width() - 2 * kMargin);
  return range_lo_ + (x - kMargin) / w * (range_hi_ - range_lo_);
}

double ContrastHistogram::xOf(double value) const {
  const double w = std::max(1.0, width() - 2 * kMargin);
  return kMargin + (value - range_lo_) / (range_hi_ - range_lo_) * w;
}

void ContrastHistogram::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), QColor(24, 24, 24));
  const double h = height() - 4.0;
  if (!counts_.empty()) {
    double top = 0;
    for (const std::uint64_t c : counts_)
      top = std::max(top, std::log1p(double(c)));
    const double bin_w = (width() - 2 * kMargin) / double(counts_.size());
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      const double bar = top > 0 ? std::log1p(double(counts_[i])) / top * h : 0.0;
      p.fillRect(QRectF(kMargin + i * bin_w, height() - 2.0 - bar, std::max(bin_w, 1.0), bar),
                 color_);
    }
  }
  // Outside the window: dimmed; the limits: lines with handles.
  const double xl = std::clamp(xOf(lo_), 0.0, double(width()));
  const double xh = std::clamp(xOf(hi_), 0.0, double(width()));
  p.fillRect(QRectF(0, 0, xl, height()), QColor(0, 0, 0, 110));
  p.fillRect(QRectF(xh, 0, width() - xh, height()), QColor(0, 0, 0, 110));
  p.setPen(QPen(QColor(255, 210, 60), 2));
  for (const double x : {xl, xh}) {
    p.drawLine(QPointF(x, 0), QPointF(x, height()));
    p.fillRect(QRectF(x - 3, 0, 6, 6), QColor(255, 210, 60));
  }
  p.setPen(Qt::lightGray);
  p.drawText(rect().adjusted(4, 2, -4, -2), Qt::AlignLeft | Qt::AlignTop,
             QString::number(lo_, 'g', 5));
  p.drawText(rect().adjusted(4, 2, -4, -2), Qt::AlignRight | Qt::AlignTop,
             QString::number(hi_, 'g', 5));
}

void ContrastHistogram::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  const double x = event->position().x();
  const double dl = std::abs(x - xOf(lo_)), dh = std::abs(x - xOf(hi_));
  if (dl <= kGrab && dl <= dh)
    dragging_ = 1;
  else if (dh <= kGrab)
    dragging_ = 2;
  else
    dragging_ = dl < dh ? 1 : 2;
  dragTo(x);
}

void ContrastHistogram::mouseMoveEvent(QMouseEvent* event) {
  if (dragging_) dragTo(event->position().x());
}

void ContrastHistogram::mouseReleaseEvent(QMouseEvent*) {
  dragging_ = 0;
}

void ContrastHistogram::mouseDoubleClickEvent(QMouseEvent*) {
  dragging_ = 0;
  emit resetRequested();
}

void ContrastHistogram::dragTo(double x) {
  // The limits never cross: at least a thousandth of the range apart.
  const double v = valueAt(x), gap = (range_hi_ - range_lo_) * 1e-3;
  if (dragging_ == 1)
    lo_ = std::min(v, hi_ - gap);
  else
    hi_ = std::max(v, lo_ + gap);
  update();
  emit limitsChanged(lo_, hi_);
}

} // namespace atelier

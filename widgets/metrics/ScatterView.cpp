// Scatter plot with lasso and rectangle selection (see ScatterView.h).
#include "widgets/metrics/ScatterView.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace atelier {
namespace {
constexpr double kLeft = 52, kBottom = 34, kTop = 8, kRight = 10;

// The range of v with 3% margins (a constant gets +-1).
std::pair<double, double> padded_range(const std::vector<double>& v) {
  if (v.empty()) return {0.0, 1.0};
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  double a = *lo, b = *hi;
  if (!(b > a)) return {a - 1.0, b + 1.0};
  const double pad = (b - a) * 0.03;
  return {a - pad, b + pad};
}
} // namespace

ScatterView::ScatterView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(160, 140);
  setToolTip(tr("Drag a lasso around points to select them; Shift+drag for a rectangle"));
}

void ScatterView::setData(project::MetricScatter data, const QString& x_name,
                          const QString& y_name) {
  data_ = std::move(data);
  x_name_ = x_name;
  y_name_ = y_name;
  std::tie(x_lo_, x_hi_) = padded_range(data_.x);
  std::tie(y_lo_, y_hi_) = padded_range(data_.y);
  selected_.assign(data_.ids.size(), 0);
  selected_ids_.clear();
  lasso_.clear();
  update();
}

QRectF ScatterView::plotRect() const {
  return QRectF(kLeft, kTop, std::max(1.0, width() - kLeft - kRight),
                std::max(1.0, height() - kTop - kBottom));
}

QPointF ScatterView::toWidget(double x, double y) const {
  const QRectF r = plotRect();
  return {r.left() + (x - x_lo_) / (x_hi_ - x_lo_) * r.width(),
          r.bottom() - (y - y_lo_) / (y_hi_ - y_lo_) * r.height()};
}

void ScatterView::selectInside(const QPolygonF& polygon) {
  selected_ids_.clear();
  const QRectF bounds = polygon.boundingRect();
  for (std::size_t i = 0; i < data_.ids.size(); ++i) {
    const QPointF p = toWidget(data_.x[i], data_.y[i]);
    selected_[i] = bounds.contains(p) && polygon.containsPoint(p, Qt::OddEvenFill);
    if (selected_[i]) selected_ids_.push_back(data_.ids[i]);
  }
  update();
  emit selectionChanged(selected_ids_);
}

void ScatterView::clearSelection() {
  std::fill(selected_.begin(), selected_.end(), 0);
  selected_ids_.clear();
  lasso_.clear();
  update();
  emit selectionChanged(selected_ids_);
}

void ScatterView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  const QRectF r = plotRect();
  p.setPen(palette().mid().color());
  p.drawRect(r);
  p.setPen(palette().text().color());
  const auto label = [&](double v) { return QString::number(v, 'g', 4); };
  p.drawText(QRectF(r.left(), r.bottom() + 2, 80, 14), Qt::AlignLeft, label(x_lo_));
  p.drawText(QRectF(r.right() - 80, r.bottom() + 2, 80, 14), Qt::AlignRight, label(x_hi_));
  p.drawText(QRectF(r.left(), r.bottom() + 16, r.width(), 14), Qt::AlignHCenter, x_name_);
  p.drawText(QRectF(0, r.top(), kLeft - 4, 14), Qt::AlignRight, label(y_hi_));
  p.drawText(QRectF(0, r.bottom() - 14, kLeft - 4, 14), Qt::AlignRight, label(y_lo_));
  p.save();
  p.translate(12, r.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-r.height() / 2, -10, r.height(), 14), Qt::AlignHCenter, y_name_);
  p.restore();
  if (data_.ids.empty()) {
    p.drawText(r, Qt::AlignCenter, tr("No item has both metrics"));
    return;
  }
  QPolygonF normal, chosen;
  normal.reserve(int(data_.ids.size()));
  for (std::size_t i = 0; i < data_.ids.size(); ++i)
    (selected_[i] ? chosen : normal) << toWidget(data_.x[i], data_.y[i]);
  p.setClipRect(r);
  p.setPen(QPen(QColor(40, 110, 190, 160), 3, Qt::SolidLine, Qt::RoundCap));
  p.drawPoints(normal);
  p.setPen(QPen(QColor(240, 140, 20), 4, Qt::SolidLine, Qt::RoundCap));
  p.drawPoints(chosen);
  if (dragging_ && lasso_.size() > 1) {
    p.setPen(QPen(QColor(240, 140, 20), 1, Qt::DashLine));
    p.drawPolygon(lasso_);
  }
}

void ScatterView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  dragging_ = true;
  rectangle_ = event->modifiers() & Qt::ShiftModifier;
  press_ = event->position();
  lasso_ = QPolygonF({press_});
}

void ScatterView::mouseMoveEvent(QMouseEvent* event) {
  if (!dragging_) return;
  if (rectangle_)
    lasso_ = QPolygonF(QRectF(press_, event->position()).normalized());
  else
    lasso_ << event->position();
  update();
}

void ScatterView::mouseReleaseEvent(QMouseEvent* event) {
  if (!dragging_) return;
  dragging_ = false;
  if ((event->position() - press_).manhattanLength() < 4 || lasso_.size() < 3)
    clearSelection();
  else
    selectInside(lasso_);
  lasso_.clear();
  update();
}

} // namespace atelier

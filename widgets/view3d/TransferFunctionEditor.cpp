// TransferFunctionEditor: painting and point editing.
#include "widgets/view3d/TransferFunctionEditor.h"

#include <QColorDialog>
#include <QKeyEvent>
#include <QLinearGradient>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace atelier {
namespace {

constexpr double kHandleRadius = 5.0;
constexpr double kGrabDistance = 8.0;
constexpr double kGradientHeight = 10.0;

QColor colour_of(const render::TransferPoint& p) {
  return QColor::fromRgbF(float(std::clamp(p.r, 0.0, 1.0)), float(std::clamp(p.g, 0.0, 1.0)),
                          float(std::clamp(p.b, 0.0, 1.0)));
}

} // namespace

TransferFunctionEditor::TransferFunctionEditor(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::ClickFocus);
  setToolTip(tr("Drag points: value across, opacity up. Double-click: add a point or pick its "
                "colour. Delete or right click: remove."));
}

void TransferFunctionEditor::setHistogram(double lo, double hi, std::vector<std::uint64_t> counts) {
  lo_ = lo;
  hi_ = hi > lo ? hi : lo + 1;
  counts_ = std::move(counts);
  update();
}

void TransferFunctionEditor::setPoints(std::vector<render::TransferPoint> points) {
  points_ = std::move(points);
  selected_ = -1;
  update();
}

QRectF TransferFunctionEditor::plotRect() const {
  return QRectF(6, 6, std::max(1, width() - 12), std::max(1.0, height() - 14 - kGradientHeight));
}

QPointF TransferFunctionEditor::toWidget(double value, double opacity) const {
  const QRectF r = plotRect();
  const double t = std::clamp((value - lo_) / (hi_ - lo_), 0.0, 1.0);
  return {r.left() + t * r.width(), r.bottom() - std::clamp(opacity, 0.0, 1.0) * r.height()};
}

std::pair<double, double> TransferFunctionEditor::fromWidget(QPointF pos) const {
  const QRectF r = plotRect();
  const double t = std::clamp((pos.x() - r.left()) / r.width(), 0.0, 1.0);
  const double a = std::clamp((r.bottom() - pos.y()) / r.height(), 0.0, 1.0);
  return {lo_ + t * (hi_ - lo_), a};
}

int TransferFunctionEditor::pointAt(QPointF pos) const {
  int best = -1;
  double best_d = kGrabDistance;
  for (std::size_t i = 0; i < points_.size(); ++i) {
    const QPointF d = toWidget(points_[i].value, points_[i].opacity) - pos;
    const double dist = std::hypot(d.x(), d.y());
    if (dist <= best_d) best_d = dist, best = int(i);
  }
  return best;
}

void TransferFunctionEditor::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.fillRect(rect(), QColor(38, 38, 42));
  const QRectF r = plotRect();
  // Histogram, log counts.
  if (!counts_.empty()) {
    const double top = std::log1p(double(*std::max_element(counts_.begin(), counts_.end())));
    const double w = r.width() / double(counts_.size());
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(110, 110, 118));
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      if (counts_[i] == 0 || top <= 0) continue;
      const double h = std::log1p(double(counts_[i])) / top * r.height();
      p.drawRect(QRectF(r.left() + double(i) * w, r.bottom() - h, std::max(1.0, w), h));
    }
  }
  // The colour ramp under the plot.
  const QRectF ramp(r.left(), r.bottom() + 4, r.width(), kGradientHeight);
  QLinearGradient gradient(ramp.topLeft(), ramp.topRight());
  for (const auto& pt : points_)
    gradient.setColorAt(std::clamp((pt.value - lo_) / (hi_ - lo_), 0.0, 1.0), colour_of(pt));
  p.fillRect(ramp, points_.empty() ? QBrush(Qt::black) : QBrush(gradient));
  // The opacity curve and its points.
  if (!points_.empty()) {
    QPainterPath curve(toWidget(lo_, points_.front().opacity));
    for (const auto& pt : points_)
      curve.lineTo(toWidget(pt.value, pt.opacity));
    curve.lineTo(toWidget(hi_, points_.back().opacity));
    p.setPen(QPen(QColor(235, 235, 240), 1.5));
    p.setBrush(Qt::NoBrush);
    p.drawPath(curve);
    for (std::size_t i = 0; i < points_.size(); ++i) {
      p.setPen(QPen(int(i) == selected_ ? QColor(255, 210, 60) : Qt::white, 1.5));
      p.setBrush(colour_of(points_[i]));
      p.drawEllipse(toWidget(points_[i].value, points_[i].opacity), kHandleRadius, kHandleRadius);
    }
  }
  p.setPen(QColor(190, 190, 195));
  p.drawText(QRectF(r.left() + 2, r.top(), r.width() - 4, 14), Qt::AlignLeft,
             QString::number(lo_, 'g', 4));
  p.drawText(QRectF(r.left() + 2, r.top(), r.width() - 4, 14), Qt::AlignRight,
             QString::number(hi_, 'g', 4));
}

void TransferFunctionEditor::mousePressEvent(QMouseEvent* event) {
  selected_ = pointAt(event->position());
  if (event->button() == Qt::RightButton) {
    removeSelected();
    return;
  }
  dragging_ = event->button() == Qt::LeftButton && selected_ >= 0;
  update();
}

void TransferFunctionEditor::mouseMoveEvent(QMouseEvent* event) {
  if (!dragging_ || selected_ < 0) return;
  const auto [value, opacity] = fromWidget(event->position());
  points_[std::size_t(selected_)].value = value;
  points_[std::size_t(selected_)].opacity = opacity;
  sortKeepingSelection();
  update();
  emit transferChanged(points_);
}

void TransferFunctionEditor::mouseReleaseEvent(QMouseEvent*) {
  dragging_ = false;
}

void TransferFunctionEditor::mouseDoubleClickEvent(QMouseEvent* event) {
  const int hit = pointAt(event->position());
  if (hit >= 0) {
    selected_ = hit;
    auto& pt = points_[std::size_t(hit)];
    const QColor c = QColorDialog::getColor(colour_of(pt), this, tr("Point colour"));
    if (c.isValid()) {
      pt.r = c.redF(), pt.g = c.greenF(), pt.b = c.blueF();
      emit transferChanged(points_);
    }
    update();
    return;
  }
  const auto [value, opacity] = fromWidget(event->position());
  render::TransferPoint added{value, 1, 1, 1, opacity};
  // Colour: interpolated between the neighbours.
  const auto next =
      std::lower_bound(points_.begin(), points_.end(), value,
                       [](const render::TransferPoint& p, double v) { return p.value < v; });
  if (next == points_.begin() && next != points_.end())
    added.r = next->r, added.g = next->g, added.b = next->b;
  else if (next == points_.end() && !points_.empty())
    added.r = points_.back().r, added.g = points_.back().g, added.b = points_.back().b;
  else if (next != points_.end()) {
    const auto& a = *(next - 1);
    const auto& b = *next;
    const double t = b.value > a.value ? (value - a.value) / (b.value - a.value) : 0.5;
    added.r = a.r + t * (b.r - a.r), added.g = a.g + t * (b.g - a.g),
    added.b = a.b + t * (b.b - a.b);
  }
  const auto inserted = points_.insert(next, added); // may reallocate: begin() after it
  selected_ = int(inserted - points_.begin());
  update();
  emit transferChanged(points_);
}

void TransferFunctionEditor::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Delete || event->key() == Qt::Key_Backspace) {
    removeSelected();
    return;
  }
  QWidget::keyPressEvent(event);
}

void TransferFunctionEditor::removeSelected() {
  if (selected_ < 0 || points_.size() <= 2) return;
  points_.erase(points_.begin() + selected_);
  selected_ = -1;
  update();
  emit transferChanged(points_);
}

void TransferFunctionEditor::sortKeepingSelection() {
  const render::TransferPoint moving = points_[std::size_t(selected_)];
  std::stable_sort(points_.begin(), points_.end(),
                   [](const render::TransferPoint& a, const render::TransferPoint& b) {
                     return a.value < b.value;
                   });
  for (std::size_t i = 0; i < points_.size(); ++i)
    if (points_[i].value == moving.value && points_[i].opacity == moving.opacity &&
        points_[i].r == moving.r) {
      selected_ = int(i);
      break;
    }
}

} // namespace atelier

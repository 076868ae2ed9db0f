// LinePlot: painting from pyramids, smoothing, zoom, pan and hover.
#include "widgets/train/LinePlot.h"

#include <QElapsedTimer>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

namespace atelier {
namespace {

// About n "nice" tick values (1, 2, 5 x 10^k steps) covering [lo, hi].
std::vector<double> ticks(double lo, double hi, int n) {
  std::vector<double> out;
  if (!(hi > lo)) return out;
  const double raw = (hi - lo) / std::max(1, n);
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / p < 2 ? 2 * p : (raw / p < 5 ? 5 * p : 10 * p);
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return out;
}

QString format_number(double v) {
  return QString::number(v, 'g', 4);
}

} // namespace

LinePlot::LinePlot(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setFocusPolicy(Qt::ClickFocus);
  setToolTip(tr("Wheel: zoom; drag: pan; double-click or F: follow the newest points"));
}

int LinePlot::addSeries(const QString& name, const QColor& colour) {
  series_.push_back(Series{name, colour, {}, {}, 0, 0});
  update();
  return int(series_.size()) - 1;
}

void LinePlot::clear() {
  series_.clear();
  update();
}

void LinePlot::clearSeries(int i) {
  Series& s = series_.at(std::size_t(i));
  s.raw.clear();
  s.smooth.clear();
  s.ema = s.ema_weight = 0;
  update();
}

void LinePlot::addSmoothed(Series& s, double x, double y) {
  if (!std::isfinite(y)) {
    s.smooth.append(x, y);
    return;
  }
  // Debiased EMA (no pull towards 0 at the start).
  s.ema = smoothing_ * s.ema + (1 - smoothing_) * y;
  s.ema_weight = smoothing_ * s.ema_weight + (1 - smoothing_);
  s.smooth.append(x, s.ema / s.ema_weight);
}

void LinePlot::append(int i, double x, double y) {
  Series& s = series_.at(std::size_t(i));
  s.raw.append(x, y);
  addSmoothed(s, x, y);
  if (follow_) followData();
  update();
}

void LinePlot::append(int i, const std::vector<double>& x, const std::vector<double>& y,
                      std::size_t from) {
  Series& s = series_.at(std::size_t(i));
  for (std::size_t k = from; k < x.size() && k < y.size(); ++k) {
    s.raw.append(x[k], y[k]);
    addSmoothed(s, x[k], y[k]);
  }
  if (follow_) followData();
  update();
}

void LinePlot::setLogY(bool on) {
  log_y_ = on;
  update();
}

void LinePlot::setSmoothing(double weight) {
  smoothing_ = std::clamp(weight, 0.0, 0.999);
  for (Series& s : series_) { // recompute once; appends then extend it
    s.smooth.clear();
    s.ema = s.ema_weight = 0;
    for (std::size_t k = 0; k < s.raw.size(); ++k)
      addSmoothed(s, s.raw.x()[k], s.raw.y()[k]);
  }
  update();
}

void LinePlot::setAutoFollow(bool on) {
  follow_ = on;
  if (on) followData();
  update();
}

void LinePlot::setXRange(double lo, double hi) {
  if (!(hi > lo)) return;
  x_lo_ = lo, x_hi_ = hi;
  follow_ = false;
  update();
}

void LinePlot::followData() {
  double lo = std::numeric_limits<double>::max(), hi = std::numeric_limits<double>::lowest();
  for (const Series& s : series_)
    if (s.raw.size()) lo = std::min(lo, s.raw.x().front()), hi = std::max(hi, s.raw.x().back());
  if (lo > hi) return;
  if (hi <= lo) hi = lo + 1;
  x_lo_ = lo, x_hi_ = hi;
}

double LinePlot::toY(double v) const {
  return log_y_ ? (v > 0 ? std::log10(v) : NAN) : v;
}

QRectF LinePlot::plotRect() const {
  return QRectF(56, 22, std::max(10, width() - 66), std::max(10, height() - 48));
}

QString LinePlot::readoutAt(double widget_x) const {
  const QRectF r = plotRect();
  if (widget_x < r.left() || widget_x > r.right()) return {};
  const double x = x_lo_ + (widget_x - r.left()) / r.width() * (x_hi_ - x_lo_);
  QStringList parts;
  for (const Series& s : series_) {
    const display::SeriesPyramid& p = smoothing_ > 0 ? s.smooth : s.raw;
    if (!p.size()) continue;
    const std::size_t i = p.nearest(x);
    parts << QString("%1 %2 @ %3").arg(s.name, format_number(p.y()[i]), format_number(p.x()[i]));
  }
  return parts.join("   ");
}

void LinePlot::paintEvent(QPaintEvent*) {
  QElapsedTimer clock;
  clock.start();
  QPainter p(this);
  p.fillRect(rect(), QColor(30, 30, 34));
  const QRectF r = plotRect();
  p.setPen(QColor(220, 220, 225));
  p.drawText(QRectF(r.left(), 2, r.width(), 18), Qt::AlignLeft | Qt::AlignVCenter, title_);

  // The y range of what is in view (smoothed curves when smoothing).
  const std::size_t buckets = std::size_t(std::max(1.0, r.width()));
  struct Drawn {
    std::vector<display::SeriesPyramid::Bucket> raw, smooth;
  };
  std::vector<Drawn> drawn(series_.size());
  double y_lo = INFINITY, y_hi = -INFINITY;
  for (std::size_t i = 0; i < series_.size(); ++i) {
    drawn[i].raw = series_[i].raw.query(x_lo_, x_hi_, buckets);
    if (smoothing_ > 0) drawn[i].smooth = series_[i].smooth.query(x_lo_, x_hi_, buckets);
    for (const auto& b : (smoothing_ > 0 ? drawn[i].smooth : drawn[i].raw)) {
      if (b.x1 < x_lo_ || b.x0 > x_hi_) continue;
      const double a = toY(b.y_min), c = toY(b.y_max);
      if (std::isfinite(a)) y_lo = std::min(y_lo, a);
      if (std::isfinite(c)) y_hi = std::max(y_hi, c);
    }
  }
  if (!(y_hi >= y_lo)) y_lo = 0, y_hi = 1;
  if (y_hi - y_lo < 1e-12 * std::max(1.0, std::abs(y_hi))) { // a constant: centre it
    const double d = y_lo != 0 ? 0.1 * std::abs(y_lo) : 0.5;
    y_lo -= d, y_hi += d;
  }
  const double pad = 0.05 * (y_hi - y_lo);
  y_lo -= pad, y_hi += pad;
  auto px = [&](double x) { return r.left() + (x - x_lo_) / (x_hi_ - x_lo_) * r.width(); };
  auto py = [&](double y) { return r.bottom() - (y - y_lo) / (y_hi - y_lo) * r.height(); };

  // Grid and ticks.
  p.setPen(QColor(60, 60, 66));
  p.drawRect(r);
  QFontMetrics fm(font());
  for (double t : ticks(x_lo_, x_hi_, 6)) {
    p.setPen(QColor(52, 52, 58));
    p.drawLine(QPointF(px(t), r.top()), QPointF(px(t), r.bottom()));
    p.setPen(QColor(170, 170, 175));
    p.drawText(QRectF(px(t) - 40, r.bottom() + 2, 80, 16), Qt::AlignHCenter, format_number(t));
  }
  for (double t : ticks(y_lo, y_hi, 5)) {
    p.setPen(QColor(52, 52, 58));
    p.drawLine(QPointF(r.left(), py(t)), QPointF(r.right(), py(t)));
    p.setPen(QColor(170, 170, 175));
    const QString label = log_y_ ? format_number(std::pow(10.0, t)) : format_number(t);
    p.drawText(QRectF(0, py(t) - 8, r.left() - 4, 16), Qt::AlignRight | Qt::AlignVCenter, label);
  }

  // Curves: each bucket a vertical min..max stroke joined to the next.
  p.setClipRect(r);
  p.setRenderHint(QPainter::Antialiasing, true);
  // Few points: a polyline through them. Many (summarised buckets): the
  // min..max envelope as one filled band and a line through its middle, which
  // rasterises in about the same time however many points each bucket holds.
  auto draw = [&](const std::vector<display::SeriesPyramid::Bucket>& bs, QColor c, double w) {
    const bool summarised =
        std::any_of(bs.begin(), bs.end(), [](const auto& b) { return b.x1 > b.x0; });
    QPolygonF middle, upper, lower;
    auto flush = [&] {
      if (summarised && upper.size() > 1) {
        QPolygonF band = upper;
        for (auto it = lower.rbegin(); it != lower.rend(); ++it)
          band << *it;
        QColor fill = c;
        fill.setAlphaF(0.35f * c.alphaF());
        p.setPen(Qt::NoPen);
        p.setBrush(fill);
        p.setRenderHint(QPainter::Antialiasing, false); // a band of ~1 px columns: no gain
        p.drawPolygon(band);
        p.setRenderHint(QPainter::Antialiasing, true);
        p.setBrush(Qt::NoBrush);
      }
      if (middle.size() > 1) {
        p.setPen(QPen(c, w));
        p.drawPolyline(middle);
      }
      middle.clear(), upper.clear(), lower.clear();
    };
    for (const auto& b : bs) {
      const double a = toY(b.y_min), z = toY(b.y_max);
      if (!std::isfinite(a) || !std::isfinite(z)) {
        flush();
        continue;
      }
      const double x = px(0.5 * (b.x0 + b.x1));
      middle << QPointF(x, py(0.5 * (a + z)));
      upper << QPointF(x, py(z));
      lower << QPointF(x, py(a));
    }
    flush();
  };
  for (std::size_t i = 0; i < series_.size(); ++i) {
    QColor c = series_[i].colour;
    if (smoothing_ > 0) {
      QColor faint = c;
      faint.setAlpha(70);
      draw(drawn[i].raw, faint, 1.0);
      draw(drawn[i].smooth, c, 1.6);
    } else {
      draw(drawn[i].raw, c, 1.4);
    }
  }
  p.setClipping(false);
  p.setRenderHint(QPainter::Antialiasing, false);

  // Legend and hover.
  double lx = r.right();
  for (auto it = series_.rbegin(); it != series_.rend(); ++it) {
    const int w = fm.horizontalAdvance(it->name) + 22;
    lx -= w;
    p.fillRect(QRectF(lx, 8, 12, 3), it->colour);
    p.setPen(QColor(200, 200, 205));
    p.drawText(QPointF(lx + 16, 14), it->name);
  }
  if (hover_x_ && *hover_x_ >= r.left() && *hover_x_ <= r.right()) {
    p.setPen(QPen(QColor(255, 210, 60, 160), 1));
    p.drawLine(QPointF(*hover_x_, r.top()), QPointF(*hover_x_, r.bottom()));
    p.setPen(QColor(235, 235, 240));
    p.drawText(QRectF(r.left() + 4, r.top() + 2, r.width() - 8, 16), Qt::AlignLeft,
               readoutAt(*hover_x_));
  }
  if (!follow_) {
    p.setPen(QColor(150, 150, 155));
    p.drawText(QRectF(r.left(), r.bottom() + 18, r.width(), 14), Qt::AlignRight,
               tr("paused — F to follow"));
  }
  last_paint_ms_ = double(clock.nsecsElapsed()) / 1e6;
}

void LinePlot::wheelEvent(QWheelEvent* event) {
  const QRectF r = plotRect();
  const double at = x_lo_ + (event->position().x() - r.left()) / r.width() * (x_hi_ - x_lo_);
  const double f = std::pow(0.85, event->angleDelta().y() / 120.0);
  setXRange(at - (at - x_lo_) * f, at + (x_hi_ - at) * f);
  event->accept();
}

void LinePlot::mousePressEvent(QMouseEvent* event) {
  if (event->button() == Qt::LeftButton) drag_from_ = event->position();
}

void LinePlot::mouseMoveEvent(QMouseEvent* event) {
  hover_x_ = event->position().x();
  if (drag_from_) {
    const double dx =
        (event->position().x() - drag_from_->x()) / plotRect().width() * (x_hi_ - x_lo_);
    drag_from_ = event->position();
    setXRange(x_lo_ - dx, x_hi_ - dx);
  }
  update();
}

void LinePlot::mouseReleaseEvent(QMouseEvent*) {
  drag_from_.reset();
}

void LinePlot::mouseDoubleClickEvent(QMouseEvent*) {
  setAutoFollow(true);
}

void LinePlot::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_F)
    setAutoFollow(true);
  else if (event->key() == Qt::Key_L)
    setLogY(!log_y_);
  else
    QWidget::keyPressEvent(event);
}

void LinePlot::leaveEvent(QEvent*) {
  hover_x_.reset();
  update();
}

} // namespace atelier

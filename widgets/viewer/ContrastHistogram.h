// ContrastHistogram: a strip under the viewer with the shown values'
// histogram (log counts) and the display window's two limits, which the
// mouse drags (press near a limit, or anywhere to move the nearer one);
// a double-click asks for the automatic window again.
#pragma once

#include <QWidget>

#include <cstdint>
#include <vector>

namespace atelier {

class ContrastHistogram : public QWidget {
  Q_OBJECT
public:
  explicit ContrastHistogram(QWidget* parent = nullptr);

  // counts: equal bins from lo to hi; color: the bars' colour.
  void setHistogram(std::vector<std::uint64_t> counts, double lo, double hi,
                    const QColor& color = QColor(170, 170, 170));
  void setLimits(double lo, double hi);
  double lo() const { return lo_; }
  double hi() const { return hi_; }
  double rangeLo() const { return range_lo_; }
  double rangeHi() const { return range_hi_; }
  // The value at a widget x, and back.
  double valueAt(double x) const;
  double xOf(double value) const;

  QSize sizeHint() const override { return {300, 56}; }

signals:
  void limitsChanged(double lo, double hi); // while dragging
  void resetRequested();

protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
  void dragTo(double x);

  std::vector<std::uint64_t> counts_;
  QColor color_;
  double range_lo_ = 0, range_hi_ = 1, lo_ = 0, hi_ = 1;
  int dragging_ = 0; // 0 none, 1 lo, 2 hi
};

} // namespace atelier

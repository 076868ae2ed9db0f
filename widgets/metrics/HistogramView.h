// HistogramView: bars of a metric's histogram; dragging across it brushes a
// value range (shown shaded), which rangeSelected reports in data units.
// Double-click clears the brush.
#pragma once

#include "core/project/project.h"

#include <QWidget>

#include <optional>
#include <utility>

namespace atelier {

class HistogramView : public QWidget {
  Q_OBJECT
public:
  explicit HistogramView(QWidget* parent = nullptr);

  void setHistogram(const project::MetricHistogram& histogram);
  const project::MetricHistogram& histogram() const { return histogram_; }
  // The brushed range (lo <= hi), if any.
  std::optional<std::pair<double, double>> range() const { return range_; }
  // The data value under an x position of the widget (clamped to min..max).
  double valueAt(int x) const;

  QSize sizeHint() const override { return {320, 160}; }

signals:
  void rangeSelected(double lo, double hi);
  void rangeCleared();

protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;

private:
  QRect plotRect() const;
  int xOf(double value) const;

  project::MetricHistogram histogram_;
  std::optional<std::pair<double, double>> range_;
  std::optional<double> drag_start_;
};

} // namespace atelier

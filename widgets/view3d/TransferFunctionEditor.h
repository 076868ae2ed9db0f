// TransferFunctionEditor: colour and opacity points drawn over the volume's
// histogram (log counts). Drag a point to change its value (x) and opacity
// (y); double-click empty space to add one (its colour interpolated),
// double-click a point to pick its colour; Delete or a right click removes
// the selected point (two always stay). Emits transferChanged as it changes.
#pragma once

#include "widgets/render/transfer_function.h"

#include <QWidget>

#include <cstdint>
#include <vector>

namespace atelier {

class TransferFunctionEditor : public QWidget {
  Q_OBJECT
public:
  explicit TransferFunctionEditor(QWidget* parent = nullptr);

  // The value range shown and the histogram over it (any number of bins).
  void setHistogram(double lo, double hi, std::vector<std::uint64_t> counts);
  // Points outside the range are clamped into it for display only.
  void setPoints(std::vector<render::TransferPoint> points);
  const std::vector<render::TransferPoint>& points() const { return points_; }
  int selected() const { return selected_; }

  // Widget position of a point and the point (value, opacity) at a position.
  QPointF toWidget(double value, double opacity) const;
  std::pair<double, double> fromWidget(QPointF pos) const;

  QSize sizeHint() const override { return {260, 120}; }
  QSize minimumSizeHint() const override { return {160, 80}; }

signals:
  void transferChanged(const std::vector<render::TransferPoint>& points);

protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

private:
  QRectF plotRect() const;
  int pointAt(QPointF pos) const;
  void removeSelected();
  void sortKeepingSelection();

  double lo_ = 0, hi_ = 1;
  std::vector<std::uint64_t> counts_;
  std::vector<render::TransferPoint> points_;
  int selected_ = -1;
  bool dragging_ = false;
};

} // namespace atelier

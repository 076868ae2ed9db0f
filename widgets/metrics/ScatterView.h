// ScatterView: two metrics of the items as a scatter plot (axes with their
// ranges and names). Dragging draws a lasso around points; with Shift held
// it draws a rectangle. The points inside are selected (drawn in orange)
// and reported by id; a click without a drag clears the selection.
#pragma once

#include "core/project/project.h"

#include <QPolygonF>
#include <QWidget>

#include <vector>

namespace atelier {

class ScatterView : public QWidget {
  Q_OBJECT
public:
  explicit ScatterView(QWidget* parent = nullptr);

  void setData(project::MetricScatter data, const QString& x_name, const QString& y_name);
  const project::MetricScatter& data() const { return data_; }
  // The widget position of a data point, and the plot's inner rectangle.
  QPointF toWidget(double x, double y) const;
  QRectF plotRect() const;
  // Selects the points inside a widget polygon (closed implicitly).
  void selectInside(const QPolygonF& polygon);
  void clearSelection();
  const std::vector<std::int64_t>& selectedIds() const { return selected_ids_; }

  QSize sizeHint() const override { return {300, 260}; }

signals:
  void selectionChanged(const std::vector<std::int64_t>& ids);

protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;

private:
  project::MetricScatter data_;
  QString x_name_, y_name_;
  double x_lo_ = 0, x_hi_ = 1, y_lo_ = 0, y_hi_ = 1;
  std::vector<char> selected_; // per point
  std::vector<std::int64_t> selected_ids_;
  QPolygonF lasso_;
  QPointF press_;
  bool dragging_ = false, rectangle_ = false;
};

} // namespace atelier

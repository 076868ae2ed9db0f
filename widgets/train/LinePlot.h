// LinePlot: live line plots of training metrics. Series only grow (points are
// appended as metrics.jsonl grows); each paint draws from min/max summaries
// (SeriesPyramid), so a million points per series cost about as much as the
// plot has pixels. Log or linear y; an exponential-moving-average smoothing
// (the raw curve stays faint behind it); hover shows every series' value at
// the cursor; wheel zooms x, drag pans, and auto-follow (F or a double
// click) keeps everything in view as points arrive.
#pragma once

#include "core/display/series_pyramid.h"

#include <QColor>
#include <QString>
#include <QWidget>

#include <optional>
#include <vector>

namespace atelier {

class LinePlot : public QWidget {
  Q_OBJECT
public:
  explicit LinePlot(QWidget* parent = nullptr);

  void setTitle(const QString& title) { title_ = title, update(); }
  // Returns the series' index.
  int addSeries(const QString& name, const QColor& colour);
  void clear(); // removes every series
  void clearSeries(int series);
  void append(int series, double x, double y);
  void append(int series, const std::vector<double>& x, const std::vector<double>& y,
              std::size_t from = 0);
  int seriesCount() const { return int(series_.size()); }
  std::size_t pointCount(int series) const { return series_.at(std::size_t(series)).raw.size(); }

  void setLogY(bool on);
  bool logY() const { return log_y_; }
  // 0 (off) .. 0.999: weight of the past in the moving average.
  void setSmoothing(double weight);
  void setAutoFollow(bool on);
  bool autoFollow() const { return follow_; }
  void setXRange(double lo, double hi); // turns auto-follow off
  std::pair<double, double> xRange() const { return {x_lo_, x_hi_}; }
  // The text hover shows at a widget x position ("" outside the plot).
  QString readoutAt(double widget_x) const;
  // Time the last paint took (ms), for the benchmark.
  double lastPaintMs() const { return last_paint_ms_; }

  QSize sizeHint() const override { return {420, 220}; }
  QSize minimumSizeHint() const override { return {200, 120}; }

protected:
  void paintEvent(QPaintEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void leaveEvent(QEvent* event) override;

private:
  struct Series {
    QString name;
    QColor colour;
    display::SeriesPyramid raw, smooth;
    double ema = 0, ema_weight = 0; // running debiased EMA state
  };
  QRectF plotRect() const;
  void followData();
  void addSmoothed(Series& s, double x, double y);
  double toY(double v) const; // log10 when log_y_

  QString title_;
  std::vector<Series> series_;
  bool log_y_ = false, follow_ = true;
  double smoothing_ = 0;
  double x_lo_ = 0, x_hi_ = 1;
  std::optional<double> hover_x_;
  std::optional<QPointF> drag_from_;
  double last_paint_ms_ = 0;
};

} // namespace atelier

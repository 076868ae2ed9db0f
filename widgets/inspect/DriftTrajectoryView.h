// DriftTrajectoryView: a movie's measured drift, frame by frame, as cryo-EM
// motion-correction tools plot it: the path in the image plane (y down, as
// the image is shown) coloured from the first frame (blue) to the last
// (yellow), a ring on the first frame, a scale bar in Å (pixels when the
// pixel size is unknown), and the path length and net displacement. Hovering
// a frame's dot shows its number and position.
#pragma once

#include <QWidget>

#include <array>
#include <vector>

namespace atelier {

class DriftTrajectoryView : public QWidget {
  Q_OBJECT
public:
  explicit DriftTrajectoryView(QWidget* parent = nullptr);

  // frames_px: each frame's position in pixels, frame 0 first (an empty
  // vector clears the view); pixel_size_A: 0 when unknown.
  void setTrajectory(std::vector<std::array<double, 2>> frames_px, double pixel_size_A);
  bool hasTrajectory() const { return !frames_.empty(); }
  // Path length and first-to-last displacement, in the shown unit.
  double totalLength() const { return total_; }
  double netLength() const { return net_; }
  QString unit() const { return pixel_size_A_ > 0 ? QStringLiteral("Å") : QStringLiteral("px"); }
  // Where frame f is drawn (widget coordinates), for tests and tooltips.
  QPointF framePoint(int f) const;

  QSize sizeHint() const override { return {260, 220}; }
  QSize minimumSizeHint() const override { return {160, 140}; }

protected:
  void paintEvent(QPaintEvent* event) override;
  bool event(QEvent* event) override;

private:
  struct Mapping {
    QPointF centre;      // of the trajectory's bounding box, in units
    QPointF plot_centre; // in widget coordinates
    double pixels_per_unit = 1.0;
  };
  QRectF plotRect() const;
  Mapping mapping() const;
  QPointF framePoint(const Mapping& m, int f) const;
  std::vector<std::array<double, 2>> frames_; // in the shown unit
  double pixel_size_A_ = 0.0;
  // Derived from frames_ when it is set.
  double total_ = 0.0, net_ = 0.0;
  QRectF bounds_; // the frames' bounding box, in the shown unit
};

} // namespace atelier

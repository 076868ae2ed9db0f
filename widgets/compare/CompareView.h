// CompareView: two images of the same size (raw vs denoised, odd vs even)
// side by side with linked zoom, pan and contrast (right-drag on either sets
// the window and level of both; of the difference, its range); a wipe between them with
// a slider; their difference A - B in a diverging colormap centred on 0; or
// one view flipping between them (Space). Modes: keys 1-4.
#pragma once

#include "core/data/image.h"
#include "core/display/display_mapping.h"
#include "core/metrics/plane.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QSlider;

namespace atelier {

class ImageViewer;

class CompareView : public QWidget {
  Q_OBJECT
public:
  enum class Mode { side_by_side, wipe, difference, flip };

  explicit CompareView(QWidget* parent = nullptr);

  // False (and failed()) when the sizes differ.
  bool setImages(const Image& a, const Image& b, const QString& name_a, const QString& name_b);
  void setMode(Mode mode);
  Mode mode() const { return mode_; }
  // Where the wipe splits the image, 0 (all B) .. 1 (all A).
  void setWipe(double fraction);
  double wipe() const { return wipe_; }
  void flip();
  bool showingB() const { return showing_b_; }

  ImageViewer& left() { return *left_; }
  ImageViewer& right() { return *right_; }
  const metrics::FloatPlane& differencePlane() const { return diff_; }
  // The contrast both images share (from A's robust range).
  const display::DisplayMapping& sharedMapping() const { return shared_; }
  // The difference's symmetric range around 0 (diverging colormap).
  const display::DisplayMapping& differenceMapping() const { return difference_; }
  // Window/level by a drag of (dx, dy) pixels (display::dragged_window): the
  // shared contrast, or in difference mode the width of its range.
  void dragWindow(double dx, double dy);

signals:
  void failed(const QString& message);

protected:
  void keyPressEvent(QKeyEvent* event) override;

private:
  void present();
  void applyContrast(); // the mappings of the current mode, images unchanged
  QImage mapped(const metrics::FloatPlane& plane) const;

  Image a_, b_;
  metrics::FloatPlane plane_a_, plane_b_, diff_;
  QString name_a_, name_b_;
  display::DisplayMapping shared_;
  display::DisplayMapping difference_;
  Mode mode_ = Mode::side_by_side;
  double wipe_ = 0.5;
  bool showing_b_ = false;
  bool linking_ = false;
  ImageViewer* left_ = nullptr;
  ImageViewer* right_ = nullptr;
  QComboBox* mode_box_ = nullptr;
  QSlider* wipe_slider_ = nullptr;
  QLabel* caption_ = nullptr;
};

} // namespace atelier

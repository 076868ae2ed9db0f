// ViewerPanel: the image viewer with its display controls: colormap, gamma
// and auto contrast (robust percentiles) or the full range, and a label
// image (a segmentation) drawn over it with an opacity and a legend. Keys inside the
// viewer: Left/Right (or PageUp/PageDown) step to the previous/next item,
// A/R/U curate it, Escape hides the viewer; the grid answers them.
#pragma once

#include <QWidget>

#include <cstdint>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;

namespace atelier {

class Image;
class ImageViewer;

class ViewerPanel : public QWidget {
  Q_OBJECT
public:
  explicit ViewerPanel(QWidget* parent = nullptr);

  ImageViewer& viewer() { return *viewer_; }
  // Shows image; a label overlay of the previous image is dropped.
  void setImage(const Image& image);
  // Draws an integer label image of the same size over the image (label 0
  // transparent, each label in its colour) with the opacity slider and a
  // legend; false with *error otherwise.
  bool setLabelOverlay(const Image& labels, QString* error = nullptr);
  void clearLabelOverlay();
  const std::vector<std::int64_t>& overlayLabels() const { return overlay_labels_; }
  QSlider& labelOpacity() { return *label_opacity_; }

signals:
  void stepRequested(int delta);     // -1 previous, +1 next
  void statusRequested(char status); // 'a', 'r' or 'u'
  void closeRequested();

protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  void applyControls();

  ImageViewer* viewer_ = nullptr;
  QComboBox* colormap_ = nullptr;
  QComboBox* window_ = nullptr;
  QSlider* gamma_ = nullptr;
  QPushButton* labels_ = nullptr;
  QSlider* label_opacity_ = nullptr;
  QLabel* legend_ = nullptr;
  std::vector<std::int64_t> overlay_labels_;
  double auto_lo_ = 0, auto_hi_ = 1, min_ = 0, max_ = 1;
};

} // namespace atelier

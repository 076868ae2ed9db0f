// ViewerPanel: the image viewer with its display controls: colormap, gamma
// and auto contrast (robust percentiles) or the full range. Keys inside the
// viewer: Left/Right (or PageUp/PageDown) step to the previous/next item,
// A/R/U curate it, Escape hides the viewer; the grid answers them.
#pragma once

#include <QWidget>

class QComboBox;
class QSlider;

namespace atelier {

class Image;
class ImageViewer;

class ViewerPanel : public QWidget {
  Q_OBJECT
public:
  explicit ViewerPanel(QWidget* parent = nullptr);

  ImageViewer& viewer() { return *viewer_; }
  void setImage(const Image& image);

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
  double auto_lo_ = 0, auto_hi_ = 1, min_ = 0, max_ = 1;
};

} // namespace atelier

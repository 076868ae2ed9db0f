// ViewerPanel: the image viewer with its display controls: colormap, gamma,
// the window (auto from robust percentiles, full range, dragged on the
// histogram strip, or a DICOM window preset; MONOCHROME1 shown inverted), a
// frame slider for movies, stacks and volumes (frames read off the GUI
// thread), a band picker and RGB composite with per-band stretch for
// multiband rasters (nodata transparent), the log power spectrum (P), and a
// label image (a segmentation) drawn over it with an opacity and a legend.
// Keys inside the viewer: Left/Right (or PageUp/PageDown) step to the
// previous/next item, Up/Down the previous/next frame, P toggles the
// spectrum (B its background flattening), A/R/U curate the item, Escape hides the viewer; the grid
// answers the item keys.
#pragma once

#include "core/data/image.h"
#include "core/display/display_mapping.h"
#include "core/import/preview_image.h"
#include "core/io/file_info.h"

#include <QWidget>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QToolButton;

namespace atelier {

class ContrastHistogram;
class ImageViewer;

class ViewerPanel : public QWidget {
  Q_OBJECT
public:
  explicit ViewerPanel(QWidget* parent = nullptr);

  ImageViewer& viewer() { return *viewer_; }
  ContrastHistogram& histogram() { return *histogram_; }
  // Shows image; a label overlay of the previous image is dropped.
  void setImage(const Image& image);
  // Shows why an item cannot be shown (its file is missing or unreadable)
  // in the image's place; the item keys still work.
  void showProblem(const QString& path, const QString& reason);
  QString problemText() const;
  // Shows an item's preview image with what its file says: frames to step
  // through, DICOM windows and inversion, band names and nodata.
  void setItem(const Image& preview, const QString& path, const FileInfo& info);
  // Draws an integer label image of the same size over the image (label 0
  // transparent, each label in its colour) with the opacity slider and a
  // legend; false with *error otherwise.
  bool setLabelOverlay(const Image& labels, QString* error = nullptr);
  void clearLabelOverlay();
  const std::vector<std::int64_t>& overlayLabels() const { return overlay_labels_; }
  QSlider& labelOpacity() { return *label_opacity_; }
  QSlider& frameSlider() { return *frame_; }
  // The frame shown (-1: a movie's sum); frameShown follows each read.
  std::int64_t frame() const { return shown_frame_; }
  void setSpectrum(bool on);
  bool spectrum() const;
  // The spectrum's radial background subtracted (on by default; B).
  QToolButton& flattenButton() { return *flatten_; }
  // Band modes: -1 the mean of the bands, k band k, -2 the RGB composite.
  void setBandMode(int mode);
  int bandMode() const;
  // The window presets offered (DICOM files), after Auto, Full and Manual.
  QStringList windowPresets() const;

signals:
  void stepRequested(int delta);     // -1 previous, +1 next
  void statusRequested(char status); // 'a', 'r' or 'u'
  void closeRequested();
  void frameShown(qint64 frame);
  // The readout under the cursor (spectrum: spatial frequency and resolution).
  void hovered(const QString& text);
  void failed(const QString& message);

protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  void present(bool keep_view);
  void applyControls();
  // The window of the shown plane, or of the composite band the histogram
  // edits; setManualWindow makes it w and switches to Manual.
  display::Window editedWindow() const;
  void setManualWindow(display::Window w);
  void updateHistogram();
  void readFrame(std::int64_t index);
  void rebuildBands();
  void showReadout(int x, int y, const QString& text);

  ImageViewer* viewer_ = nullptr;
  QLabel* problem_ = nullptr;
  ContrastHistogram* histogram_ = nullptr;
  QComboBox* colormap_ = nullptr;
  QComboBox* window_ = nullptr;
  QSlider* gamma_ = nullptr;
  QToolButton* spectrum_ = nullptr;
  QToolButton* flatten_ = nullptr;
  QComboBox* bands_ = nullptr;
  QSpinBox* rgb_[3] = {};
  QComboBox* stretch_ = nullptr; // which composite band the histogram edits
  QSlider* frame_ = nullptr;
  QLabel* frame_label_ = nullptr;
  QPushButton* labels_ = nullptr;
  QSlider* label_opacity_ = nullptr;
  QLabel* legend_ = nullptr;
  std::vector<std::int64_t> overlay_labels_;

  Image image_; // the frame shown, original values
  QString path_;
  FileInfo info_;
  import::ItemFrames frames_;
  std::int64_t shown_frame_ = 0;
  std::uint64_t reads_ = 0; // the latest frame read; older results are dropped
  std::optional<double> nodata_;
  struct Preset {
    double center, width;
  };
  std::vector<Preset> presets_;
  double auto_lo_ = 0, auto_hi_ = 1, min_ = 0, max_ = 1, manual_lo_ = 0, manual_hi_ = 1;
  std::array<display::Window, 3> auto_windows_, full_windows_, manual_windows_; // composites
};

} // namespace atelier

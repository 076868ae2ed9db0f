// VolumeViewerPanel: a volume in three linked orthogonal slice views (XY, XZ,
// YZ; a click in one moves the others' slices: the shared cursor) and a 3D
// view (isosurface with its level in data units and in sigma above the mean,
// ray casting with a transfer function edited over the histogram, from
// presets, or the three slices), an
// optional label volume (coloured overlays on the slices, surfaces in 3D),
// a time-point slider for 4D files, reset view and screenshot. Files load
// off the GUI thread; one over the memory limit can be opened downsampled.
#pragma once

#include "core/data/volume.h"
#include "core/display/display_mapping.h"
#include "core/display/display_presets.h"
#include "widgets/render/volume_scene.h"

#include <QFutureWatcher>
#include <QWidget>

#include <memory>
#include <optional>
#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QTimer;

namespace atelier {

class ImageViewer;
class TransferFunctionEditor;
class VtkView;

class VolumeViewerPanel : public QWidget {
  Q_OBJECT
public:
  enum class DownsamplePolicy { ask, always, never };

  explicit VolumeViewerPanel(QWidget* parent = nullptr);
  ~VolumeViewerPanel() override;

  // Loads path in the background; loaded() or failed() follows.
  void openFile(const QString& path);
  void openLabels(const QString& path);
  void setDownsamplePolicy(DownsamplePolicy policy) { downsample_ = policy; }

  // Shows a volume already in memory.
  void setVolume(std::shared_ptr<const Volume> volume, const QString& name);
  // Labels of the same nx, ny, nz; false (and failed()) otherwise.
  bool setLabels(std::shared_ptr<const Volume> labels);

  render::VolumeScene& scene() { return scene_; }
  VtkView& view3d() { return *view_; }
  ImageViewer& sliceView(int axis) { return *slice_views_[axis]; } // 0 YZ, 1 XZ, 2 XY
  TransferFunctionEditor& transferEditor() { return *transfer_; }
  const Volume* volume() const { return volume_.get(); }
  std::int64_t timePoint() const { return t_; }

  void setMode(render::VolumeMode mode);
  void setIsoSigma(double sigma);
  void setSlice(int axis, std::int64_t index);
  void setTimePoint(std::int64_t t);
  // The slice views' contrast: values lo..hi from black to white (the
  // window control then says Manual).
  void setSliceWindow(double lo, double hi);
  const display::DisplayMapping& sliceMapping() const { return mapping_; }
  void resetView();
  // Saves the 3D view as PNG; false when it cannot be written.
  bool saveScreenshot(const QString& path);
  // What the readout says for pixel (u, v) of a slice view showing value:
  // the voxel's x, y, z (and t), the value, its label, its position.
  QString voxelReadout(int axis, int u, int v, double value) const;

signals:
  void loaded(const QString& path);
  void failed(const QString& message);
  void readout(const QString& text);

protected:
  // Keys in a slice view step through its slices.
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  struct Loaded;
  void startLoad(const QString& path, bool labels, bool downsample);
  // setLabels with the image and surfaces already made (on the loader thread).
  bool setLabels(std::shared_ptr<const Volume> labels, std::optional<render::LabelData> prepared);
  void finishLoad();
  void buildControls(QWidget* controls);
  void refreshSlices();
  // The transfer preset the combo shows, fitted to the current volume.
  void applyPreset();
  void refreshLegend();
  // Polls for the worker's isosurface while one is pending.
  void watchIso();
  void refreshTransferEditor();
  void syncIsoControls();
  void showVoxel(int axis, int x, int y);
  // The window choices for the volume shown, the first one applied.
  void refreshWindowPresets();
  void applySliceWindow(double lo, double hi);

  render::VolumeScene scene_;
  std::shared_ptr<const Volume> volume_, labels_;
  QString name_;
  std::int64_t t_ = 0;
  display::DisplayMapping mapping_; // slice views: mean +- 3 sigma of the volume
  DownsamplePolicy downsample_ = DownsamplePolicy::ask;

  VtkView* view_ = nullptr;
  ImageViewer* slice_views_[3] = {nullptr, nullptr, nullptr};
  QComboBox* mode_ = nullptr;
  QComboBox* preset_ = nullptr;
  TransferFunctionEditor* transfer_ = nullptr;
  QDoubleSpinBox* level_ = nullptr;
  QDoubleSpinBox* sigma_ = nullptr;
  QSlider* iso_opacity_ = nullptr;
  QPushButton* iso_colour_ = nullptr;
  QLabel* iso_status_ = nullptr; // while the full-resolution surface is computed
  QTimer* iso_poll_ = nullptr;
  QComboBox* window_ = nullptr;
  QDoubleSpinBox* window_lo_ = nullptr;
  QDoubleSpinBox* window_hi_ = nullptr;
  std::vector<display::NamedWindow> window_presets_;
  QSlider* time_ = nullptr;
  QLabel* time_label_ = nullptr;
  QSlider* slice_sliders_[3] = {nullptr, nullptr, nullptr};
  QSlider* label_opacity_ = nullptr;
  QLabel* legend_ = nullptr;
  QLabel* info_ = nullptr;
  bool syncing_ = false;
  QFutureWatcher<std::shared_ptr<Loaded>>* loader_ = nullptr;
};

} // namespace atelier

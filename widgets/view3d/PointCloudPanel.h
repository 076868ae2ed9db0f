// PointCloudPanel: a point cloud in a 3D view, coloured by RGB, intensity,
// elevation, any scalar field or a label field, with a colormap and range
// (robust by default), point size, eye-dome lighting, a click to show a
// point's attributes, reset view and screenshot. Loads off the GUI thread.
#pragma once

#include "core/data/point_cloud.h"
#include "widgets/render/point_scene.h"

#include <QFutureWatcher>
#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;

namespace atelier {

class VtkView;

// Point i's attributes, one per line ("x 1.5", "intensity 12", ...).
QString describe_point(const PointCloud& cloud, std::size_t i);

class PointCloudPanel : public QWidget {
  Q_OBJECT
public:
  explicit PointCloudPanel(QWidget* parent = nullptr);
  ~PointCloudPanel() override;

  void openFile(const QString& path);
  void setCloud(std::shared_ptr<const PointCloud> cloud, const QString& name);

  render::PointScene& scene() { return scene_; }
  VtkView& view3d() { return *view_; }
  const PointCloud* cloud() const { return cloud_.get(); }
  QComboBox& colourBy() { return *colour_by_; }
  // Picks at VTK display coordinates and shows the point; false on a miss.
  bool pickAt(int x, int y);
  QString pickedText() const;
  void resetView();
  bool saveScreenshot(const QString& path);

signals:
  void loaded(const QString& path);
  void failed(const QString& message);

private:
  struct Loaded {
    QString path;
    std::shared_ptr<const PointCloud> cloud;
    QString error;
  };
  void applyColouring();

  render::PointScene scene_;
  std::shared_ptr<const PointCloud> cloud_;
  QString name_;
  VtkView* view_ = nullptr;
  QLabel* info_ = nullptr;
  QLabel* picked_ = nullptr;
  QComboBox* colour_by_ = nullptr;
  QComboBox* colormap_ = nullptr;
  QCheckBox* auto_range_ = nullptr;
  QDoubleSpinBox* lo_ = nullptr;
  QDoubleSpinBox* hi_ = nullptr;
  QSlider* point_size_ = nullptr;
  QCheckBox* eye_dome_ = nullptr;
  QFutureWatcher<std::shared_ptr<Loaded>>* loader_ = nullptr;
};

} // namespace atelier

// PointCloudPanel: the point-cloud viewer.
#include "widgets/view3d/PointCloudPanel.h"

#include "core/base/error.h"
#include "core/spatial/point_cloud_load.h"
#include "widgets/view3d/VtkView.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtConcurrent>

namespace atelier {

QString describe_point(const PointCloud& cloud, std::size_t i) {
  if (i >= cloud.size()) return {};
  const auto& p = cloud.xyz[i];
  QString text = QObject::tr("point %1\nx %2\ny %3\nz %4")
                     .arg(i)
                     .arg(p[0], 0, 'f', 3)
                     .arg(p[1], 0, 'f', 3)
                     .arg(p[2], 0, 'f', 3);
  if (cloud.has_rgb())
    text += QObject::tr("\nrgb %1 %2 %3")
                .arg(cloud.rgb[i][0])
                .arg(cloud.rgb[i][1])
                .arg(cloud.rgb[i][2]);
  if (cloud.has_intensity()) text += QObject::tr("\nintensity %1").arg(double(cloud.intensity[i]));
  if (cloud.has_normals())
    text += QObject::tr("\nnormal %1 %2 %3")
                .arg(double(cloud.normals[i][0]), 0, 'f', 3)
                .arg(double(cloud.normals[i][1]), 0, 'f', 3)
                .arg(double(cloud.normals[i][2]), 0, 'f', 3);
  for (const ScalarField& f : cloud.fields)
    text += QString("\n%1 %2").arg(QString::fromStdString(f.name)).arg(f.values[i], 0, 'g', 8);
  return text;
}

PointCloudPanel::PointCloudPanel(QWidget* parent) : QWidget(parent) {
  auto* split = new QSplitter(Qt::Horizontal, this);
  view_ = new VtkView(split);
  view_->setRenderer(scene_.renderer());
  connect(view_, &VtkView::interactionStarted, this, [this] { scene_.set_interacting(true); });
  connect(view_, &VtkView::frameRendered, this, [this](double ms, bool moving) {
    if (moving) scene_.interactive_frame(ms);
  });
  connect(view_, &VtkView::interactionFinished, this, [this] {
    scene_.set_interacting(false);
    view_->requestRender();
  });
  connect(view_, &VtkView::resetRequested, this, &PointCloudPanel::resetView);
  connect(view_, &VtkView::picked, this, [this](int x, int y) { pickAt(x, y); });

  auto* controls = new QWidget(split);
  auto* form = new QFormLayout(controls);
  info_ = new QLabel(tr("No point cloud"), controls);
  info_->setWordWrap(true);
  form->addRow(info_);
  colour_by_ = new QComboBox(controls);
  form->addRow(tr("Colour &by"), colour_by_);
  colormap_ = new QComboBox(controls);
  for (const char* name : {"viridis", "magma", "gray", "inverted"})
    colormap_->addItem(name);
  form->addRow(tr("Color&map"), colormap_);
  auto_range_ = new QCheckBox(tr("Auto range (2nd–98th percentile)"), controls);
  auto_range_->setChecked(true);
  lo_ = new QDoubleSpinBox(controls);
  hi_ = new QDoubleSpinBox(controls);
  for (QDoubleSpinBox* s : {lo_, hi_}) {
    s->setRange(-1e12, 1e12);
    s->setDecimals(3);
    s->setEnabled(false);
  }
  form->addRow(auto_range_);
  form->addRow(tr("From"), lo_);
  form->addRow(tr("To"), hi_);
  point_size_ = new QSlider(Qt::Horizontal, controls);
  point_size_->setRange(1, 16);
  form->addRow(tr("Point &size"), point_size_);
  eye_dome_ = new QCheckBox(tr("&Eye-dome lighting"), controls);
  form->addRow(eye_dome_);
  picked_ = new QLabel(tr("Click a point to see its attributes"), controls);
  picked_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  form->addRow(picked_);
  auto* buttons = new QHBoxLayout;
  auto* reset = new QPushButton(tr("&Reset view"), controls);
  auto* shot = new QPushButton(tr("Screens&hot…"), controls);
  buttons->addWidget(reset);
  buttons->addWidget(shot);
  form->addRow(buttons);
  controls->setMinimumWidth(controls->sizeHint().width());
  split->setStretchFactor(0, 4);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(split);

  connect(colour_by_, &QComboBox::currentIndexChanged, this, &PointCloudPanel::applyColouring);
  connect(colormap_, &QComboBox::currentIndexChanged, this, &PointCloudPanel::applyColouring);
  connect(auto_range_, &QCheckBox::toggled, this, [this](bool on) {
    lo_->setEnabled(!on);
    hi_->setEnabled(!on);
    applyColouring();
  });
  connect(lo_, &QDoubleSpinBox::editingFinished, this, &PointCloudPanel::applyColouring);
  connect(hi_, &QDoubleSpinBox::editingFinished, this, &PointCloudPanel::applyColouring);
  connect(point_size_, &QSlider::valueChanged, this, [this](int v) {
    scene_.set_point_size(v);
    view_->requestRender();
  });
  connect(eye_dome_, &QCheckBox::toggled, this, [this](bool on) {
    scene_.set_eye_dome(on);
    view_->requestRender();
  });
  connect(reset, &QPushButton::clicked, this, &PointCloudPanel::resetView);
  connect(shot, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save screenshot"),
                                                      QFileInfo(name_).completeBaseName() + ".png",
                                                      tr("PNG images (*.png)"));
    if (!path.isEmpty() && !saveScreenshot(path))
      emit failed(tr("%1: cannot write the screenshot").arg(path));
  });

  loader_ = new QFutureWatcher<std::shared_ptr<Loaded>>(this);
  connect(loader_, &QFutureWatcherBase::finished, this, [this] {
    const auto r = loader_->result();
    if (!r->cloud) {
      emit failed(r->error);
      return;
    }
    setCloud(r->cloud, r->path);
    emit loaded(r->path);
  });
}

PointCloudPanel::~PointCloudPanel() {
  loader_->waitForFinished();
  view_->setRenderer(nullptr);
}

void PointCloudPanel::openFile(const QString& path) {
  loader_->waitForFinished();
  info_->setText(tr("Loading %1…").arg(QFileInfo(path).fileName()));
  loader_->setFuture(QtConcurrent::run([path] {
    auto out = std::make_shared<Loaded>();
    out->path = path;
    try {
      out->cloud = std::make_shared<const PointCloud>(load_point_cloud(path.toStdString()));
    } catch (const Error& e) {
      out->error = QString::fromStdString(e.what());
    } catch (const std::bad_alloc&) {
      out->error = path + tr(": not enough memory to load it");
    }
    return out;
  }));
}

void PointCloudPanel::setCloud(std::shared_ptr<const PointCloud> cloud, const QString& name) {
  cloud_ = std::move(cloud);
  name_ = name;
  scene_.set_cloud(*cloud_);
  {
    const QSignalBlocker block(colour_by_);
    colour_by_->clear();
    if (cloud_->has_rgb()) colour_by_->addItem(tr("RGB"), "rgb");
    if (cloud_->has_intensity()) colour_by_->addItem(tr("Intensity"), "intensity");
    colour_by_->addItem(tr("Elevation"), "elevation");
    for (const ScalarField& f : cloud_->fields) {
      const QString n = QString::fromStdString(f.name);
      const bool label = f.name == "classification" || f.name == "label";
      colour_by_->addItem(label ? tr("%1 (labels)").arg(n) : n, (label ? "label:" : "field:") + n);
    }
    colour_by_->addItem(tr("Single colour"), "solid");
  }
  const QSignalBlocker block_size(point_size_), block_edl(eye_dome_);
  point_size_->setValue(int(render::PointScene::default_point_size(cloud_->size())));
  eye_dome_->setChecked(scene_.eye_dome());
  info_->setText(
      cloud_->size() == 0
          ? tr("%1\nThe cloud is empty: nothing to show.").arg(QFileInfo(name).fileName())
          : tr("%1\n%L2 points").arg(QFileInfo(name).fileName()).arg(cloud_->size()));
  picked_->setText(tr("Click a point to see its attributes"));
  applyColouring();
  resetView();
}

void PointCloudPanel::applyColouring() {
  if (!cloud_ || colour_by_->count() == 0) return;
  try {
    render::PointColouring c =
        render::parse_point_colouring(colour_by_->currentData().toString().toStdString());
    c.colormap = display::parse_colormap(colormap_->currentText().toStdString());
    if (!auto_range_->isChecked()) {
      c.lo = lo_->value();
      c.hi = hi_->value();
    }
    scene_.set_colouring(c);
    const auto range = scene_.colour_range();
    const QSignalBlocker a(lo_), b(hi_);
    lo_->setValue(range[0]);
    hi_->setValue(range[1]);
  } catch (const Error& e) {
    emit failed(QString::fromStdString(e.message()));
  }
  view_->requestRender();
}

bool PointCloudPanel::pickAt(int x, int y) {
  if (!cloud_) return false;
  const auto i = scene_.pick(x, y);
  if (!i) return false;
  picked_->setText(describe_point(*cloud_, *i));
  return true;
}

QString PointCloudPanel::pickedText() const {
  return picked_->text();
}

void PointCloudPanel::resetView() {
  scene_.reset_camera();
  view_->requestRender();
}

bool PointCloudPanel::saveScreenshot(const QString& path) {
  return view_->screenshot().save(path, "PNG");
}

} // namespace atelier

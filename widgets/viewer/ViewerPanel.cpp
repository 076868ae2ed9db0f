// Viewer controls and keys (see ViewerPanel.h).
#include "widgets/viewer/ViewerPanel.h"

#include "core/base/error.h"
#include "core/data/image.h"
#include "core/import/preview_image.h"
#include "core/io/file_inspect.h"
#include "core/metrics/plane.h"
#include "widgets/viewer/ImageViewer.h"
#include "widgets/viewer/label_overlay.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QVBoxLayout>

#include <cmath>

namespace atelier {

ViewerPanel::ViewerPanel(QWidget* parent) : QWidget(parent) {
  viewer_ = new ImageViewer(this);
  viewer_->installEventFilter(this);
  colormap_ = new QComboBox(this);
  colormap_->addItems({"gray", "inverted", "viridis", "magma"});
  window_ = new QComboBox(this);
  window_->addItems({tr("Auto (0.5–99.5%)"), tr("Full range")});
  gamma_ = new QSlider(Qt::Horizontal, this);
  gamma_->setRange(20, 500); // gamma 0.2 .. 5, as hundredths
  gamma_->setValue(100);
  gamma_->setMaximumWidth(140);
  gamma_->setToolTip(tr("Gamma"));
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Colormap"), this));
  bar->addWidget(colormap_);
  bar->addWidget(window_);
  bar->addWidget(new QLabel(tr("Gamma"), this));
  bar->addWidget(gamma_);
  labels_ = new QPushButton(tr("&Labels…"), this);
  labels_->setToolTip(tr("Draw a label image (segmentation) of the same size over this image"));
  label_opacity_ = new QSlider(Qt::Horizontal, this);
  label_opacity_->setRange(0, 100);
  label_opacity_->setValue(50);
  label_opacity_->setMaximumWidth(100);
  label_opacity_->setToolTip(tr("Label opacity"));
  label_opacity_->setEnabled(false);
  legend_ = new QLabel(this);
  legend_->setTextFormat(Qt::RichText);
  bar->addWidget(labels_);
  bar->addWidget(label_opacity_);
  bar->addWidget(legend_);
  bar->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(viewer_, 1);
  connect(colormap_, &QComboBox::currentIndexChanged, this, [this] { applyControls(); });
  connect(window_, &QComboBox::currentIndexChanged, this, [this] { applyControls(); });
  connect(gamma_, &QSlider::valueChanged, this, [this] { applyControls(); });
  connect(label_opacity_, &QSlider::valueChanged, this, [this](int v) {
    if (!viewer_->overlay().isNull()) viewer_->setOverlay(viewer_->overlay(), v / 100.0);
  });
  connect(labels_, &QPushButton::clicked, this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open label image"), QString(),
                                     tr("Label images (*.tif *.tiff *.png *.mrc);;All files (*)"));
    if (path.isEmpty()) return;
    QString error;
    try {
      const std::string p = path.toStdString();
      if (!setLabelOverlay(import::read_preview_image(p, inspect_file(p)), &error))
        QMessageBox::warning(this, tr("Labels"), path + ": " + error);
    } catch (const Error& e) {
      QMessageBox::warning(this, tr("Labels"), QString::fromStdString(e.what()));
    }
  });
}

bool ViewerPanel::setLabelOverlay(const Image& labels, QString* error) {
  const metrics::FloatPlane& plane = viewer_->plane();
  if (labels.width() != plane.width || labels.height() != plane.height) {
    if (error)
      *error = tr("the labels are %1 x %2, the image %3 x %4")
                   .arg(labels.width())
                   .arg(labels.height())
                   .arg(plane.width)
                   .arg(plane.height);
    return false;
  }
  try {
    viewer_->setOverlay(label_overlay(labels, &overlay_labels_), label_opacity_->value() / 100.0);
  } catch (const Error& e) {
    if (error) *error = QString::fromStdString(e.message());
    return false;
  }
  legend_->setText(label_legend_html(overlay_labels_, 8));
  label_opacity_->setEnabled(true);
  return true;
}

void ViewerPanel::clearLabelOverlay() {
  viewer_->setOverlay(QImage());
  overlay_labels_.clear();
  legend_->clear();
  label_opacity_->setEnabled(false);
}

void ViewerPanel::setImage(const Image& image) {
  clearLabelOverlay();
  viewer_->setImage(image);
  auto_lo_ = viewer_->mapping().lo;
  auto_hi_ = viewer_->mapping().hi;
  min_ = auto_lo_, max_ = auto_hi_;
  const metrics::FloatPlane& plane = viewer_->plane(); // widened once, by the viewer
  const auto st = metrics::finite_stats(plane.data.data(), plane.data.size());
  if (st.count) min_ = st.min, max_ = st.max;
  applyControls();
}

void ViewerPanel::applyControls() {
  display::DisplayMapping m = viewer_->mapping();
  m.colormap = static_cast<display::Colormap>(colormap_->currentIndex()); // listed in enum order
  m.gamma = gamma_->value() / 100.0;
  const bool full = window_->currentIndex() == 1;
  m.lo = full ? min_ : auto_lo_;
  m.hi = full ? max_ : auto_hi_;
  if (!(m.hi > m.lo)) m.hi = m.lo + 1.0; // a constant image's full range
  viewer_->setMapping(m);
}

bool ViewerPanel::eventFilter(QObject* watched, QEvent* event) {
  if (watched == viewer_ && event->type() == QEvent::KeyPress) {
    switch (static_cast<QKeyEvent*>(event)->key()) {
    case Qt::Key_Left:
    case Qt::Key_PageUp: emit stepRequested(-1); return true;
    case Qt::Key_Right:
    case Qt::Key_PageDown: emit stepRequested(+1); return true;
    case Qt::Key_A: emit statusRequested('a'); return true;
    case Qt::Key_R: emit statusRequested('r'); return true;
    case Qt::Key_U: emit statusRequested('u'); return true;
    case Qt::Key_Escape: emit closeRequested(); return true;
    default: break;
    }
  }
  return QWidget::eventFilter(watched, event);
}

} // namespace atelier

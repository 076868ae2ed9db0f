// Viewer controls and keys (see ViewerPanel.h).
#include "widgets/viewer/ViewerPanel.h"

#include "core/data/image.h"
#include "core/metrics/plane.h"
#include "widgets/viewer/ImageViewer.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
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
  bar->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(viewer_, 1);
  connect(colormap_, &QComboBox::currentIndexChanged, this, [this] { applyControls(); });
  connect(window_, &QComboBox::currentIndexChanged, this, [this] { applyControls(); });
  connect(gamma_, &QSlider::valueChanged, this, [this] { applyControls(); });
}

void ViewerPanel::setImage(const Image& image) {
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

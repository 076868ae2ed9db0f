// CompareView: the four comparison modes over two ImageViewers.
#include "widgets/compare/CompareView.h"

#include "core/base/error.h"
#include "core/display/image_compare.h"
#include "widgets/viewer/ImageViewer.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>

#include <cstring>

namespace atelier {
namespace {

// An f32 single-band Image holding plane (for ImageViewer::setImage).
Image image_of(const metrics::FloatPlane& plane, const Spacing& spacing) {
  Image out(plane.width, plane.height, 1, DType::f32);
  std::memcpy(out.bytes(), plane.data.data(), plane.data.size() * sizeof(float));
  out.spacing = spacing;
  return out;
}

} // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  mode_box_ = new QComboBox(this);
  mode_box_->addItem(tr("Side by side (1)"));
  mode_box_->addItem(tr("Wipe (2)"));
  mode_box_->addItem(tr("Difference A − B (3)"));
  mode_box_->addItem(tr("Flip, Space (4)"));
  wipe_slider_ = new QSlider(Qt::Horizontal, this);
  wipe_slider_->setRange(0, 1000);
  wipe_slider_->setValue(500);
  wipe_slider_->setToolTip(tr("Wipe position: A on the left, B on the right"));
  caption_ = new QLabel(this);
  auto* bar = new QHBoxLayout;
  bar->addWidget(mode_box_);
  bar->addWidget(wipe_slider_, 1);
  bar->addWidget(caption_, 2);
  left_ = new ImageViewer(this);
  right_ = new ImageViewer(this);
  auto* views = new QHBoxLayout;
  views->addWidget(left_);
  views->addWidget(right_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addLayout(views, 1);

  connect(mode_box_, &QComboBox::currentIndexChanged, this, [this](int i) { setMode(Mode(i)); });
  connect(wipe_slider_, &QSlider::valueChanged, this, [this](int v) { setWipe(v / 1000.0); });
  // Linked zoom and pan.
  auto link = [this](ImageViewer* from, ImageViewer* to) {
    connect(from, &ImageViewer::viewChanged, this, [this, to](double zoom, QPointF offset) {
      if (linking_) return;
      linking_ = true;
      to->setView(zoom, offset);
      linking_ = false;
    });
  };
  link(left_, right_);
  link(right_, left_);
  // Right-drag on either: the contrast both share (the difference's range).
  for (ImageViewer* v : {left_, right_})
    connect(v, &ImageViewer::windowDragged, this, &CompareView::dragWindow);
  setMode(Mode::side_by_side);
}

bool CompareView::setImages(const Image& a, const Image& b, const QString& name_a,
                            const QString& name_b) {
  try {
    plane_a_ = metrics::mean_plane(a);
    plane_b_ = metrics::mean_plane(b);
    diff_ = display::difference(plane_a_, plane_b_);
  } catch (const Error& e) {
    emit failed(tr("%1 vs %2: %3").arg(name_a, name_b, QString::fromStdString(e.message())));
    return false;
  }
  a_ = image_of(plane_a_, a.spacing);
  b_ = image_of(plane_b_, b.spacing);
  name_a_ = name_a;
  name_b_ = name_b;
  shared_ = display::auto_contrast(plane_a_);
  difference_ = display::difference_mapping(diff_);
  showing_b_ = false;
  present();
  left_->fit();
  return true;
}

void CompareView::setMode(Mode mode) {
  mode_ = mode;
  if (mode_box_->currentIndex() != int(mode)) {
    const QSignalBlocker block(mode_box_);
    mode_box_->setCurrentIndex(int(mode));
  }
  present();
}

void CompareView::setWipe(double fraction) {
  wipe_ = std::clamp(fraction, 0.0, 1.0);
  if (wipe_slider_->value() != int(std::lround(wipe_ * 1000))) {
    const QSignalBlocker block(wipe_slider_);
    wipe_slider_->setValue(int(std::lround(wipe_ * 1000)));
  }
  if (mode_ == Mode::wipe) left_->setOverlayClip(wipe_);
}

void CompareView::flip() {
  showing_b_ = !showing_b_;
  if (mode_ == Mode::flip) present();
}

QImage CompareView::mapped(const metrics::FloatPlane& plane) const {
  QImage out(int(plane.width), int(plane.height), QImage::Format_ARGB32);
  display::map_to_argb(plane, shared_, reinterpret_cast<std::uint32_t*>(out.bits()));
  return out;
}

void CompareView::present() {
  right_->setVisible(mode_ == Mode::side_by_side);
  wipe_slider_->setVisible(mode_ == Mode::wipe);
  if (plane_a_.data.empty()) return;
  const double zoom = left_->zoom();
  const QPointF offset = left_->offset();
  const bool had = !left_->mapped().isNull();
  left_->setOverlay(QImage());
  left_->setOverlayClip(-1);
  switch (mode_) {
  case Mode::side_by_side:
    left_->setImage(a_, true);
    right_->setImage(b_, true);
    caption_->setText(tr("A: %1   B: %2").arg(name_a_, name_b_));
    break;
  case Mode::wipe:
    left_->setImage(a_, true);
    left_->setOverlayClip(wipe_);
    caption_->setText(tr("A (left): %1   B (right): %2").arg(name_a_, name_b_));
    break;
  case Mode::difference: left_->setImage(image_of(diff_, a_.spacing), true); break;
  case Mode::flip:
    left_->setImage(showing_b_ ? b_ : a_, true);
    caption_->setText(showing_b_ ? tr("Showing B: %1 (Space: A)").arg(name_b_)
                                 : tr("Showing A: %1 (Space: B)").arg(name_a_));
    break;
  }
  applyContrast();
  if (had) left_->setView(zoom, offset); // the view stays put across modes
  right_->setView(left_->zoom(), left_->offset());
}

void CompareView::applyContrast() {
  switch (mode_) {
  case Mode::side_by_side:
    left_->setMapping(shared_);
    right_->setMapping(shared_);
    break;
  case Mode::wipe:
    left_->setMapping(shared_);
    left_->setOverlay(mapped(plane_b_), 1.0);
    break;
  case Mode::difference:
    left_->setMapping(difference_);
    caption_->setText(tr("A − B, blue below 0, red above; ±%1").arg(difference_.hi, 0, 'g', 4));
    break;
  case Mode::flip: left_->setMapping(shared_); break;
  }
}

void CompareView::dragWindow(double dx, double dy) {
  if (plane_a_.data.empty()) return;
  if (mode_ == Mode::difference) {
    // Only the width: a difference stays centred on 0.
    const display::Window w = display::dragged_window({difference_.lo, difference_.hi}, dx, 0);
    difference_.lo = w.lo, difference_.hi = w.hi;
  } else {
    const display::Window w = display::dragged_window({shared_.lo, shared_.hi}, dx, dy);
    shared_.lo = w.lo, shared_.hi = w.hi;
  }
  applyContrast();
}

void CompareView::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
  case Qt::Key_1: setMode(Mode::side_by_side); return;
  case Qt::Key_2: setMode(Mode::wipe); return;
  case Qt::Key_3: setMode(Mode::difference); return;
  case Qt::Key_4: setMode(Mode::flip); return;
  case Qt::Key_Space:
    if (mode_ != Mode::flip) setMode(Mode::flip);
    flip();
    return;
  default: QWidget::keyPressEvent(event);
  }
}

} // namespace atelier

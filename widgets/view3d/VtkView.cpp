// VtkView: VTK frames rendered offscreen and painted by Qt.
#include "widgets/view3d/VtkView.h"

#include "core/base/error.h"
#include "widgets/render/offscreen_render.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <vtkCamera.h>
#include <vtkRenderWindow.h>

#include <algorithm>
#include <cmath>

namespace atelier {
namespace {

constexpr int kFrameMs = 16;     // at most about 60 frames per second
constexpr int kWheelEndMs = 250; // the wheel counts as one interaction until it rests
// A full-quality frame slower than this (a software renderer, a huge scene)
// is drawn only after the camera has rested kSettleMs, so quick successive
// drags are not each followed by a frame the user must wait out.
constexpr double kSlowRestFrameMs = 250;
constexpr int kSettleMs = 600;

} // namespace

VtkView::VtkView(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  setMinimumSize(160, 120);
  setAttribute(Qt::WA_OpaquePaintEvent);
  throttle_.setSingleShot(true);
  connect(&throttle_, &QTimer::timeout, this, [this] { update(); });
  wheel_end_.setSingleShot(true);
  wheel_end_.setInterval(kWheelEndMs);
  connect(&wheel_end_, &QTimer::timeout, this, &VtkView::endInteraction);
  settle_.setSingleShot(true);
  connect(&settle_, &QTimer::timeout, this, &VtkView::finishInteraction);
  since_frame_.start();
}

VtkView::~VtkView() {
  setRenderer(nullptr);
}

bool VtkView::ensureWindow() {
  if (window_) return true;
  if (!unavailable_.isEmpty()) return false;
  try {
    window_ =
        std::make_unique<render::OffscreenWindow>(std::max(16, width()), std::max(16, height()));
  } catch (const Error& e) {
    unavailable_ = QString::fromStdString(e.message());
    return false;
  }
  if (renderer_) window_->add(renderer_);
  return true;
}

void VtkView::setRenderer(vtkRenderer* renderer) {
  if (renderer_ == renderer) return;
  if (renderer_ && window_) window_->window()->RemoveRenderer(renderer_);
  renderer_ = renderer;
  if (renderer_ && window_) window_->add(renderer_);
  requestRender();
}

void VtkView::requestRender() {
  stale_ = true;
  if (throttle_.isActive()) return;
  const qint64 wait = std::max<qint64>(0, kFrameMs - since_frame_.elapsed());
  throttle_.start(int(wait));
}

void VtkView::renderFrame() {
  if (!renderer_ || !ensureWindow()) return;
  QElapsedTimer clock;
  clock.start();
  const double ratio = devicePixelRatioF();
  const int w = std::max(16, int(std::lround(width() * ratio)));
  const int h = std::max(16, int(std::lround(height() * ratio)));
  int* size = window_->window()->GetSize();
  if (size[0] != w || size[1] != h) window_->window()->SetSize(w, h);
  const render::RgbImage rgb = window_->capture();
  frame_ =
      QImage(rgb.rgb.data(), rgb.width, rgb.height, rgb.width * 3, QImage::Format_RGB888).copy();
  frame_.setDevicePixelRatio(ratio);
  stale_ = false;
  ++frames_;
  last_frame_ms_ = double(clock.nsecsElapsed()) / 1e6;
  if (!interacting_) last_rest_frame_ms_ = last_frame_ms_;
  since_frame_.restart();
  emit frameRendered(last_frame_ms_, interacting_);
}

QImage VtkView::screenshot() {
  renderFrame();
  return frame_;
}

void VtkView::paintEvent(QPaintEvent*) {
  if (stale_) renderFrame();
  QPainter p(this);
  if (frame_.isNull()) {
    p.fillRect(rect(), QColor(28, 28, 33));
    p.setPen(Qt::lightGray);
    p.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
               unavailable_.isEmpty() ? tr("Nothing to show") : unavailable_);
    return;
  }
  p.drawImage(QPointF(0, 0), frame_);
}

void VtkView::resizeEvent(QResizeEvent*) {
  requestRender();
}

void VtkView::beginInteraction() {
  settle_.stop(); // moving again before the full frame: the same interaction
  if (interacting_) return;
  interacting_ = true;
  emit interactionStarted();
}

void VtkView::endInteraction() {
  if (!interacting_) return;
  if (const int delay = settleDelayMs(); delay > 0) {
    settle_.start(delay);
    return;
  }
  finishInteraction();
}

void VtkView::finishInteraction() {
  settle_.stop();
  if (!interacting_) return;
  interacting_ = false;
  emit interactionFinished();
  requestRender();
}

int VtkView::settleDelayMs() const {
  return last_rest_frame_ms_ > kSlowRestFrameMs ? kSettleMs : 0;
}

void VtkView::mousePressEvent(QMouseEvent* event) {
  press_ = last_ = event->position().toPoint();
  button_ = event->button();
  settle_.stop(); // a press while settling: the full frame waits for its release
  pan_mode_ = button_ == Qt::MiddleButton ||
              (button_ == Qt::LeftButton && (event->modifiers() & Qt::ShiftModifier));
  dragged_ = false;
  event->accept();
}

void VtkView::mouseMoveEvent(QMouseEvent* event) {
  if (button_ == Qt::NoButton || !renderer_) return;
  const QPoint pos = event->position().toPoint();
  if (!dragged_ && (pos - press_).manhattanLength() < 3) return;
  if (!dragged_) {
    dragged_ = true;
    beginInteraction();
  }
  const QPoint delta = pos - last_;
  last_ = pos;
  if (pan_mode_)
    pan(delta);
  else if (button_ == Qt::LeftButton)
    rotate(delta);
  else if (button_ == Qt::RightButton)
    zoom(std::pow(1.01, -delta.y()));
  requestRender();
}

void VtkView::mouseReleaseEvent(QMouseEvent* event) {
  if (button_ != Qt::NoButton && !dragged_ && button_ == Qt::LeftButton) {
    const double ratio = devicePixelRatioF();
    const QPoint p = event->position().toPoint();
    emit picked(int(std::lround(p.x() * ratio)), int(std::lround((height() - 1 - p.y()) * ratio)));
  }
  button_ = Qt::NoButton;
  // A click that interrupted the settling restarts it (the wheel ends its own).
  if (dragged_ || (interacting_ && !wheel_end_.isActive())) endInteraction();
  dragged_ = false;
}

void VtkView::wheelEvent(QWheelEvent* event) {
  if (!renderer_) return;
  beginInteraction();
  zoom(std::pow(1.0015, event->angleDelta().y()));
  wheel_end_.start();
  requestRender();
  event->accept();
}

void VtkView::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_R && event->modifiers() == Qt::NoModifier) {
    emit resetRequested();
    requestRender();
    return;
  }
  QWidget::keyPressEvent(event);
}

void VtkView::rotate(QPoint delta) {
  vtkCamera* camera = renderer_->GetActiveCamera();
  camera->Azimuth(-0.4 * delta.x());
  camera->Elevation(0.4 * delta.y());
  camera->OrthogonalizeViewUp();
  renderer_->ResetCameraClippingRange();
}

void VtkView::pan(QPoint delta) {
  vtkCamera* camera = renderer_->GetActiveCamera();
  double focal[3], position[3], up[3], direction[3];
  camera->GetFocalPoint(focal);
  camera->GetPosition(position);
  camera->GetViewUp(up);
  camera->GetDirectionOfProjection(direction);
  // World units per widget pixel at the focal plane.
  const double view_height =
      camera->GetParallelProjection()
          ? 2.0 * camera->GetParallelScale()
          : 2.0 * camera->GetDistance() * std::tan(0.5 * camera->GetViewAngle() * M_PI / 180.0);
  const double per_pixel = view_height / std::max(1, height());
  const double right[3] = {direction[1] * up[2] - direction[2] * up[1],
                           direction[2] * up[0] - direction[0] * up[2],
                           direction[0] * up[1] - direction[1] * up[0]};
  for (int k = 0; k < 3; ++k) {
    const double shift = (-delta.x() * right[k] + delta.y() * up[k]) * per_pixel;
    focal[k] += shift;
    position[k] += shift;
  }
  camera->SetFocalPoint(focal);
  camera->SetPosition(position);
  renderer_->ResetCameraClippingRange();
}

void VtkView::zoom(double factor) {
  vtkCamera* camera = renderer_->GetActiveCamera();
  if (camera->GetParallelProjection())
    camera->SetParallelScale(camera->GetParallelScale() / factor);
  else
    camera->Dolly(factor);
  renderer_->ResetCameraClippingRange();
}

} // namespace atelier

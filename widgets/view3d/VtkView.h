// VtkView: a Qt widget that shows a VTK renderer. VTK draws in its own
// offscreen X/GLX context (render::OffscreenWindow) and the widget paints the
// frame it reads back: Debian 12's VTK 9.1 cannot share Qt 6's OpenGL
// context (its Qt module is built for Qt 5, and blitting VTK's framebuffer
// into a QOpenGLWidget leaves that framebuffer unusable with Mesa), and a
// readback costs about a millisecond per megapixel on a GPU.
// Mouse: left drag rotates, middle or Shift+left drag pans, right drag or
// the wheel zooms; a click without a drag picks; R resets (resetRequested).
// Renders are throttled to 60 per second, and interactionStarted/Finished
// let scenes draw coarsely while the camera moves, as coarsely as the
// frame times (frameRendered) call for; when full-quality frames are slow,
// the camera must rest a moment before one is drawn (settleDelayMs).
#pragma once

#include <QElapsedTimer>
#include <QImage>
#include <QPoint>
#include <QTimer>
#include <QWidget>

#include <vtkRenderer.h>
#include <vtkSmartPointer.h>

#include <memory>

namespace atelier {

namespace render {
class OffscreenWindow;
}

class VtkView : public QWidget {
  Q_OBJECT
public:
  explicit VtkView(QWidget* parent = nullptr);
  ~VtkView() override;

  // Shows renderer (replacing the previous one); nullptr shows nothing.
  void setRenderer(vtkRenderer* renderer);
  vtkRenderer* renderer() const { return renderer_; }

  // Schedules a frame, at most one per 1/60 s.
  void requestRender();
  // Renders now and returns the frame (null without a display or renderer).
  QImage screenshot();
  bool interacting() const { return interacting_; }
  int framesRendered() const { return frames_; }
  // Milliseconds the last frame took to render and read back.
  double lastFrameMs() const { return last_frame_ms_; }
  // How long the camera must rest before interactionFinished (and the
  // full-quality frame): 0, or 600 ms when the last full-quality frame took
  // over 250 ms, so quick successive drags are not each followed by a slow
  // frame. A press or move meanwhile continues the interaction.
  int settleDelayMs() const;

signals:
  void interactionStarted();
  void interactionFinished();
  // A click without a drag, in VTK display coordinates (pixels, origin
  // bottom-left).
  void picked(int x, int y);
  void resetRequested(); // the R key
  // After each frame: how long it took to render and read back, and whether
  // the camera was moving (for the scene's level of detail).
  void frameRendered(double ms, bool interacting);

protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

private:
  bool ensureWindow();
  void renderFrame();
  void beginInteraction();
  void endInteraction();
  void finishInteraction();
  void rotate(QPoint delta);
  void pan(QPoint delta);
  void zoom(double factor);

  std::unique_ptr<render::OffscreenWindow> window_;
  vtkSmartPointer<vtkRenderer> renderer_;
  QString unavailable_; // why nothing can be drawn (no X display)
  QImage frame_;
  bool stale_ = true;
  QTimer throttle_;
  QTimer wheel_end_;
  QTimer settle_;
  QElapsedTimer since_frame_;
  QPoint press_, last_;
  Qt::MouseButton button_ = Qt::NoButton;
  bool dragged_ = false, interacting_ = false, pan_mode_ = false;
  int frames_ = 0;
  double last_frame_ms_ = 0;
  double last_rest_frame_ms_ = 0; // the last frame drawn at full quality
};

} // namespace atelier

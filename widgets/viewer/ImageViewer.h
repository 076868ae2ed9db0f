// ImageViewer: shows one image's original values through a display mapping
// (auto contrast from robust percentiles, gamma, colormap) applied when the
// mapping changes, never per mouse move: pan and zoom only re-blit the
// mapped image. Wheel zooms around the cursor (1/32x .. 32x), dragging pans,
// dragging with the right button asks for window/level (windowDragged: the
// owner holds the window), F fits, 0 shows 1:1; the value under the cursor is reported in data and
// physical units, and a scale bar is drawn when the pixel size is known.
#pragma once

#include "core/data/image.h"
#include "core/display/display_mapping.h"
#include "core/metrics/plane.h"

#include <QImage>
#include <QPointF>
#include <QWidget>

#include <array>
#include <vector>

namespace atelier {

class ImageViewer : public QWidget {
  Q_OBJECT
public:
  explicit ImageViewer(QWidget* parent = nullptr);

  // Shows image (its band mean) with an automatic mapping; the view fits,
  // unless keep_view and the size is unchanged (flipping between images).
  void setImage(const Image& image, bool keep_view = false);
  // Shows one plane (a band, a frame, a spectrum) the same way.
  void setPlane(metrics::FloatPlane plane, const Spacing& spacing, bool keep_view = false);
  // Shows three planes of one size as red, green and blue, each through its
  // own window (2nd-98th percentile to start), sharing the gamma; NaN
  // (nodata) in any is transparent. The readout gives all three values.
  void setComposite(std::array<metrics::FloatPlane, 3> planes, const Spacing& spacing,
                    bool keep_view = false);
  bool isComposite() const { return composite_; }
  void setCompositeWindows(const std::array<display::Window, 3>& windows);
  const std::array<display::Window, 3>& compositeWindows() const { return windows_; }
  const std::array<metrics::FloatPlane, 3>& compositePlanes() const { return rgb_; }
  // Zoom and widget position of pixel (0, 0): for linked views.
  void setView(double zoom, QPointF offset);
  QPointF offset() const { return offset_; }
  // Draws the overlay only right of this fraction of the width (a wipe
  // between two images), with a handle line; negative: the whole overlay.
  void setOverlayClip(double from_fraction);
  void setMapping(const display::DisplayMapping& mapping);
  const display::DisplayMapping& mapping() const { return mapping_; }
  double zoom() const { return zoom_; }
  // Height over width of a pixel as drawn (from the spacing; 1 when unknown).
  double pixelAspect() const { return aspect_; }
  // The image pixel (fractional) under a widget position.
  QPointF imagePoint(QPointF widget_pos) const;
  // Zooms by factor keeping the image point under widget_pos still.
  void zoomAt(QPointF widget_pos, double factor);
  void fit();
  // The original value at an image pixel (NaN outside).
  double valueAt(int x, int y) const;
  // The mapped image at full resolution (mapped on first use after a change).
  const QImage& mapped() const { return mappedLevel(0); }
  // Levels of detail: level k is the image binned 2^k x 2^k, drawn when
  // zoomed out that far, so a fitted 8k image paints from 1k pixels and a
  // contrast change maps only what is drawn.
  int levels() const { return int(pyramid_.size()) + 1; }
  const QImage& mappedLevel(int level) const;
  // A colour layer over the image (same size, ARGB with its own alpha, e.g.
  // a label overlay), drawn at opacity; a null image removes it.
  void setOverlay(const QImage& overlay, double opacity = 0.5);
  const QImage& overlay() const { return overlay_; }
  // A cross through an image pixel (the shared cursor of linked views);
  // negative coordinates hide it.
  void setCrosshair(QPointF pixel);
  QPointF crosshair() const { return crosshair_; }
  const metrics::FloatPlane& plane() const { return plane_; }

signals:
  // Image pixel and its original value; text adds physical units when known.
  void hovered(int x, int y, double value, const QString& text);
  // A left click without a drag on image pixel (x, y).
  void clicked(int x, int y);
  // After the user zoomed, panned or fitted.
  void viewChanged(double zoom, QPointF offset);
  // A right-button drag moved by (dx, dy) widget pixels since its last
  // report: for display::dragged_window (right widens, down darkens).
  void windowDragged(double dx, double dy);

protected:
  void paintEvent(QPaintEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

private:
  void remap();

  void showPlanes(bool keep_view, bool same_size);

  metrics::FloatPlane plane_; // the shown plane; a composite's red band
  std::array<metrics::FloatPlane, 3> rgb_;
  std::array<display::Window, 3> windows_;
  bool composite_ = false;
  Spacing spacing_;
  display::DisplayMapping mapping_;
  // Maps rows [y0, y0 + rows) x columns [x0, x0 + w) of a level into out
  // (w x rows, ARGB32), on the thread pool.
  void mapRegion(int level, std::int64_t x0, std::int64_t y0, std::int64_t w, std::int64_t rows,
                 QImage& out) const;
  const QImage& tile(std::int64_t tx, std::int64_t ty) const;

  std::vector<metrics::FloatPlane> pyramid_;  // levels 1.. (plane_ is level 0)
  mutable std::vector<QImage> mapped_levels_; // null until drawn after a change
  // Level 0 is drawn from kTile x kTile tiles mapped when first visible, so
  // a contrast change at 1:1 maps the screen's worth, not the whole image.
  mutable std::vector<QImage> tiles_;
  std::int64_t tiles_x_ = 0;
  QImage overlay_;
  double overlay_opacity_ = 0.5;
  QPointF crosshair_{-1, -1};
  double overlay_clip_ = -1;
  QPointF press_pos_;
  double zoom_ = 1.0;
  double aspect_ = 1.0;
  QPointF offset_; // widget position of image pixel (0, 0)
  QPointF drag_from_;
  bool dragging_ = false;
  bool windowing_ = false; // a right-button drag
  bool fitted_ = true;
};

} // namespace atelier

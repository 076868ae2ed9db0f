// Rendering a scene without showing a window, to pixels or a PNG. Debian 12's
// VTK renders through X only (no OSMesa or EGL), so this needs an X display;
// on a headless machine run under Xvfb (`xvfb-run -a atelier-cli render ...`).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

class vtkRenderer;
class vtkRenderWindow;

namespace atelier::render {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb; // rows top to bottom, 3 bytes per pixel

  const std::uint8_t* at(int x, int y) const {
    return rgb.data() + 3 * (static_cast<std::size_t>(y) * std::size_t(width) + std::size_t(x));
  }
};

// True when an X display can be opened; otherwise why not in *reason.
bool display_available(std::string* reason = nullptr);
// Throws UnsupportedError with the Xvfb advice when display_available() is false.
void require_display();

// An offscreen render window of a fixed size.
class OffscreenWindow {
public:
  OffscreenWindow(int width, int height); // require_display() first
  ~OffscreenWindow();
  OffscreenWindow(const OffscreenWindow&) = delete;
  OffscreenWindow& operator=(const OffscreenWindow&) = delete;

  void add(vtkRenderer* renderer);
  vtkRenderWindow* window() const;
  void render();
  // Renders and reads the frame back.
  RgbImage capture();

private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

// Writes image as an 8-bit RGB PNG; FormatError naming the path on failure.
void write_png(const RgbImage& image, const std::string& path);

// The fraction of pixels that differ from the corner pixel's colour (the
// background) by more than tolerance in any channel.
double covered_fraction(const RgbImage& image, int tolerance = 8);

} // namespace atelier::render

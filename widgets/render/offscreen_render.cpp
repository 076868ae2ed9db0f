// Offscreen rendering through an X display, frame readback and PNG output.
#include "widgets/render/offscreen_render.h"

#include "core/base/error.h"

#include <X11/Xlib.h>
#include <vtkImageData.h>
#include <vtkPNGWriter.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkRendererCollection.h>
#include <vtkSmartPointer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkWindowToImageFilter.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

namespace atelier::render {
namespace {

// XOpenDisplay fails now and then with EAGAIN when the server (Xvfb in
// particular) is slow to accept; a few short retries make it reliable.
Display* open_display(std::string* reason) {
  const char* name = std::getenv("DISPLAY");
  if (!name || !*name) {
    if (reason) *reason = "DISPLAY is not set";
    return nullptr;
  }
  for (int attempt = 0; attempt < 40; ++attempt) {
    if (Display* display = XOpenDisplay(name)) return display;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  if (reason) *reason = std::string("cannot open X display '") + name + "'";
  return nullptr;
}

} // namespace

bool display_available(std::string* reason) {
  Display* display = open_display(reason);
  if (!display) return false;
  XCloseDisplay(display);
  return true;
}

void require_display() {
  std::string reason;
  if (!display_available(&reason))
    throw UnsupportedError("3D rendering needs an X display (" + reason +
                           "): this build's VTK renders through X only, with no OSMesa or "
                           "EGL. On a machine without a screen run it under Xvfb, e.g. "
                           "`xvfb-run -a atelier-cli render ...`");
}

struct OffscreenWindow::Impl {
  vtkSmartPointer<vtkRenderWindow> window = vtkSmartPointer<vtkRenderWindow>::New();
  Display* display = nullptr; // ours, so VTK never opens one without retrying
};

OffscreenWindow::OffscreenWindow(int width, int height) : d_(std::make_unique<Impl>()) {
  std::string reason;
  d_->display = open_display(&reason);
  if (!d_->display) require_display(); // throws with the advice
  d_->window->SetDisplayId(d_->display);
  d_->window->SetOffScreenRendering(1);
  d_->window->SetSize(width, height);
  d_->window->SetMultiSamples(0);
}

OffscreenWindow::~OffscreenWindow() {
  // Renderers may outlive this window (scenes own them): detach them first.
  auto* renderers = d_->window->GetRenderers();
  while (renderers->GetNumberOfItems() > 0)
    d_->window->RemoveRenderer(renderers->GetFirstRenderer());
  d_->window->Finalize();
  d_->window = nullptr;
  XCloseDisplay(d_->display);
}

void OffscreenWindow::add(vtkRenderer* renderer) {
  d_->window->AddRenderer(renderer);
}

vtkRenderWindow* OffscreenWindow::window() const {
  return d_->window;
}

void OffscreenWindow::render() {
  d_->window->Render();
}

RgbImage OffscreenWindow::capture() {
  render();
  auto grab = vtkSmartPointer<vtkWindowToImageFilter>::New();
  grab->SetInput(d_->window);
  grab->SetInputBufferTypeToRGB();
  grab->ReadFrontBufferOff();
  grab->ShouldRerenderOff(); // rendered just above
  grab->Update();
  vtkImageData* frame = grab->GetOutput();
  const int* dims = frame->GetDimensions();
  RgbImage out;
  out.width = dims[0];
  out.height = dims[1];
  out.rgb.resize(std::size_t(out.width) * std::size_t(out.height) * 3);
  const auto* src = static_cast<const std::uint8_t*>(frame->GetScalarPointer());
  const std::size_t row = std::size_t(out.width) * 3;
  for (int y = 0; y < out.height; ++y) // VTK's rows run bottom to top
    std::memcpy(out.rgb.data() + std::size_t(y) * row, src + std::size_t(out.height - 1 - y) * row,
                row);
  return out;
}

void write_png(const RgbImage& image, const std::string& path) {
  auto data = vtkSmartPointer<vtkImageData>::New();
  data->SetDimensions(image.width, image.height, 1);
  data->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
  auto* dst = static_cast<std::uint8_t*>(data->GetScalarPointer());
  const std::size_t row = std::size_t(image.width) * 3;
  for (int y = 0; y < image.height; ++y)
    std::memcpy(dst + std::size_t(image.height - 1 - y) * row,
                image.rgb.data() + std::size_t(y) * row, row);
  const std::filesystem::path target(path);
  if (target.has_parent_path() && !std::filesystem::is_directory(target.parent_path()))
    throw FormatError(path, "the folder does not exist");
  auto writer = vtkSmartPointer<vtkPNGWriter>::New();
  writer->SetFileName(path.c_str());
  writer->SetInputData(data);
  writer->Write();
  if (writer->GetErrorCode() != 0 || !std::filesystem::exists(target))
    throw FormatError(path, "cannot write the PNG");
}

double covered_fraction(const RgbImage& image, int tolerance) {
  if (image.width == 0 || image.height == 0) return 0.0;
  const std::uint8_t* bg = image.at(0, 0);
  std::size_t covered = 0;
  const std::size_t n = std::size_t(image.width) * std::size_t(image.height);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* p = image.rgb.data() + 3 * i;
    for (int k = 0; k < 3; ++k)
      if (std::abs(int(p[k]) - int(bg[k])) > tolerance) {
        ++covered;
        break;
      }
  }
  return double(covered) / double(n);
}

} // namespace atelier::render

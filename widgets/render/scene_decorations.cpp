// Outline, axes triad and camera placement.
#include "widgets/render/scene_decorations.h"

#include <vtkCamera.h>
#include <vtkCaptionActor2D.h>
#include <vtkOutlineSource.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkTextActor.h>
#include <vtkTextProperty.h>
#include <vtkTransform.h>

#include <algorithm>
#include <cmath>

namespace atelier::render {

vtkSmartPointer<vtkActor> make_outline(const double bounds[6]) {
  auto box = vtkSmartPointer<vtkOutlineSource>::New();
  box->SetBounds(bounds[0], bounds[1], bounds[2], bounds[3], bounds[4], bounds[5]);
  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputConnection(box->GetOutputPort());
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetColor(0.55, 0.55, 0.60);
  actor->PickableOff();
  return actor;
}

vtkSmartPointer<vtkAxesActor> make_axes(const double b[6]) {
  auto axes = vtkSmartPointer<vtkAxesActor>::New();
  const double extent = std::max({b[1] - b[0], b[3] - b[2], b[5] - b[4], 1e-9});
  const double length = 0.2 * extent;
  axes->SetTotalLength(length, length, length);
  // vtkAxesActor draws from the origin through its user transform only.
  auto at_corner = vtkSmartPointer<vtkTransform>::New();
  at_corner->Translate(b[0], b[2], b[4]);
  axes->SetUserTransform(at_corner);
  axes->SetShaftTypeToLine();
  axes->SetTipTypeToCone();
  axes->SetConeRadius(0.25);
  for (vtkCaptionActor2D* caption : {axes->GetXAxisCaptionActor2D(), axes->GetYAxisCaptionActor2D(),
                                     axes->GetZAxisCaptionActor2D()}) {
    caption->GetCaptionTextProperty()->SetFontSize(14);
    caption->GetCaptionTextProperty()->ShadowOff();
    caption->GetTextActor()->SetTextScaleModeToNone();
  }
  axes->PickableOff();
  return axes;
}

void aim_camera(vtkRenderer* renderer, const double b[6], ViewDirection direction, UpAxis up_axis) {
  vtkCamera* camera = renderer->GetActiveCamera();
  const double c[3] = {0.5 * (b[0] + b[1]), 0.5 * (b[2] + b[3]), 0.5 * (b[4] + b[5])};
  const double ext[3] = {b[1] - b[0], b[3] - b[2], b[5] - b[4]};
  const double radius =
      std::max(1e-9, 0.5 * std::sqrt(ext[0] * ext[0] + ext[1] * ext[1] + ext[2] * ext[2]));
  double aspect = 1.0;
  if (vtkRenderWindow* window = renderer->GetRenderWindow()) {
    const int* size = window->GetSize();
    if (size[0] > 0 && size[1] > 0) aspect = double(size[0]) / double(size[1]);
  }
  camera->SetFocalPoint(c);
  // Direction from the focal point to the camera, the up vector, and the
  // extents across (u) and up (v) the screen for axis views. Axis views
  // match the slice views: XY shows x right and y down (seen from -z), XZ
  // x right and z up (from -y), YZ y right and z up (from +x).
  double dir[3] = {0, 0, -1}, up[3] = {0, -1, 0}, u = ext[0], v = ext[1];
  switch (direction) {
  case ViewDirection::x:
    dir[0] = 1, dir[2] = 0, up[1] = 0, up[2] = 1, u = ext[1], v = ext[2];
    break;
  case ViewDirection::y:
    dir[1] = -1, dir[2] = 0, up[1] = 0, up[2] = 1, u = ext[0], v = ext[2];
    break;
  case ViewDirection::z: break;
  case ViewDirection::oblique:
    if (up_axis == UpAxis::plus_y) dir[2] = 1, up[1] = 1;
    if (up_axis == UpAxis::plus_z) dir[1] = -1, dir[2] = 0, up[1] = 0, up[2] = 1;
    break;
  }
  const double distance = 4.0 * radius;
  camera->SetPosition(c[0] + dir[0] * distance, c[1] + dir[1] * distance, c[2] + dir[2] * distance);
  camera->SetViewUp(up);
  if (direction == ViewDirection::oblique) {
    camera->ParallelProjectionOff();
    camera->Azimuth(35);
    camera->Elevation(up_axis == UpAxis::plus_z ? 40 : 25);
    camera->OrthogonalizeViewUp();
    renderer->ResetCamera(const_cast<double*>(b));
  } else {
    camera->ParallelProjectionOn();
    camera->SetParallelScale(0.5 * std::max(v, u / aspect));
  }
  renderer->ResetCameraClippingRange(const_cast<double*>(b));
}

} // namespace atelier::render

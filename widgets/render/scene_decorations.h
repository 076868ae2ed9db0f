// What every 3D scene has besides its data: a bounding-box outline, an
// axes triad and a camera aimed at the data from a three-quarter view or down an axis.
#pragma once

#include <vtkActor.h>
#include <vtkAxesActor.h>
#include <vtkSmartPointer.h>

class vtkRenderer;

namespace atelier::render {

// Where the camera looks from: a three-quarter view, or down an axis with a
// parallel projection that fits the bounds. Axis views match the slice
// views: down z, x right and y downwards (row 0 at the top, as in the 2D
// viewer); down y and down x, z upwards.
enum class ViewDirection { oblique, x, y, z };

// A grey box around bounds (xmin, xmax, ymin, ymax, zmin, zmax).
vtkSmartPointer<vtkActor> make_outline(const double bounds[6]);

// An x/y/z axes triad (red, green, blue, labelled) at the bounds' lowest
// corner, each axis a fifth of the largest extent long.
vtkSmartPointer<vtkAxesActor> make_axes(const double bounds[6]);

// Which way is up in the three-quarter view: -y keeps images' row 0 at the top
// (volumes), +y suits scanned objects and camera clouds, +z georeferenced
// lidar (elevation up).
enum class UpAxis { minus_y, plus_y, plus_z };

// Aims renderer's camera at bounds; the window's aspect ratio (when the
// renderer has a window) fits axis views exactly.
void aim_camera(vtkRenderer* renderer, const double bounds[6], ViewDirection direction,
                UpAxis up = UpAxis::minus_y);

} // namespace atelier::render

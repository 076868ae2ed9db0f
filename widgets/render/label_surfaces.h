// A label volume's surfaces: one contour per label value, coloured by the
// label palette. The heavy part (image, values, contours) can be prepared
// on a loader thread, so the GUI thread only installs it.
#pragma once

#include "core/data/volume.h"

#include <vtkActor.h>
#include <vtkImageData.h>
#include <vtkLookupTable.h>
#include <vtkPolyData.h>
#include <vtkSmartPointer.h>

#include <array>
#include <cstdint>
#include <vector>

namespace atelier::render {

struct LabelData {
  vtkSmartPointer<vtkImageData> image;    // the labels, of their own type
  std::array<double, 3> spacing{1, 1, 1}; // the surfaces' (and image's) spacing
  std::vector<std::int64_t> values;       // distinct non-zero labels (label_values)
  vtkSmartPointer<vtkPolyData> surfaces;  // one contour per value, scalars = the label
};

// Any thread: the label image with the given spacing (that of the volume the
// labels go over), its values and their surfaces (discrete flying edges).
// Error for float labels.
LabelData prepare_labels(const Volume& labels, const std::array<double, 3>& spacing);

// The surfaces of values in labels (its spacing), as prepare_labels makes them.
vtkSmartPointer<vtkPolyData> label_surface_data(vtkImageData* labels,
                                                const std::vector<std::int64_t>& values);

// An actor drawing label surfaces coloured by the palette.
vtkSmartPointer<vtkActor> make_label_surfaces(vtkPolyData* surfaces, vtkLookupTable* palette);

} // namespace atelier::render

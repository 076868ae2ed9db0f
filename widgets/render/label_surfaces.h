// A label volume's surfaces: one contour per label value, coloured by the
// label palette.
#pragma once

#include <vtkActor.h>
#include <vtkImageData.h>
#include <vtkLookupTable.h>
#include <vtkSmartPointer.h>

#include <cstdint>
#include <vector>

namespace atelier::render {

vtkSmartPointer<vtkActor> make_label_surfaces(vtkImageData* labels,
                                              const std::vector<std::int64_t>& values,
                                              vtkLookupTable* palette);

} // namespace atelier::render

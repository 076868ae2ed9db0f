// Label surfaces with discrete flying edges.
#include "widgets/render/label_surfaces.h"

#include <vtkDiscreteFlyingEdges3D.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>

namespace atelier::render {

vtkSmartPointer<vtkActor> make_label_surfaces(vtkImageData* labels,
                                              const std::vector<std::int64_t>& values,
                                              vtkLookupTable* palette) {
  auto contour = vtkSmartPointer<vtkDiscreteFlyingEdges3D>::New();
  contour->SetInputData(labels);
  contour->ComputeScalarsOn();
  contour->SetNumberOfContours(int(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i)
    contour->SetValue(int(i), double(values[i]));
  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputConnection(contour->GetOutputPort());
  mapper->SetLookupTable(palette);
  mapper->UseLookupTableScalarRangeOn();
  mapper->SetScalarModeToUsePointData();
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetOpacity(0.9);
  return actor;
}

} // namespace atelier::render

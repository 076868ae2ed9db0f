// Label surfaces with discrete flying edges.
#include "widgets/render/label_surfaces.h"

#include "widgets/render/vtk_volume_data.h"

#include <vtkDiscreteFlyingEdges3D.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>

namespace atelier::render {

LabelData prepare_labels(const Volume& labels, const std::array<double, 3>& spacing) {
  LabelData out;
  out.image = make_label_image(labels);
  out.image->SetSpacing(spacing.data());
  out.spacing = spacing;
  out.values = label_values(labels);
  out.surfaces = label_surface_data(out.image, out.values);
  return out;
}

vtkSmartPointer<vtkPolyData> label_surface_data(vtkImageData* labels,
                                                const std::vector<std::int64_t>& values) {
  auto contour = vtkSmartPointer<vtkDiscreteFlyingEdges3D>::New();
  contour->SetInputData(labels);
  contour->ComputeScalarsOn();
  contour->SetNumberOfContours(int(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i)
    contour->SetValue(int(i), double(values[i]));
  contour->Update();
  auto surfaces = vtkSmartPointer<vtkPolyData>::New();
  surfaces->ShallowCopy(contour->GetOutput());
  return surfaces;
}

vtkSmartPointer<vtkActor> make_label_surfaces(vtkPolyData* surfaces, vtkLookupTable* palette) {
  auto mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
  mapper->SetInputData(surfaces);
  mapper->SetLookupTable(palette);
  mapper->UseLookupTableScalarRangeOn();
  mapper->SetScalarModeToUsePointData();
  auto actor = vtkSmartPointer<vtkActor>::New();
  actor->SetMapper(mapper);
  actor->GetProperty()->SetOpacity(0.9);
  return actor;
}

} // namespace atelier::render

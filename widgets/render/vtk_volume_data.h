// Volumes as VTK image data: density as float32 (non-finite voxels replaced,
// finite statistics kept for contour levels), labels in their integer type;
// physical voxel sizes become the image spacing (1 when unknown).
#pragma once

#include "core/data/volume.h"
#include "core/spatial/volume_float.h"

#include <vtkImageData.h>
#include <vtkSmartPointer.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace atelier::render {

struct DensityImage {
  vtkSmartPointer<vtkImageData> image;
  VolumeStats stats; // of the image; mean and stddev of the full map for a binned copy
  // The volume the image's voxels are borrowed from (null when copied):
  // the image is valid while this is kept.
  std::shared_ptr<const Volume> borrowed;
};

// Time point t of volume as float32 image data (a converted copy).
DensityImage make_density_image(const Volume& volume, std::int64_t t = 0);
// The same, borrowing a float32 volume's voxels when none is NaN or Inf and
// its values are not scaled
// (no second copy of a large map in memory); others are copied.
DensityImage make_density_image(std::shared_ptr<const Volume> volume, std::int64_t t = 0);

// An integer label volume (first time point) as image data of its own type;
// Error for float volumes.
vtkSmartPointer<vtkImageData> make_label_image(const Volume& labels);

// The distinct non-zero label values of an integer label volume, ascending,
// at most max_labels of them (the rest are dropped).
std::vector<std::int64_t> label_values(const Volume& labels, std::size_t max_labels = 256);

// The spacing VTK gets: the volume's, with unknown axes taken from x and all
// unknown as 1.
void spacing_for_vtk(const Volume& volume, double out[3]);

} // namespace atelier::render

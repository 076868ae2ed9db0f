// Volume to vtkImageData conversion.
#include "widgets/render/vtk_volume_data.h"

#include "core/base/error.h"

#include <vtkDataArray.h>
#include <vtkFloatArray.h>
#include <vtkPointData.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace atelier::render {
namespace {

int vtk_type(DType dtype) {
  switch (dtype) {
  case DType::u8: return VTK_UNSIGNED_CHAR;
  case DType::i8: return VTK_SIGNED_CHAR;
  case DType::u16: return VTK_UNSIGNED_SHORT;
  case DType::i16: return VTK_SHORT;
  case DType::u32: return VTK_UNSIGNED_INT;
  case DType::i32: return VTK_INT;
  default: throw Error("labels must be integers, not " + std::string(dtype_name(dtype)));
  }
}

template <typename T>
void collect(const T* v, std::size_t n, std::set<std::int64_t>& out, std::size_t max_labels) {
  // Runs of equal labels are common: skip repeats cheaply.
  bool have_last = false;
  T last{};
  for (std::size_t i = 0; i < n; ++i) {
    if (have_last && v[i] == last) continue;
    last = v[i];
    have_last = true;
    if (v[i] != 0) out.insert(static_cast<std::int64_t>(v[i]));
    if (out.size() > max_labels) return;
  }
}

// A binned copy's contour levels in sigma come from its full-resolution map.
VolumeStats with_source_moments(VolumeStats stats, const Volume& volume, std::int64_t t) {
  if (volume.full_resolution && t == 0) {
    stats.mean = volume.full_resolution->mean;
    stats.stddev = volume.full_resolution->stddev;
  }
  return stats;
}

} // namespace

void spacing_for_vtk(const Volume& volume, double out[3]) {
  const auto& s = volume.spacing.xyz;
  const double fallback = s[0] > 0 ? s[0] : 1.0;
  for (int i = 0; i < 3; ++i)
    out[i] = s[i] > 0 ? s[i] : fallback;
}

DensityImage make_density_image(const Volume& volume, std::int64_t t) {
  DensityImage out;
  out.image = vtkSmartPointer<vtkImageData>::New();
  out.image->SetDimensions(int(volume.nx()), int(volume.ny()), int(volume.nz()));
  double spacing[3];
  spacing_for_vtk(volume, spacing);
  out.image->SetSpacing(spacing);
  auto values = vtkSmartPointer<vtkFloatArray>::New();
  values->SetName("density");
  values->SetNumberOfTuples(volume.nx() * volume.ny() * volume.nz());
  out.stats = with_source_moments(widen_volume_frame(volume, t, values->GetPointer(0)), volume, t);
  out.image->GetPointData()->SetScalars(values);
  return out;
}

DensityImage make_density_image(std::shared_ptr<const Volume> volume, std::int64_t t) {
  if (!volume) throw Error("no volume");
  if (volume->dtype() != DType::f32 || !volume->value_scale.identity() || t < 0 ||
      t >= volume->nt())
    return make_density_image(*volume, t);
  const auto n = static_cast<std::size_t>(volume->nx() * volume->ny() * volume->nz());
  const float* frame =
      reinterpret_cast<const float*>(volume->bytes()) + n * static_cast<std::size_t>(t);
  const VolumeStats stats = float_stats(frame, n);
  if (stats.nonfinite > 0 || stats.finite == 0) return make_density_image(*volume, t);
  DensityImage out;
  out.image = vtkSmartPointer<vtkImageData>::New();
  out.image->SetDimensions(int(volume->nx()), int(volume->ny()), int(volume->nz()));
  double spacing[3];
  spacing_for_vtk(*volume, spacing);
  out.image->SetSpacing(spacing);
  auto values = vtkSmartPointer<vtkFloatArray>::New();
  values->SetName("density");
  // save = 1: VTK never frees or writes it; `borrowed` keeps it alive.
  values->SetArray(const_cast<float*>(frame), static_cast<vtkIdType>(n), 1);
  out.image->GetPointData()->SetScalars(values);
  out.stats = with_source_moments(stats, *volume, t);
  out.borrowed = std::move(volume);
  return out;
}

vtkSmartPointer<vtkImageData> make_label_image(const Volume& labels) {
  auto image = vtkSmartPointer<vtkImageData>::New();
  image->SetDimensions(int(labels.nx()), int(labels.ny()), int(labels.nz()));
  double spacing[3];
  spacing_for_vtk(labels, spacing);
  image->SetSpacing(spacing);
  image->AllocateScalars(vtk_type(labels.dtype()), 1);
  const std::size_t bytes = static_cast<std::size_t>(labels.nx() * labels.ny() * labels.nz()) *
                            dtype_size(labels.dtype());
  std::memcpy(image->GetScalarPointer(), labels.bytes(), bytes);
  image->GetPointData()->GetScalars()->SetName("labels");
  return image;
}

std::vector<std::int64_t> label_values(const Volume& labels, std::size_t max_labels) {
  std::set<std::int64_t> found;
  const std::size_t n = static_cast<std::size_t>(labels.nx() * labels.ny() * labels.nz());
  switch (labels.dtype()) {
  case DType::u8: collect(labels.values<std::uint8_t>().data(), n, found, max_labels); break;
  case DType::i8: collect(labels.values<std::int8_t>().data(), n, found, max_labels); break;
  case DType::u16: collect(labels.values<std::uint16_t>().data(), n, found, max_labels); break;
  case DType::i16: collect(labels.values<std::int16_t>().data(), n, found, max_labels); break;
  case DType::u32: collect(labels.values<std::uint32_t>().data(), n, found, max_labels); break;
  case DType::i32: collect(labels.values<std::int32_t>().data(), n, found, max_labels); break;
  default: throw Error("labels must be integers, not " + std::string(dtype_name(labels.dtype())));
  }
  std::vector<std::int64_t> out(found.begin(), found.end());
  if (out.size() > max_labels) out.resize(max_labels);
  return out;
}

} // namespace atelier::render

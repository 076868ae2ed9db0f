// VolumeScene: the VTK pipelines behind the volume viewer.
#include "widgets/render/volume_scene.h"

#include "core/display/display_presets.h"

#include "core/base/error.h"
#include "widgets/render/detail_governor.h"
#include "widgets/render/label_surfaces.h"
#include "widgets/render/vtk_volume_data.h"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkDataArray.h>
#include <vtkDiscreteFlyingEdges3D.h>
#include <vtkFlyingEdges3D.h>
#include <vtkGPUVolumeRayCastMapper.h>
#include <vtkImageData.h>
#include <vtkImageProperty.h>
#include <vtkImageShrink3D.h>
#include <vtkImageSlice.h>
#include <vtkImageSliceMapper.h>
#include <vtkLookupTable.h>
#include <vtkPointData.h>
#include <vtkPolyData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderer.h>
#include <vtkSmartPointer.h>
#include <vtkVariant.h>
#include <vtkVolume.h>
#include <vtkVolumeProperty.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <future>
#include <optional>

namespace atelier::render {

VolumeMode parse_volume_mode(const std::string& name) {
  if (name == "iso") return VolumeMode::iso;
  if (name == "volume") return VolumeMode::volume;
  if (name == "slices") return VolumeMode::slices;
  throw Error("unknown volume mode '" + name + "' (choose iso, volume or slices)");
}

struct VolumeScene::Impl {
  vtkSmartPointer<vtkRenderer> renderer = vtkSmartPointer<vtkRenderer>::New();
  vtkSmartPointer<vtkImageData> image;
  std::shared_ptr<const Volume> borrowed; // the volume image's voxels live in, if any
  // The same from the moment image shows them (borrowed is replaced last,
  // once the previous voxels are no longer read); the worker keeps a copy.
  std::shared_ptr<const Volume> image_owner;
  VolumeStats stats;
  VolumeMode mode = VolumeMode::iso;
  double iso = 0;
  std::vector<TransferPoint> transfer;
  std::array<std::int64_t, 3> slice{0, 0, 0};
  std::array<bool, 3> slice_on{true, true, true};
  double window_lo = 0, window_hi = 1;
  double label_opacity = 0.5;
  double base_sample_distance = 1;
  // The three-quarter view's up: superior (+z) for oriented medical volumes,
  // -y (row 0 at the top, as in the XY slice) for the rest.
  UpAxis up = UpAxis::minus_y;

  // Isosurface, and a coarse one from the volume binned by 2 for moving.
  vtkSmartPointer<vtkFlyingEdges3D> contour = vtkSmartPointer<vtkFlyingEdges3D>::New();
  vtkSmartPointer<vtkActor> iso_actor = vtkSmartPointer<vtkActor>::New();
  // Binned by 2 and by 4 (each from the one before), for moving.
  std::array<vtkSmartPointer<vtkImageShrink3D>, 2> shrink{vtkSmartPointer<vtkImageShrink3D>::New(),
                                                          vtkSmartPointer<vtkImageShrink3D>::New()};
  std::array<vtkSmartPointer<vtkFlyingEdges3D>, 2> coarse_contour{
      vtkSmartPointer<vtkFlyingEdges3D>::New(), vtkSmartPointer<vtkFlyingEdges3D>::New()};
  bool interacting = false;
  // Detail while moving, from frame times. Ray casting: one ray per k x k
  // pixels and samples k times as far apart along it, k from
  // kRaySteps[level] (a step costs about three times the next); the
  // isosurface: the full one, or the volume's binned by 2 or by 4.
  static constexpr float kRaySteps[] = {1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, 8.0f};
  DetailGovernor ray_detail{7, 3, 3.0};
  DetailGovernor iso_detail{3, 1, 4.0};
  // The full-resolution isosurface of a large volume, computed on a worker
  // thread (set_background_iso): the job running, the surface done, and the
  // voxels and level each is for.
  bool background_iso = false;
  std::uint64_t generation = 0; // bumped whenever the voxels change
  struct IsoKey {
    std::uint64_t generation = 0;
    double level = 0;
    bool operator==(const IsoKey&) const = default;
  };
  IsoKey current_key() const { return {generation, iso}; }
  std::future<vtkSmartPointer<vtkPolyData>> iso_job;
  IsoKey iso_job_key;
  vtkSmartPointer<vtkPolyData> iso_full;
  IsoKey iso_full_key;
  std::optional<IsoKey> iso_failed; // the worker threw (out of memory): not retried
  // Ray casting.
  vtkSmartPointer<vtkGPUVolumeRayCastMapper> ray_mapper =
      vtkSmartPointer<vtkGPUVolumeRayCastMapper>::New();
  vtkSmartPointer<vtkVolumeProperty> ray_property = vtkSmartPointer<vtkVolumeProperty>::New();
  vtkSmartPointer<vtkVolume> ray_volume = vtkSmartPointer<vtkVolume>::New();
  // Orthogonal slices, and label overlays on them.
  std::array<vtkSmartPointer<vtkImageSlice>, 3> slices, overlays;
  // Labels.
  vtkSmartPointer<vtkImageData> label_image;
  std::vector<std::int64_t> label_list;
  vtkSmartPointer<vtkLookupTable> label_lut;
  vtkSmartPointer<vtkActor> label_surfaces;
  vtkSmartPointer<vtkActor> outline;

  Impl() {
    renderer->SetBackground(0.11, 0.11, 0.13);
    contour->ComputeNormalsOn();
    auto iso_mapper = vtkSmartPointer<vtkPolyDataMapper>::New();
    iso_mapper->SetInputConnection(contour->GetOutputPort());
    iso_mapper->ScalarVisibilityOff();
    iso_actor->SetMapper(iso_mapper);
    iso_actor->GetProperty()->SetColor(0.72, 0.80, 0.92);
    iso_actor->GetProperty()->SetSpecular(0.25);
    iso_actor->GetProperty()->SetSpecularPower(20);
    for (std::size_t k = 0; k < 2; ++k) {
      shrink[k]->SetShrinkFactors(2, 2, 2);
      shrink[k]->AveragingOn();
      if (k > 0) shrink[k]->SetInputConnection(shrink[k - 1]->GetOutputPort());
      coarse_contour[k]->SetInputConnection(shrink[k]->GetOutputPort());
      coarse_contour[k]->ComputeNormalsOn();
    }

    ray_mapper->SetBlendModeToComposite();
    ray_property->SetInterpolationTypeToLinear();
    ray_property->ShadeOn();
    ray_property->SetAmbient(0.3);
    ray_property->SetDiffuse(0.7);
    ray_volume->SetMapper(ray_mapper);
    ray_volume->SetProperty(ray_property);

    for (int axis = 0; axis < 3; ++axis) {
      slices[axis] = make_slice(axis);
      overlays[axis] = make_slice(axis);
      overlays[axis]->GetProperty()->SetInterpolationTypeToNearest();
      overlays[axis]->GetProperty()->UseLookupTableScalarRangeOn();
    }
  }

  // The ray caster's and the isosurface's detail for the state of motion.
  void apply_detail() {
    const float k = interacting ? kRaySteps[ray_detail.level()] : 1.0f;
    ray_mapper->SetSampleDistance(float(k * base_sample_distance));
    ray_mapper->SetImageSampleDistance(k);
    auto* mapper = static_cast<vtkPolyDataMapper*>(iso_actor->GetMapper());
    int binned = interacting ? iso_detail.level() : 0;
    if (binned == 0 && in_background()) {
      if (iso_full_current()) {
        mapper->SetInputData(iso_full);
        return;
      }
      binned = preview_binning(); // while the worker computes the full one
    }
    // Each is computed once per level (and iso value), then kept.
    mapper->SetInputConnection(binned > 0 ? coarse_contour[std::size_t(binned - 1)]->GetOutputPort()
                                          : contour->GetOutputPort());
  }

  std::size_t voxel_count() const {
    if (!image) return 0;
    const int* n = image->GetDimensions();
    return std::size_t(n[0]) * std::size_t(n[1]) * std::size_t(n[2]);
  }
  bool in_background() const { return background_iso && voxel_count() > kBackgroundIsoVoxels; }
  bool iso_full_current() const { return iso_full && iso_full_key == current_key(); }
  // The stand-in: binned by 2 (level 1) up to 256^3 voxels, else by 4, so
  // it is computed on the GUI thread from at most 2^21 binned voxels.
  int preview_binning() const { return voxel_count() <= (std::size_t{1} << 24) ? 1 : 2; }

  // Starts the worker for the current level and voxels unless it runs.
  void start_iso_job() {
    if (iso_job.valid() || !image || mode != VolumeMode::iso) return;
    if (iso_failed == current_key()) return;
    // The voxels are shared and never written. Their range is cached now,
    // so the GUI thread's mappers only read it while the worker runs.
    if (vtkDataArray* scalars = image->GetPointData()->GetScalars()) scalars->GetRange();
    auto copy = vtkSmartPointer<vtkImageData>::New();
    copy->ShallowCopy(image);
    iso_job_key = current_key();
    iso_job = std::async(std::launch::async, [copy, keep = image_owner, level = iso] {
      (void)keep; // the voxels may live in it
      auto edges = vtkSmartPointer<vtkFlyingEdges3D>::New();
      edges->SetInputData(copy);
      edges->ComputeNormalsOn();
      edges->SetValue(0, level);
      edges->Update();
      auto surface = vtkSmartPointer<vtkPolyData>::New();
      surface->ShallowCopy(edges->GetOutput());
      return surface;
    });
  }

  ~Impl() {
    if (iso_job.valid()) iso_job.wait(); // it reads the voxels
  }

  static vtkSmartPointer<vtkImageSlice> make_slice(int axis) {
    auto mapper = vtkSmartPointer<vtkImageSliceMapper>::New();
    if (axis == 0) mapper->SetOrientationToX();
    if (axis == 1) mapper->SetOrientationToY();
    if (axis == 2) mapper->SetOrientationToZ();
    mapper->BorderOn(); // whole edge voxels, so an axis view maps voxels 1:1 to pixels
    auto slice = vtkSmartPointer<vtkImageSlice>::New();
    slice->SetMapper(mapper);
    return slice;
  }

  static vtkImageSliceMapper* slice_mapper(vtkImageSlice* s) {
    return static_cast<vtkImageSliceMapper*>(s->GetMapper());
  }

  // Density voxels for every view of them.
  void connect_density(const DensityImage& density) {
    image = density.image;
    image_owner = density.borrowed;
    ++generation;
    iso_full = nullptr; // the old voxels' surface (the callers re-apply the detail)
    contour->SetInputData(image);
    shrink[0]->SetInputData(image);
    ray_mapper->SetInputData(image);
    for (int axis = 0; axis < 3; ++axis)
      slice_mapper(slices[axis])->SetInputData(image);
  }

  void update_visibility() {
    const bool have = image != nullptr;
    iso_actor->SetVisibility(have && mode == VolumeMode::iso);
    ray_volume->SetVisibility(have && mode == VolumeMode::volume);
    for (int axis = 0; axis < 3; ++axis) {
      const bool on = have && mode == VolumeMode::slices && slice_on[axis];
      slices[axis]->SetVisibility(on);
      overlays[axis]->SetVisibility(on && label_image != nullptr);
    }
    if (label_surfaces) label_surfaces->SetVisibility(mode != VolumeMode::slices);
  }

  void update_slices() {
    for (int axis = 0; axis < 3; ++axis) {
      slice_mapper(slices[axis])->SetSliceNumber(int(slice[axis]));
      slice_mapper(overlays[axis])->SetSliceNumber(int(slice[axis]));
      slices[axis]->GetProperty()->SetColorWindow(std::max(window_hi - window_lo, 1e-12));
      slices[axis]->GetProperty()->SetColorLevel(0.5 * (window_hi + window_lo));
      overlays[axis]->GetProperty()->SetOpacity(label_opacity);
    }
  }
};

VolumeScene::VolumeScene() : d_(std::make_unique<Impl>()) {
  d_->renderer->AddActor(d_->iso_actor);
  d_->renderer->AddVolume(d_->ray_volume);
  for (int axis = 0; axis < 3; ++axis) {
    d_->renderer->AddViewProp(d_->slices[axis]);
    d_->renderer->AddViewProp(d_->overlays[axis]);
  }
  d_->update_visibility();
}

VolumeScene::~VolumeScene() = default;

vtkRenderer* VolumeScene::renderer() const {
  return d_->renderer;
}

void VolumeScene::set_volume(const Volume& volume, std::int64_t t) {
  show_density(make_density_image(volume, t), volume);
}

void VolumeScene::set_volume(std::shared_ptr<const Volume> volume, std::int64_t t) {
  if (!volume) throw Error("no volume to show");
  const Volume& v = *volume;
  show_density(make_density_image(std::move(volume), t), v);
}

void VolumeScene::set_time_point(std::shared_ptr<const Volume> volume, std::int64_t t) {
  if (!volume) throw Error("no volume to show");
  if (!d_->image) {
    set_volume(std::move(volume), t);
    return;
  }
  const int* n = d_->image->GetDimensions();
  if (volume->nx() != n[0] || volume->ny() != n[1] || volume->nz() != n[2])
    throw Error("a time point must have the shown volume's size");
  DensityImage density = make_density_image(std::move(volume), t);
  density.image->SetSpacing(d_->image->GetSpacing());
  d_->stats = density.stats;
  d_->connect_density(density);
  d_->borrowed = std::move(density.borrowed);   // last, as in show_density
  if (d_->in_background()) d_->start_iso_job(); // or poll_iso starts it next
  d_->apply_detail();
}

void VolumeScene::show_density(DensityImage density, const Volume& volume) {
  d_->connect_density(density);
  d_->stats = density.stats;
  const double* sp = d_->image->GetSpacing();
  d_->base_sample_distance = 0.5 * std::min({sp[0], sp[1], sp[2]});
  d_->ray_mapper->AutoAdjustSampleDistancesOff();
  d_->apply_detail();
  clear_labels();
  set_iso_level(sigma_level(d_->stats, 1.0));
  set_transfer(transfer_preset(TransferPreset::cryo_em, d_->stats));
  const display::Window w =
      display::sigma_window(d_->stats.min, d_->stats.max, d_->stats.mean, d_->stats.stddev);
  d_->window_lo = w.lo;
  d_->window_hi = w.hi;
  d_->slice = {volume.nx() / 2, volume.ny() / 2, volume.nz() / 2};
  d_->up = volume.metadata.find("shown_orientation") ? UpAxis::plus_z : UpAxis::minus_y;
  d_->update_slices();
  if (d_->outline) d_->renderer->RemoveActor(d_->outline);
  d_->outline = make_outline(d_->image->GetBounds());
  d_->renderer->AddActor(d_->outline);
  d_->update_visibility();
  // Last: the previous volume goes once nothing reads its voxels.
  d_->borrowed = std::move(density.borrowed);
}

const VolumeStats& VolumeScene::stats() const {
  return d_->stats;
}

const float* VolumeScene::voxels() const {
  return d_->image ? static_cast<const float*>(d_->image->GetScalarPointer()) : nullptr;
}

std::array<std::int64_t, 3> VolumeScene::dims() const {
  if (!d_->image) return {0, 0, 0};
  const int* n = d_->image->GetDimensions();
  return {n[0], n[1], n[2]};
}

void VolumeScene::set_mode(VolumeMode mode) {
  d_->mode = mode;
  d_->update_visibility();
  if (d_->in_background()) d_->start_iso_job(); // in iso mode only
}

VolumeMode VolumeScene::mode() const {
  return d_->mode;
}

void VolumeScene::set_iso_level(double value) {
  d_->iso = value;
  d_->contour->SetValue(0, value);
  for (auto& c : d_->coarse_contour)
    c->SetValue(0, value);
  if (d_->in_background()) d_->start_iso_job(); // or poll_iso starts it next
  d_->apply_detail();
}

void VolumeScene::set_background_iso(bool on) {
  d_->background_iso = on;
  if (d_->in_background()) d_->start_iso_job();
  d_->apply_detail();
}

bool VolumeScene::poll_iso() {
  Impl& d = *d_;
  if (!d.iso_job.valid() ||
      d.iso_job.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
    return false;
  vtkSmartPointer<vtkPolyData> surface;
  try {
    surface = d.iso_job.get();
  } catch (const std::exception&) { // out of memory: the stand-in stays
    d.iso_failed = d.iso_job_key;
  }
  bool installed = false;
  if (surface && d.iso_job_key == d.current_key()) {
    d.iso_full = surface;
    d.iso_full_key = d.iso_job_key;
    d.apply_detail();
    installed = true;
  }
  if (d.in_background() && !d.iso_full_current()) d.start_iso_job(); // the level moved on
  return installed;
}

bool VolumeScene::iso_pending() const {
  const Impl& d = *d_;
  return d.in_background() && d.mode == VolumeMode::iso && !d.iso_full_current() &&
         d.iso_failed != d.current_key();
}

int VolumeScene::iso_binning_at_rest() const {
  if (!d_->in_background() || d_->iso_full_current()) return 1;
  return 1 << d_->preview_binning();
}

double VolumeScene::iso_level() const {
  return d_->iso;
}

void VolumeScene::set_iso_colour(double r, double g, double b) {
  d_->iso_actor->GetProperty()->SetColor(r, g, b);
}

void VolumeScene::set_iso_opacity(double opacity) {
  d_->iso_actor->GetProperty()->SetOpacity(std::clamp(opacity, 0.0, 1.0));
}

void VolumeScene::set_transfer(const std::vector<TransferPoint>& points) {
  d_->transfer = points;
  apply_transfer(points, d_->ray_property);
}

const std::vector<TransferPoint>& VolumeScene::transfer() const {
  return d_->transfer;
}

void VolumeScene::set_slice(int axis, std::int64_t index) {
  if (axis < 0 || axis > 2) throw Error("slice axis must be 0, 1 or 2");
  const auto n = dims();
  d_->slice[axis] = std::clamp<std::int64_t>(index, 0, std::max<std::int64_t>(0, n[axis] - 1));
  d_->update_slices();
}

std::int64_t VolumeScene::slice(int axis) const {
  return d_->slice.at(axis);
}

void VolumeScene::set_slice_axes(bool x, bool y, bool z) {
  d_->slice_on = {x, y, z};
  d_->update_visibility();
}

void VolumeScene::set_slice_window(double lo, double hi) {
  d_->window_lo = lo;
  d_->window_hi = hi > lo ? hi : lo + 1e-6;
  d_->update_slices();
}

std::array<double, 2> VolumeScene::slice_window() const {
  return {d_->window_lo, d_->window_hi};
}

void VolumeScene::set_labels(const Volume& labels) {
  check_label_size(labels.nx(), labels.ny(), labels.nz());
  const double* sp = d_->image->GetSpacing();
  set_labels(prepare_labels(labels, {sp[0], sp[1], sp[2]}));
}

void VolumeScene::check_label_size(std::int64_t nx, std::int64_t ny, std::int64_t nz) const {
  if (!d_->image) throw Error("open a volume before its labels");
  const auto n = dims();
  if (nx != n[0] || ny != n[1] || nz != n[2])
    throw Error("labels are " + std::to_string(nx) + "x" + std::to_string(ny) + "x" +
                std::to_string(nz) + ", the volume is " + std::to_string(n[0]) + "x" +
                std::to_string(n[1]) + "x" + std::to_string(n[2]));
}

void VolumeScene::set_labels(LabelData labels) {
  if (!labels.image) throw Error("no labels to show");
  const int* ln = labels.image->GetDimensions();
  check_label_size(ln[0], ln[1], ln[2]);
  // Prepared for another spacing (the volume changed meanwhile): contoured again.
  const double* sp = d_->image->GetSpacing();
  if (labels.spacing != std::array<double, 3>{sp[0], sp[1], sp[2]}) {
    labels.image->SetSpacing(sp);
    labels.spacing = {sp[0], sp[1], sp[2]};
    labels.surfaces = label_surface_data(labels.image, labels.values);
  }
  clear_labels();
  d_->label_image = labels.image;
  d_->label_list = std::move(labels.values);
  // One table entry per label present, looked up by value (instance ids
  // reach 10^9, and int8/int16 labels may be negative); 0 and any value not
  // listed take the NaN colour: transparent.
  d_->label_lut = vtkSmartPointer<vtkLookupTable>::New();
  d_->label_lut->IndexedLookupOn();
  d_->label_lut->SetNumberOfTableValues(vtkIdType(std::max<std::size_t>(d_->label_list.size(), 1)));
  d_->label_lut->SetNanColor(0, 0, 0, 0);
  for (std::size_t i = 0; i < d_->label_list.size(); ++i) {
    const std::int64_t v = d_->label_list[i];
    const auto c = label_colour(v);
    d_->label_lut->SetTableValue(vtkIdType(i), c[0], c[1], c[2], 1.0);
    d_->label_lut->SetAnnotation(vtkVariant(v), std::to_string(v));
  }
  for (int axis = 0; axis < 3; ++axis) {
    Impl::slice_mapper(d_->overlays[axis])->SetInputData(d_->label_image);
    d_->overlays[axis]->GetProperty()->SetLookupTable(d_->label_lut);
  }
  d_->label_surfaces = make_label_surfaces(labels.surfaces, d_->label_lut);
  d_->renderer->AddActor(d_->label_surfaces);
  d_->update_slices();
  d_->update_visibility();
}

void VolumeScene::clear_labels() {
  if (d_->label_surfaces) d_->renderer->RemoveActor(d_->label_surfaces);
  d_->label_surfaces = nullptr;
  d_->label_image = nullptr;
  d_->label_list.clear();
  d_->update_visibility();
}

bool VolumeScene::has_labels() const {
  return d_->label_image != nullptr;
}

const std::vector<std::int64_t>& VolumeScene::labels() const {
  return d_->label_list;
}

void VolumeScene::set_label_opacity(double opacity) {
  d_->label_opacity = std::clamp(opacity, 0.0, 1.0);
  d_->update_slices();
}

void VolumeScene::set_interacting(bool interacting) {
  if (interacting == d_->interacting) return;
  d_->interacting = interacting;
  d_->apply_detail();
}

bool VolumeScene::interactive_frame(double ms) {
  if (!d_->interacting) return false;
  DetailGovernor* g = d_->mode == VolumeMode::volume ? &d_->ray_detail
                      : d_->mode == VolumeMode::iso  ? &d_->iso_detail
                                                     : nullptr;
  if (!g || !g->frame(ms)) return false;
  d_->apply_detail();
  return true;
}

double VolumeScene::interactive_ray_step() const {
  return Impl::kRaySteps[d_->ray_detail.level()];
}

int VolumeScene::interactive_iso_binning() const {
  return 1 << d_->iso_detail.level();
}

void VolumeScene::reset_camera(ViewDirection direction) {
  if (!d_->image) return;
  double b[6];
  d_->image->GetBounds(b);
  const double* sp = d_->image->GetSpacing();
  for (int axis = 0; axis < 3; ++axis) { // voxels are drawn whole
    b[2 * axis] -= 0.5 * sp[axis];
    b[2 * axis + 1] += 0.5 * sp[axis];
  }
  aim_camera(d_->renderer, b, direction, d_->up);
}

} // namespace atelier::render

// A volume scene: a density volume drawn as an isosurface, by ray casting
// with a transfer function, or as three orthogonal slices, with an optional
// label volume (coloured overlays on the slices, surfaces in 3D), an outline
// and a camera that respects the physical voxel size. VTK only (no Qt): the
// app's 3D view and `atelier-cli render` share it.
#pragma once

#include "core/data/volume.h"
#include "core/spatial/volume_float.h"
#include "widgets/render/label_surfaces.h"
#include "widgets/render/scene_decorations.h"
#include "widgets/render/transfer_function.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

class vtkRenderer;

namespace atelier::render {

enum class VolumeMode { iso, volume, slices };
// "iso", "volume", "slices"; Error otherwise.
VolumeMode parse_volume_mode(const std::string& name);

struct DensityImage;

class VolumeScene {
public:
  VolumeScene();
  ~VolumeScene();
  VolumeScene(const VolumeScene&) = delete;
  VolumeScene& operator=(const VolumeScene&) = delete;

  vtkRenderer* renderer() const;

  // Shows time point t of volume (converted to float; the Volume itself is
  // not kept). Resets the iso level to 1 sigma above the mean, the transfer
  // function to the cryo-EM preset, the slices to the centre.
  void set_volume(const Volume& volume, std::int64_t t = 0);
  // The same, showing a float32 volume without NaN/Inf in place (no copy);
  // the scene keeps the volume while it shows it.
  void set_volume(std::shared_ptr<const Volume> volume, std::int64_t t = 0);
  // Time point t of the volume shown (same size): only the voxels change;
  // labels and their surfaces, iso level, transfer, slices, slice window
  // and camera stay. Error for another size.
  void set_time_point(std::shared_ptr<const Volume> volume, std::int64_t t);
  const VolumeStats& stats() const;
  // The shown time point as float32 (nx * ny * nz, x fastest; non-finite
  // voxels replaced), nullptr before set_volume.
  const float* voxels() const;
  std::array<std::int64_t, 3> dims() const;

  void set_mode(VolumeMode mode);
  VolumeMode mode() const;

  void set_iso_level(double value); // data units
  double iso_level() const;
  // For volumes of more than kBackgroundIsoVoxels voxels, when on: the
  // full-resolution isosurface is computed on a worker thread after each
  // level or time point change, so the GUI never waits for it; meanwhile
  // the surface of the volume binned by 2 (up to 256^3) or 4, at the new
  // level, stands in. poll_iso() installs it when done. Off (the default,
  // for atelier-cli): computed when rendered.
  static constexpr std::size_t kBackgroundIsoVoxels = std::size_t{1} << 22;
  void set_background_iso(bool on);
  // Installs a finished surface if it is for the current level and voxels
  // (true: render again), and starts the next when the level moved on.
  bool poll_iso();
  // Whether the full-resolution surface for the level shown is still to come.
  bool iso_pending() const;
  // The binning of the isosurface drawn at rest: 1, or 2 or 4 while pending.
  int iso_binning_at_rest() const;
  void set_iso_colour(double r, double g, double b);
  void set_iso_opacity(double opacity);

  void set_transfer(const std::vector<TransferPoint>& points);
  const std::vector<TransferPoint>& transfer() const;

  // Slice index per axis (0 x, 1 y, 2 z), clamped to the volume.
  void set_slice(int axis, std::int64_t index);
  std::int64_t slice(int axis) const;
  void set_slice_axes(bool x, bool y, bool z);
  void set_slice_window(double lo, double hi);
  std::array<double, 2> slice_window() const; // lo, hi

  // Labels must have the density's nx, ny, nz (Error otherwise).
  void set_labels(const Volume& labels);
  // The same, prepared (prepare_labels, on any thread) with the spacing of
  // the volume shown (spacing_for_vtk of it); surfaces prepared for another
  // spacing are made again.
  void set_labels(LabelData labels);
  void clear_labels();
  bool has_labels() const;
  const std::vector<std::int64_t>& labels() const;
  void set_label_opacity(double opacity);

  // Coarser rendering while the camera moves; full quality when false.
  // At first: ray casting one ray per 3 x 3 pixels with samples 3 times as
  // far apart, the isosurface of the volume binned by 2.
  void set_interacting(bool interacting);
  // Reports that a frame drawn while moving took ms; the current mode's
  // detail follows (DetailGovernor): ray steps of 1, 1.5, 2, 3, 4, 6 or 8, the
  // isosurface of the volume binned by 1, 2 or 4. True when that changed.
  // Kept from one camera move to the next.
  bool interactive_frame(double ms);
  // The ray step (pixels per ray across, sample spacing factor along) and
  // the isosurface's binning (1, 2 or 4), while moving.
  double interactive_ray_step() const;
  int interactive_iso_binning() const;

  void reset_camera(ViewDirection direction = ViewDirection::oblique);

private:
  void show_density(DensityImage density, const Volume& volume);
  // Error unless the labels have the density's size.
  void check_label_size(std::int64_t nx, std::int64_t ny, std::int64_t nz) const;
  struct Impl;
  std::unique_ptr<Impl> d_;
};

} // namespace atelier::render

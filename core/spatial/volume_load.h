// Opening a volume for 3D viewing: which files are volumes, their shape from
// the header alone, and a load that refuses (or downsamples) what would not
// fit the memory limit, before anything large is allocated.
#pragma once

#include "core/base/dtype.h"
#include "core/base/error.h"
#include "core/data/volume.h"
#include "core/spatial/volume_axes.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace atelier {

struct VolumeShape {
  std::int64_t nx = 0, ny = 0, nz = 0, nt = 1; // along x, y, z as viewed
  AxisOrder axis_order; // how the file stores them (MRC axis order; NIfTI to LPS)
  DType dtype = DType::f32;
  std::string format;  // mrc, nifti, tiff
  bool scaled = false; // values have a scale (NIfTI scl_slope): never shown in place

  std::uint64_t bytes() const; // of the stored type, all volumes
  // What viewing it takes: the stored voxels, plus one float32 volume for
  // display when they are of another type (float32 is shown in place
  // unless scaled).
  std::uint64_t view_bytes() const;
};

// A volume whose voxels would exceed the memory limit.
class VolumeTooLargeError : public Error {
public:
  // can_downsample: whether a binned copy could be opened instead (MRC and
  // TIFF stacks, when some binning fits); the message says which.
  VolumeTooLargeError(const std::string& path, std::uint64_t bytes, std::uint64_t limit,
                      bool can_downsample, SourceLocation where = SourceLocation::current());
  std::uint64_t bytes() const noexcept { return bytes_; }
  std::uint64_t limit() const noexcept { return limit_; }
  bool can_downsample() const noexcept { return can_downsample_; }

private:
  std::uint64_t bytes_ = 0, limit_ = 0;
  bool can_downsample_ = false;
};

struct VolumeLoadOptions {
  std::uint64_t max_bytes = 0; // 0: default_volume_byte_limit()
  // When over the limit: bin by the smallest integer factor that fits
  // (mean of b x b x b voxels, float32, first volume of a series) instead of
  // refusing. MRC and TIFF stacks only (read a section at a time).
  bool downsample_to_fit = false;
};

// Half the physical memory, or ATELIER_MAX_VOLUME_BYTES when set (Error
// when that is not a positive whole number of bytes).
std::uint64_t default_volume_byte_limit();

// True for formats that hold volumes: MRC, NIfTI, TIFF (stacks).
bool is_volume_format(const std::string& format);

// The shape from the header (TIFF: the first page and the page count).
// Throws FormatError naming the file for anything else or unreadable.
VolumeShape probe_volume(const std::string& path);

// Loads the whole volume (all time points) in its stored type, x fastest
// (an MRC map stored in another axis order is put in x, y, z order a section
// at a time, with no second copy; a NIfTI volume with an orientation is
// put in its nearest LPS order (a right-handed frame: the 3D view is no
// mirror image; axial slices radiological), recorded in
// metadata stored_orientation and shown_orientation). Throws
// VolumeTooLargeError when it would exceed the limit and downsampling was
// not asked for (or is not possible for the format), FormatError when the
// file is not a readable volume.
Volume load_volume(const std::string& path, const VolumeLoadOptions& options = {});

// A label volume put in the order its volume is shown in: one with no
// orientation of its own (a TIFF stack, an MRC map, a NIfTI file without
// one) is taken to be stored as the volume was, and reordered the way the
// volume was (see load_volume). Anything else is returned as it is.
Volume labels_in_shown_order(Volume labels, const Volume& shown);

// The bin factor load_volume would use for shape under limit (1 if it fits).
std::int64_t downsample_factor(const VolumeShape& shape, std::uint64_t limit);

} // namespace atelier

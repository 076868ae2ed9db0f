// NIfTI-1/2 reader (.nii, .nii.gz), both endiannesses, 3D and 4D. Our own
// code with zlib: headers are fixed-size records, and owning the reads lets
// every size be checked against the file before anything is allocated.
#pragma once

#include "core/base/byte_order.h"
#include "core/base/dtype.h"
#include "core/data/volume.h"
#include "core/io/byte_source.h"
#include "core/io/file_info.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace atelier {

constexpr std::size_t kNifti1HeaderSize = 348;
constexpr std::size_t kNifti2HeaderSize = 540;

struct NiftiHeader {
  int version = 0; // 1 or 2
  Endian byte_order = Endian::little;
  std::array<std::int64_t, 8> dim{}; // dim[0] = number of dimensions
  int datatype = 0;                  // NIfTI datatype code
  DType dtype = DType::u8;
  std::array<double, 8> pixdim{};
  std::int64_t vox_offset = 0;
  double scl_slope = 0.0;
  double scl_inter = 0.0;
  int xyzt_units = 0;
  int qform_code = 0, sform_code = 0;
  std::array<double, 3> quatern{};             // b, c, d
  std::array<std::array<double, 4>, 3> srow{}; // srow_x, srow_y, srow_z

  // Where the voxel axes point in the scanner's RAS+ world (x right, y
  // anterior, z superior): column i is voxel axis i's direction, from the
  // sform when its code is set, else the qform (with pixdim[0]'s qfac);
  // nullopt when neither is set or the matrix is degenerate.
  std::optional<std::array<std::array<double, 3>, 3>> orientation() const;
  // scl_slope and scl_inter as a scale (the identity when slope is 0 or not
  // finite, as the standard says).
  ValueScale value_scale() const;

  std::int64_t ndim() const { return dim[0]; }
  // dim[1..4] with missing axes as 1.
  std::int64_t nx() const { return dim[1]; }
  std::int64_t ny() const { return dim[0] >= 2 ? dim[2] : 1; }
  std::int64_t nz() const { return dim[0] >= 3 ? dim[3] : 1; }
  std::int64_t nt() const { return dim[0] >= 4 ? dim[4] : 1; }
  // "m", "mm" or "um" from xyzt_units; "mm" when unset.
  std::string spatial_unit() const;
};

// Number of header bytes to read first (enough to tell the version): 4.
// Returns 348 or 540 from sizeof_hdr in either byte order, else throws.
std::size_t nifti_header_size(const std::string& name, const std::uint8_t* first4);

// Parses and validates a header of nifti_header_size() bytes. Rejects
// complex, RGB and 64-bit integer data, two-file (.hdr/.img) headers, more
// than four dimensions, and non-positive sizes, with a FormatError.
NiftiHeader parse_nifti_header(const std::string& name, const std::uint8_t* bytes,
                               std::size_t size);

// Reads a .nii or .nii.gz (gzip detected by its magic bytes): voxels in their
// stored type and native byte order, nt = dim[4]; spacing from pixdim[1..3].
Volume read_nifti(const std::string& path);
Volume read_nifti(const ByteSource& source);
// Reads the voxels a section at a time: section(k, bytes) gets section k
// (nx * ny voxels in native byte order, k = z + nz * t, in file order) and
// `out` only the spacing, value scale and metadata, so a caller can put the
// voxels in another order with no second copy. With no sink, `out` becomes
// the whole volume (read_nifti).
using NiftiSectionSink = std::function<void(std::int64_t k, const std::uint8_t* section)>;
void read_nifti_sections(const ByteSource& source, Volume& out, const NiftiSectionSink& section);
// The header only (decompressing just its bytes for .nii.gz).
NiftiHeader read_nifti_header(const ByteSource& source);

// Header facts plus statistics of the decoded data, for `atelier-cli info`.
// Throws FormatError naming the file and the reason.
FileInfo inspect_nifti(const std::string& path);

} // namespace atelier

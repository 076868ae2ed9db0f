// Volume loading with a memory limit: the shape comes from the header, the
// limit is checked before any voxel is allocated, and an oversized MRC or
// TIFF stack can be binned a section at a time instead.
#include "core/spatial/volume_load.h"

#include "core/base/system_memory.h"
#include "core/formats/mrc/mrc_file.h"
#include "core/formats/nifti/nifti_reader.h"
#include "core/formats/tiff/tiff_reader.h"
#include "core/io/file_inspect.h"
#include "core/spatial/volume_float.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace atelier {
namespace {

// "1.50 GiB", or MiB / KiB below a GiB / MiB (never "0.00 GiB").
std::string gib(std::uint64_t bytes) {
  char text[32];
  const double b = static_cast<double>(bytes);
  if (bytes >= (1ull << 30))
    std::snprintf(text, sizeof text, "%.2f GiB", b / (1ull << 30));
  else if (bytes >= (1ull << 20))
    std::snprintf(text, sizeof text, "%.1f MiB", b / (1ull << 20));
  else
    std::snprintf(text, sizeof text, "%.1f KiB", b / 1024.0);
  return text;
}

// Calls section(z, image) for every z-section of the first volume, reading
// one section at a time.
using SectionVisitor = std::function<void(std::int64_t z, const Image& section)>;
void visit_sections(const std::string& path, const VolumeShape& shape,
                    const SectionVisitor& section) {
  if (shape.format == "mrc") {
    const MrcFile mrc(path);
    for (std::int64_t z = 0; z < shape.nz; ++z)
      section(z, mrc.read_frame(z));
  } else if (shape.format == "tiff") {
    visit_tiff_stack(path, [&](int page, const Image& image) { section(page, image); });
  } else {
    throw FormatError(path, "cannot be read a section at a time");
  }
}

// An MRC map in x, y, z order, whatever its mapc, mapr, maps.
Volume read_mrc_xyz(const std::string& path) {
  const MrcFile mrc(path);
  const AxisOrder order = mrc_axis_order(mrc.header().map_crs);
  if (order.identity()) return mrc.read_volume();
  const std::int64_t depth = mrc.volume_depth();
  const std::array<std::int64_t, 3> file_extent{mrc.width(), mrc.height(), depth};
  const std::array<std::int64_t, 3> n = xyz_extent(order, file_extent);
  Volume out(n[0], n[1], n[2], mrc.dtype(), mrc.volume_count());
  const std::size_t elem = dtype_size(mrc.dtype());
  const std::size_t volume_bytes = out.byte_size() / static_cast<std::size_t>(out.nt());
  std::vector<std::uint8_t> section(mrc.frame_bytes());
  for (std::int64_t z = 0; z < mrc.frame_count(); ++z) {
    mrc.read_frame_into(z, section.data());
    place_section(order, file_extent, z % depth, section.data(), elem,
                  out.bytes() + static_cast<std::size_t>(z / depth) * volume_bytes);
  }
  out.spacing = mrc.spacing(); // cella / (mx, my, mz): already per x, y, z
  out.metadata = mrc.metadata();
  return out;
}

// NIfTI volumes are shown in their nearest LPS order: x toward the
// patient's left, y posterior, z superior. A right-handed frame like the
// scanner's, so the 3D view is never a mirror image (volumes stored LAS, as
// many are, were); axial slices (XY, drawn x right and y down) show the
// patient's right on the left and anterior up, the radiological convention.
constexpr std::array<int, 3> kShownNifti{-1, -1, 1}; // L, P, S of RAS

// The stored order when the header has no orientation.
AxisOrder nifti_axis_order(const NiftiHeader& h) {
  const auto direction = h.orientation();
  return direction ? nearest_axis_order(*direction, kShownNifti) : AxisOrder{};
}

// "LAS": the world direction (RAS+) each voxel axis increases toward, as
// stored or as shown.
std::string orientation_code(const AxisOrder& order, bool shown) {
  static const char kTo[3][2] = {{'L', 'R'}, {'P', 'A'}, {'I', 'S'}};
  std::string code(3, '?');
  for (std::size_t i = 0; i < 3; ++i) {
    const auto world = static_cast<std::size_t>(order.axis_of_file[i]);
    const bool shown_positive = kShownNifti[world] > 0;
    if (shown)
      code[world] = kTo[world][shown_positive ? 1 : 0];
    else // stored axis i runs against the shown direction when reversed
      code[i] = kTo[world][order.reversed[i] != shown_positive ? 1 : 0];
  }
  return code;
}

void note_orientation(Volume& v, const AxisOrder& order) {
  v.metadata.set("stored_orientation", orientation_code(order, false));
  v.metadata.set("shown_orientation", orientation_code(order, true));
}

// The order that took a volume stored as stored (an orientation code such
// as "LAS") to shown: file axis i runs along the shown axis on the same world
// axis, reversed where the two letters differ. Identity for codes that do
// not pair up.
AxisOrder axis_order_between(const std::string& stored, const std::string& shown) {
  static const std::string kPairs[3] = {"LR", "PA", "IS"};
  const auto world = [](char c) {
    for (int w = 0; w < 3; ++w)
      if (kPairs[w].find(c) != std::string::npos) return w;
    return -1;
  };
  if (stored.size() != 3 || shown.size() != 3) return {};
  AxisOrder order;
  std::array<bool, 3> taken{};
  for (std::size_t i = 0; i < 3; ++i) {
    const int w = world(stored[i]);
    std::size_t j = 0;
    while (j < 3 && world(shown[j]) != w)
      ++j;
    if (w < 0 || j == 3 || taken[j]) return {};
    taken[j] = true;
    order.axis_of_file[i] = static_cast<int>(j);
    order.reversed[i] = stored[i] != shown[j];
  }
  return order;
}

// A NIfTI volume in LPS order, its voxel sizes following its axes: each
// section is put in place as it is read, with no second copy.
Volume read_nifti_shown(const std::string& path, const AxisOrder& order) {
  const FileSource file(path);
  const NiftiHeader h = read_nifti_header(file);
  if (order.identity()) { // stored in LPS order, or with no orientation
    Volume out = read_nifti(file);
    if (h.orientation()) note_orientation(out, order);
    return out;
  }
  const std::array<std::int64_t, 3> file_extent{h.nx(), h.ny(), h.nz()};
  const std::array<std::int64_t, 3> n = xyz_extent(order, file_extent);
  Volume out(n[0], n[1], n[2], h.dtype, h.nt());
  const std::size_t elem = dtype_size(h.dtype);
  const std::size_t volume_bytes = out.byte_size() / static_cast<std::size_t>(out.nt());
  read_nifti_sections(file, out, [&](std::int64_t k, const std::uint8_t* section) {
    place_section(order, file_extent, k % h.nz(), section, elem,
                  out.bytes() + static_cast<std::size_t>(k / h.nz()) * volume_bytes);
  });
  const Spacing stored = out.spacing; // per voxel axis as stored
  for (std::size_t i = 0; i < 3; ++i)
    out.spacing.xyz[static_cast<std::size_t>(order.axis_of_file[i])] = stored.xyz[i];
  note_orientation(out, order);
  return out;
}

// Bins the first volume by b, reading the file a section at a time in its
// own axis order, then puts the (small) result in x, y, z order.
Volume load_binned(const std::string& path, const VolumeShape& xyz_shape, std::int64_t b) {
  VolumeShape shape = xyz_shape; // in the file's order from here on
  const auto& file_axis = shape.axis_order.axis_of_file;
  const std::array<std::int64_t, 3> n{xyz_shape.nx, xyz_shape.ny, xyz_shape.nz};
  shape.nx = n[static_cast<std::size_t>(file_axis[0])];
  shape.ny = n[static_cast<std::size_t>(file_axis[1])];
  shape.nz = n[static_cast<std::size_t>(file_axis[2])];
  const std::int64_t bx = shape.nx / b, by = shape.ny / b, bz = shape.nz / b;
  if (bx < 1 || by < 1 || bz < 1)
    throw FormatError(path, "too small to bin by " + std::to_string(b));
  Volume out(bx, by, bz, DType::f32);
  auto dst = out.values<float>();
  std::vector<float> plane(static_cast<std::size_t>(shape.nx * shape.ny));
  const float scale = 1.0f / static_cast<float>(b * b * b);
  Spacing spacing;                    // the sections carry the file's sampling
  double count = 0, mean = 0, m2 = 0; // of every finite voxel, merged per section
  visit_sections(path, shape, [&](std::int64_t z, const Image& section) {
    if (z == 0) spacing = section.spacing;
    const VolumeStats s =
        widen_to_float(section.bytes(), section.dtype(), plane.size(), plane.data());
    if (s.finite > 0) {
      const double k = static_cast<double>(s.finite), delta = s.mean - mean;
      m2 += s.stddev * s.stddev * k + delta * delta * count * k / (count + k);
      mean += delta * k / (count + k);
      count += k;
    }
    const std::int64_t oz = z / b;
    if (oz >= bz) return;
    float* o = dst.data() + static_cast<std::size_t>(oz * bx * by);
    for (std::int64_t y = 0; y < by * b; ++y) {
      const float* row = plane.data() + static_cast<std::size_t>(y * shape.nx);
      float* orow = o + static_cast<std::size_t>((y / b) * bx);
      for (std::int64_t x = 0; x < bx * b; ++x)
        orow[x / b] += row[x] * scale;
    }
  });
  for (double& s : spacing.xyz)
    s *= static_cast<double>(b);
  out.spacing = spacing;
  out.metadata.set("downsampled_by", std::to_string(b));
  if (count > 0) out.full_resolution = SourceMoments{mean, std::sqrt(m2 / count)};
  if (!shape.axis_order.identity()) return to_xyz_order(out, shape.axis_order);
  return out;
}

} // namespace

std::uint64_t VolumeShape::view_bytes() const {
  if (dtype == DType::f32 && !scaled) return bytes();
  return bytes() + static_cast<std::uint64_t>(nx) * static_cast<std::uint64_t>(ny) *
                       static_cast<std::uint64_t>(nz) * sizeof(float);
}

std::uint64_t VolumeShape::bytes() const {
  return static_cast<std::uint64_t>(nx) * static_cast<std::uint64_t>(ny) *
         static_cast<std::uint64_t>(nz) * static_cast<std::uint64_t>(nt) * dtype_size(dtype);
}

VolumeTooLargeError::VolumeTooLargeError(const std::string& path, std::uint64_t bytes,
                                         std::uint64_t limit, bool can_downsample,
                                         SourceLocation where)
    : Error(path + ": viewing the volume needs " + gib(bytes) + ", over the " + gib(limit) +
                " limit for volumes (half the memory, or ATELIER_MAX_VOLUME_BYTES); " +
                (can_downsample ? "open it downsampled"
                                : "it cannot be opened downsampled either (only MRC and TIFF "
                                  "stacks that fit when binned can)"),
            where),
      bytes_(bytes), limit_(limit), can_downsample_(can_downsample) {}

std::uint64_t default_volume_byte_limit() {
  if (const char* env = std::getenv("ATELIER_MAX_VOLUME_BYTES"); env && *env) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(env, &end, 10);
    // A setting that does not read is an error, not the default in disguise.
    if (errno != 0 || !end || *end != '\0' || v == 0 || *env == '-')
      throw Error(std::string("ATELIER_MAX_VOLUME_BYTES='") + env +
                  "' is not a positive number of bytes");
    return v;
  }
  const std::optional<std::uint64_t> physical = physical_memory_bytes();
  return physical ? *physical / 2 : 4ull << 30;
}

bool is_volume_format(const std::string& format) {
  return format == "mrc" || format == "nifti" || format == "tiff";
}

VolumeShape probe_volume(const std::string& path) {
  VolumeShape shape;
  shape.format = detect_format(path);
  if (shape.format == "mrc") {
    const MrcFile mrc(path);
    shape.axis_order = mrc_axis_order(mrc.header().map_crs);
    const std::array<std::int64_t, 3> n =
        xyz_extent(shape.axis_order, {mrc.width(), mrc.height(), mrc.volume_depth()});
    shape.nx = n[0];
    shape.ny = n[1];
    shape.nz = n[2];
    shape.nt = mrc.volume_count();
    shape.dtype = mrc.dtype();
  } else if (shape.format == "nifti") {
    const NiftiHeader h = read_nifti_header(FileSource(path));
    shape.axis_order = nifti_axis_order(h);
    const std::array<std::int64_t, 3> n = xyz_extent(shape.axis_order, {h.nx(), h.ny(), h.nz()});
    shape.nx = n[0];
    shape.ny = n[1];
    shape.nz = n[2];
    shape.nt = h.nt();
    shape.dtype = h.dtype;
    shape.scaled = !h.value_scale().identity();
  } else if (shape.format == "tiff") {
    const TiffStackInfo info = read_tiff_stack_info(path);
    shape.nx = info.width;
    shape.ny = info.height;
    shape.nz = info.pages;
    shape.dtype = info.dtype;
  } else {
    throw FormatError(path, "a " + shape.format +
                                " file is not a volume (3D views open MRC, NIfTI and TIFF stacks)");
  }
  return shape;
}

std::int64_t downsample_factor(const VolumeShape& shape, std::uint64_t limit) {
  if (shape.view_bytes() <= limit) return 1;
  for (std::int64_t b = 2; b <= 64; ++b) {
    if (shape.nx / b < 1 || shape.ny / b < 1 || shape.nz / b < 1) break; // nothing left
    const std::uint64_t binned = static_cast<std::uint64_t>(shape.nx / b) *
                                 static_cast<std::uint64_t>(shape.ny / b) *
                                 static_cast<std::uint64_t>(shape.nz / b) * sizeof(float);
    if (binned <= limit) return b;
  }
  return 0; // nothing sensible fits
}

Volume load_volume(const std::string& path, const VolumeLoadOptions& options) {
  const VolumeShape shape = probe_volume(path);
  const std::uint64_t limit = options.max_bytes ? options.max_bytes : default_volume_byte_limit();
  if (shape.view_bytes() <= limit) {
    if (shape.format == "mrc") return read_mrc_xyz(path);
    if (shape.format == "nifti") return read_nifti_shown(path, shape.axis_order);
    return read_tiff_stack(path);
  }
  const std::int64_t b = downsample_factor(shape, limit);
  const bool can_downsample = b > 0 && shape.format != "nifti";
  if (!options.downsample_to_fit || !can_downsample)
    throw VolumeTooLargeError(path, shape.view_bytes(), limit, can_downsample);
  return load_binned(path, shape, b);
}

Volume labels_in_shown_order(Volume labels, const Volume& shown) {
  const std::string* stored = shown.metadata.find("stored_orientation");
  const std::string* shown_code = shown.metadata.find("shown_orientation");
  if (!stored || !shown_code || labels.metadata.find("shown_orientation")) return labels;
  const AxisOrder order = axis_order_between(*stored, *shown_code);
  if (order.identity()) return labels;
  Volume out = to_xyz_order(labels, order);
  for (std::size_t i = 0; i < 3; ++i) // voxel sizes follow their axes
    out.spacing.xyz[static_cast<std::size_t>(order.axis_of_file[i])] = labels.spacing.xyz[i];
  note_orientation(out, order);
  return out;
}

} // namespace atelier

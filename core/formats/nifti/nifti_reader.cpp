// Reading NIfTI voxel data from plain or gzip-compressed files. Compressed
// data is inflated as a stream straight into the volume, never more than the
// header's data size, and that size is checked against the most deflate
// could expand the file to before it is allocated.
#include "core/formats/nifti/nifti_reader.h"

#include "core/base/error.h"
#include "core/data/image.h"
#include "core/data/stats.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

namespace atelier {
namespace {

// Deflate's maximum expansion is 1032:1.
constexpr std::uint64_t kMaxInflateRatio = 1032;
constexpr std::uint64_t kInflateAllowance = 1ull << 16;

bool is_gzip(const ByteSource& src) {
  if (src.size() < 2) return false;
  std::uint8_t m[2];
  src.read_at(0, m, 2);
  return m[0] == 0x1f && m[1] == 0x8b;
}

// Sequential reads of a gzip stream (multi-member allowed) from a ByteSource.
class Inflater {
public:
  explicit Inflater(const ByteSource& src) : src_(src), in_(1 << 16) {
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) src.fail("cannot initialise zlib");
  }
  ~Inflater() { inflateEnd(&zs_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // Exactly n bytes, or FormatError("truncated ...").
  void read(void* dst, std::size_t n) {
    auto* out = static_cast<std::uint8_t*>(dst);
    while (n > 0) {
      const auto chunk = static_cast<uInt>(std::min<std::size_t>(n, 1u << 30));
      zs_.next_out = out;
      zs_.avail_out = chunk;
      while (zs_.avail_out > 0) {
        if (ended_) src_.fail("truncated: gzip stream ends before the voxel data does");
        if (zs_.avail_in == 0) refill();
        const int ret = inflate(&zs_, Z_NO_FLUSH);
        if (ret == Z_STREAM_END) {
          if (zs_.avail_in > 0 || in_offset_ < src_.size())
            inflateReset(&zs_); // next member
          else
            ended_ = true; // fine if this read is complete
        } else if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT) {
          src_.fail("corrupt gzip stream" +
                    std::string(zs_.msg ? std::string(": ") + zs_.msg : std::string()));
        } else if (ret == Z_MEM_ERROR) {
          src_.fail("zlib ran out of memory");
        } else if (ret == Z_BUF_ERROR && zs_.avail_in != 0) {
          src_.fail("corrupt gzip stream");
        }
      }
      out += chunk;
      n -= chunk;
    }
  }

  void skip(std::uint64_t n) {
    std::uint8_t scratch[4096];
    while (n > 0) {
      const auto k = static_cast<std::size_t>(std::min<std::uint64_t>(n, sizeof scratch));
      read(scratch, k);
      n -= k;
    }
  }

private:
  void refill() {
    if (in_offset_ >= src_.size()) src_.fail("truncated gzip stream");
    const auto k =
        static_cast<std::size_t>(std::min<std::uint64_t>(in_.size(), src_.size() - in_offset_));
    src_.read_at(in_offset_, in_.data(), k);
    in_offset_ += k;
    zs_.next_in = in_.data();
    zs_.avail_in = static_cast<uInt>(k);
  }

  const ByteSource& src_;
  std::vector<std::uint8_t> in_;
  std::uint64_t in_offset_ = 0;
  z_stream zs_{};
  bool ended_ = false;
};

std::size_t data_bytes(const ByteSource& src, const NiftiHeader& h) {
  try {
    return checked_byte_count({h.nx(), h.ny(), h.nz(), h.nt()}, h.dtype);
  } catch (const Error&) {
    src.fail("data size overflows");
  }
}

NiftiHeader header_from(const ByteSource& src, Inflater* z) {
  std::uint8_t buf[kNifti2HeaderSize];
  if (z)
    z->read(buf, 4);
  else
    src.read_at(0, buf, 4);
  const std::size_t hsize = nifti_header_size(src.name(), buf);
  if (z)
    z->read(buf + 4, hsize - 4);
  else
    src.read_at(4, buf + 4, hsize - 4);
  return parse_nifti_header(src.name(), buf, hsize);
}

} // namespace

NiftiHeader read_nifti_header(const ByteSource& source) {
  if (is_gzip(source)) {
    Inflater z(source);
    return header_from(source, &z);
  }
  return header_from(source, nullptr);
}

void read_nifti_sections(const ByteSource& src, Volume& out, const NiftiSectionSink& section) {
  const bool gz = is_gzip(src);
  std::unique_ptr<Inflater> z;
  if (gz) z = std::make_unique<Inflater>(src);
  const NiftiHeader h = header_from(src, z.get());
  const std::size_t bytes = data_bytes(src, h);
  const auto offset = static_cast<std::uint64_t>(h.vox_offset);
  const std::size_t hsize = h.version == 1 ? kNifti1HeaderSize : kNifti2HeaderSize;

  if (gz) {
    if (bytes > src.size() * kMaxInflateRatio + kInflateAllowance ||
        offset > src.size() * kMaxInflateRatio + kInflateAllowance)
      src.fail("header describes " + std::to_string(bytes) +
               " bytes of voxels, more than a gzip file of " + std::to_string(src.size()) +
               " bytes can hold");
  } else if (offset > src.size() || bytes > src.size() - offset) {
    src.fail("truncated: voxel data needs " + std::to_string(bytes) + " bytes at offset " +
             std::to_string(offset) + ", file has " + std::to_string(src.size()));
  }

  if (!section) out = Volume(h.nx(), h.ny(), h.nz(), h.dtype, h.nt());
  const std::size_t elem = dtype_size(h.dtype);
  const bool swap = h.byte_order != native_endian() && elem > 1;
  if (!section) { // the whole volume in one read
    if (gz) {
      z->skip(offset - hsize);
      z->read(out.bytes(), bytes);
    } else {
      src.read_at(offset, out.bytes(), bytes);
    }
    if (swap) byte_swap_inplace(out.bytes(), elem, out.voxel_count());
  } else { // a section at a time, in file order
    const std::size_t section_bytes = static_cast<std::size_t>(h.nx() * h.ny()) * elem;
    std::vector<std::uint8_t> buffer(section_bytes);
    if (gz) z->skip(offset - hsize);
    const std::int64_t sections = h.nz() * h.nt();
    for (std::int64_t k = 0; k < sections; ++k) {
      if (gz)
        z->read(buffer.data(), section_bytes);
      else
        src.read_at(offset + static_cast<std::uint64_t>(k) * section_bytes, buffer.data(),
                    section_bytes);
      if (swap) byte_swap_inplace(buffer.data(), elem, section_bytes / elem);
      section(k, buffer.data());
    }
  }

  for (int i = 0; i < 3; ++i) {
    const double d = std::fabs(h.pixdim[i + 1]);
    out.spacing.xyz[i] = std::isfinite(d) ? d : 0.0;
  }
  out.spacing.unit = h.spatial_unit();
  out.spacing.source = PixelSizeSource::header;

  out.metadata.set("nifti_version", std::to_string(h.version));
  out.metadata.set("endianness", h.byte_order == Endian::little ? "little" : "big");
  out.metadata.set("datatype", std::to_string(h.datatype));
  if (std::isfinite(h.scl_slope) && h.scl_slope != 0.0) {
    out.value_scale = h.value_scale();
    out.metadata.set("scl_slope", std::to_string(out.value_scale.slope));
    out.metadata.set("scl_inter", std::to_string(out.value_scale.offset));
  }
  if (h.nt() > 1 && std::isfinite(h.pixdim[4]) && h.pixdim[4] > 0)
    out.metadata.set("pixdim_t", std::to_string(h.pixdim[4]));
}

Volume read_nifti(const ByteSource& src) {
  Volume vol;
  read_nifti_sections(src, vol, nullptr);
  return vol;
}

Volume read_nifti(const std::string& path) {
  const FileSource file(path);
  return read_nifti(file);
}

FileInfo inspect_nifti(const std::string& path) {
  const FileSource file(path);
  const NiftiHeader h = read_nifti_header(file);
  const Volume vol = read_nifti(file);
  FileInfo info;
  for (std::int64_t i = 1; i <= h.ndim(); ++i)
    info.dims.push_back(h.dim[i]);
  info.dtype = h.dtype;
  info.spacing = vol.spacing;
  RunningStats stats;
  stats.add(vol.bytes(), vol.dtype(), vol.voxel_count());
  info.stats = stats;
  info.set_extra("nifti_version", std::int64_t{h.version});
  info.set_extra("endianness", std::string(h.byte_order == Endian::little ? "little" : "big"));
  if (std::isfinite(h.scl_slope) && h.scl_slope != 0.0) {
    info.set_extra("scl_slope", h.scl_slope);
    info.set_extra("scl_inter", std::isfinite(h.scl_inter) ? h.scl_inter : 0.0);
  }
  return info;
}

} // namespace atelier

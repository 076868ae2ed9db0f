// Header validation happens once, in the constructor, against the file size,
// before anything is allocated; reads after that trust the checked sizes.
#include "core/formats/mrc/mrc_file.h"

#include "core/io/file_mapping.h"

#include "core/base/error.h"

#include <cmath>
#include <sstream>
#include <vector>

namespace atelier {
namespace {

std::string join3(const auto& a) {
  std::ostringstream s;
  s << a[0] << ' ' << a[1] << ' ' << a[2];
  return s.str();
}

// Mode 101 rows hold (nx + 1) / 2 bytes: pixel 2i in the low nibble of byte i.
void unpack_4bit(const std::uint8_t* in, std::uint8_t* out, std::int64_t nx, std::int64_t rows) {
  const std::size_t row_in = static_cast<std::size_t>((nx + 1) / 2);
  const std::size_t width = static_cast<std::size_t>(nx);
  for (std::int64_t y = 0; y < rows; ++y) {
    const std::uint8_t* src = in + static_cast<std::size_t>(y) * row_in;
    std::uint8_t* dst = out + static_cast<std::size_t>(y) * width;
    for (std::size_t x = 0; x + 1 < width; x += 2) {
      dst[x] = src[x / 2] & 0x0f;
      dst[x + 1] = static_cast<std::uint8_t>(src[x / 2] >> 4);
    }
    if (width % 2) dst[width - 1] = src[width / 2] & 0x0f;
  }
}

} // namespace

MrcFile::MrcFile(const std::string& path) : MrcFile(open_file_source(path)) {}

MrcFile::MrcFile(std::unique_ptr<ByteSource> source) : source_(std::move(source)) {
  if (source_->size() < kMrcHeaderBytes)
    source_->fail("truncated: file has " + std::to_string(source_->size()) +
                  " bytes, less than the 1024-byte MRC header");
  std::uint8_t raw[kMrcHeaderBytes];
  source_->read_at(0, raw, kMrcHeaderBytes);
  header_ = decode_mrc_header(raw, source_->size());
  validate();
}

void MrcFile::validate() {
  const MrcHeader& h = header_;
  if (h.nx <= 0 || h.ny <= 0 || h.nz <= 0)
    source_->fail("invalid dimensions nx=" + std::to_string(h.nx) + " ny=" + std::to_string(h.ny) +
                  " nz=" + std::to_string(h.nz) + " (must be positive)");
  const auto dtype = mrc_mode_dtype(h.mode);
  if (!dtype) source_->fail("unsupported MRC mode " + std::to_string(h.mode));
  dtype_ = *dtype;
  if (h.nsymbt < 0)
    source_->fail("negative extended header size nsymbt=" + std::to_string(h.nsymbt));
  const std::uint64_t file_size = source_->size();
  if (static_cast<std::uint64_t>(h.nsymbt) > file_size - kMrcHeaderBytes)
    source_->fail("extended header of " + std::to_string(h.nsymbt) +
                  " bytes (nsymbt) runs past the end of the file (" + std::to_string(file_size) +
                  " bytes)");

  std::size_t data_bytes = 0;
  try {
    frame_bytes_ = checked_byte_count({h.nx, h.ny}, dtype_);
    if (h.mode == static_cast<std::int32_t>(MrcMode::packed4)) {
      stored_frame_bytes_ = checked_byte_count({(std::int64_t{h.nx} + 1) / 2, h.ny}, DType::u8);
      // The decoded volume must be addressable too, not just the packed one.
      (void)checked_byte_count({h.nx, h.ny, h.nz}, dtype_);
    } else {
      stored_frame_bytes_ = frame_bytes_;
    }
    data_bytes =
        checked_byte_count({static_cast<std::int64_t>(stored_frame_bytes_), h.nz}, DType::u8);
  } catch (const FormatError&) {
    throw;
  } catch (const Error& e) {
    source_->fail("dimensions overflow: nx=" + std::to_string(h.nx) +
                  " ny=" + std::to_string(h.ny) + " nz=" + std::to_string(h.nz) + " mode " +
                  std::to_string(h.mode) + " (" + e.message() + ")");
  }
  const std::uint64_t available = file_size - data_offset();
  if (data_bytes > available)
    source_->fail("truncated: header describes " + std::to_string(data_bytes) +
                  " bytes of data but the file has " + std::to_string(available));

  // Voxel size: cella / m per axis; x decides whether the size is known at all.
  for (std::size_t i = 0; i < 3; ++i) {
    const double cell = h.cella[i];
    const double samples = h.m[i];
    if (std::isfinite(cell) && cell > 0 && samples > 0) spacing_.xyz[i] = cell / samples;
  }
  if (spacing_.known()) {
    spacing_.unit = "A";
    spacing_.source = PixelSizeSource::header;
  } else {
    spacing_ = Spacing{};
  }
}

Metadata MrcFile::metadata() const {
  const MrcHeader& h = header_;
  Metadata md;
  md.set("mrc_mode", std::to_string(h.mode));
  md.set("byte_order", h.byte_order == Endian::little ? "little" : "big");
  md.set("ispg", std::to_string(h.ispg));
  md.set("nsymbt", std::to_string(h.nsymbt));
  if (const std::string ext = h.exttyp(); !ext.empty()) md.set("exttyp", ext);
  if (h.nversion() != 0) md.set("nversion", std::to_string(h.nversion()));
  md.set("nstart", join3(h.nstart));
  md.set("sampling", join3(h.m));
  md.set("cell_A", join3(h.cella));
  md.set("cell_angles_deg", join3(h.cellb));
  md.set("axis_order", join3(h.map_crs));
  md.set("origin_A", join3(h.origin));
  md.set("header_dmin", std::to_string(h.dmin));
  md.set("header_dmax", std::to_string(h.dmax));
  md.set("header_dmean", std::to_string(h.dmean));
  md.set("header_rms", std::to_string(h.rms));
  const int labels = std::min(std::max(h.nlabl, 0), 10);
  for (int i = 0; i < labels; ++i)
    md.set("label_" + std::to_string(i + 1), h.label(i));
  return md;
}

void MrcFile::decode_into(const std::uint8_t* stored, std::size_t frames, void* dst) const {
  if (header_.mode == static_cast<std::int32_t>(MrcMode::packed4)) {
    unpack_4bit(stored, static_cast<std::uint8_t*>(dst), header_.nx,
                std::int64_t{header_.ny} * static_cast<std::int64_t>(frames));
  }
}

Image MrcFile::mapped_frame(std::int64_t z) const {
  // Frames stored as they are held (not packed, native byte order) and
  // large enough for a mapping to beat a copy are read in place.
  constexpr std::size_t kMinMappedBytes = std::size_t{1} << 20;
  if (z < 0 || z >= header_.nz || frame_bytes_ < kMinMappedBytes ||
      header_.mode == static_cast<std::int32_t>(MrcMode::packed4) ||
      (header_.byte_order != native_endian() && dtype_size(dtype_) > 1))
    return {};
  const std::uint64_t offset = data_offset() + static_cast<std::uint64_t>(z) * stored_frame_bytes_;
  source_->check_range(offset, frame_bytes_);
  auto mapping = source_->map(offset, frame_bytes_);
  if (!mapping || reinterpret_cast<std::uintptr_t>(mapping->data()) % dtype_size(dtype_) != 0)
    return {};
  const std::uint8_t* data = mapping->data();
  return Image::borrowing(header_.nx, header_.ny, 1, dtype_, data, std::move(mapping));
}

void MrcFile::read_frame_into(std::int64_t z, void* dst) const {
  if (z < 0 || z >= header_.nz)
    throw Error("MRC frame " + std::to_string(z) + " out of range [0, " +
                std::to_string(header_.nz) + ") in " + name());
  const std::uint64_t offset = data_offset() + static_cast<std::uint64_t>(z) * stored_frame_bytes_;
  if (header_.mode == static_cast<std::int32_t>(MrcMode::packed4)) {
    std::vector<std::uint8_t> packed(stored_frame_bytes_);
    source_->read_at(offset, packed.data(), packed.size());
    decode_into(packed.data(), 1, dst);
    return;
  }
  source_->read_at(offset, dst, frame_bytes_);
  const std::size_t elem = dtype_size(dtype_);
  if (header_.byte_order != native_endian() && elem > 1)
    byte_swap_inplace(dst, elem, frame_bytes_ / elem);
}

Image MrcFile::read_frame(std::int64_t z) const {
  Image image(header_.nx, header_.ny, 1, dtype_, Image::uninitialized);
  read_frame_into(z, image.bytes());
  image.spacing = spacing_;
  image.metadata = metadata();
  image.metadata.set("frame", std::to_string(z));
  return image;
}

Image MrcFile::read_frame_in_place(std::int64_t z) const {
  Image image = mapped_frame(z);
  if (image.byte_size() == 0) return read_frame(z);
  image.spacing = spacing_;
  image.metadata = metadata();
  image.metadata.set("frame", std::to_string(z));
  return image;
}

std::int64_t MrcFile::volume_depth() const {
  const MrcHeader& h = header_;
  if (h.ispg >= 401 && h.ispg <= 630 && h.m[2] > 0 && h.m[2] < h.nz && h.nz % h.m[2] == 0)
    return h.m[2];
  return h.nz;
}

Volume MrcFile::read_volume() const {
  const MrcHeader& h = header_;
  Volume volume(h.nx, h.ny, volume_depth(), dtype_, volume_count());
  if (h.mode == static_cast<std::int32_t>(MrcMode::packed4)) {
    // Unpack a bounded run of frames at a time: never a second full-size copy.
    const std::size_t batch =
        std::max<std::size_t>(1, (std::size_t{8} << 20) / stored_frame_bytes_);
    std::vector<std::uint8_t> packed;
    for (std::int64_t z = 0; z < h.nz; z += static_cast<std::int64_t>(batch)) {
      const std::size_t n = static_cast<std::size_t>(
          std::min<std::int64_t>(static_cast<std::int64_t>(batch), h.nz - z));
      packed.resize(n * stored_frame_bytes_);
      source_->read_at(data_offset() + static_cast<std::uint64_t>(z) * stored_frame_bytes_,
                       packed.data(), packed.size());
      decode_into(packed.data(), n, volume.bytes() + static_cast<std::size_t>(z) * frame_bytes_);
    }
  } else {
    source_->read_at(data_offset(), volume.bytes(), volume.byte_size());
    const std::size_t elem = dtype_size(dtype_);
    if (h.byte_order != native_endian() && elem > 1)
      byte_swap_inplace(volume.bytes(), elem, volume.byte_size() / elem);
  }
  volume.spacing = spacing_;
  volume.metadata = metadata();
  return volume;
}

} // namespace atelier

// MrcFile: lazy access to an MRC / MRCS file. Opening parses and validates the
// header against the file size; frames (z-sections) are then read one at a
// time with pread, so reading frame k of a large stack touches only its bytes.
#pragma once

#include "core/data/image.h"
#include "core/data/image_stack.h"
#include "core/data/metadata.h"
#include "core/data/pixel_size.h"
#include "core/data/volume.h"
#include "core/formats/mrc/mrc_header.h"
#include "core/io/byte_source.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace atelier {

class MrcFile final : public ImageStack {
public:
  // Throws FormatError naming the file and the reason for anything invalid:
  // a short header, non-positive or overflowing dimensions, unsupported modes,
  // a negative or oversized extended header, data past the end of the file.
  explicit MrcFile(const std::string& path);
  explicit MrcFile(std::unique_ptr<ByteSource> source);

  const std::string& name() const { return source_->name(); }
  const MrcHeader& header() const { return header_; }
  std::int64_t width() const override { return header_.nx; }
  std::int64_t height() const override { return header_.ny; }
  std::int64_t frame_count() const override { return header_.nz; } // z-sections (images of a stack)
  std::int32_t mode() const { return header_.mode; }
  // Decoded element type: int8, int16, float32, uint16, float16, or uint8 (mode 101).
  DType dtype() const override { return dtype_; }
  // Voxel size in Å per axis = cella / (mx, my, mz); unknown (all 0) when
  // cella x or mx is 0. An axis whose own cell or sampling is 0 stays 0.
  const Spacing& spacing() const { return spacing_; }
  Spacing frame_spacing() const override { return spacing_; }
  // Header facts as text: mode, ispg, origin, exttyp, nversion, labels ...
  Metadata metadata() const;

  std::uint64_t data_offset() const { return kMrcHeaderBytes + std::uint64_t(header_.nsymbt); }
  std::size_t stored_frame_bytes() const { return stored_frame_bytes_; }
  std::size_t frame_bytes() const { return frame_bytes_; } // decoded, native order

  // Frame z (0 <= z < frame_count()) as a width x height x 1 image.
  Image read_frame(std::int64_t z) const override;
  // The same, read in place from a file mapping when the frame is large and
  // stored as held (see Image::borrowing and FileMapping): no copy out of
  // the page cache. Pixels of a file cut short meanwhile read as zeros, so
  // the caller checks Image::intact() after its last use of them.
  Image read_frame_in_place(std::int64_t z) const;
  // Decodes frame z into dst, which must hold frame_bytes().
  void read_frame_into(std::int64_t z, void* dst) const;
  // All frames. A volume stack (ispg 401, nz a multiple of mz) comes back as
  // nx x ny x mz x (nz / mz); everything else as nx x ny x nz.
  Volume read_volume() const;
  // The shape read_volume() gives: sections per volume and number of volumes.
  std::int64_t volume_depth() const;
  std::int64_t volume_count() const { return header_.nz / volume_depth(); }

private:
  void validate();
  // Frame z borrowed from a file mapping, or an empty image when it cannot
  // be (small, packed, byte-swapped, not a file, unaligned).
  Image mapped_frame(std::int64_t z) const;
  void decode_into(const std::uint8_t* stored, std::size_t frames, void* dst) const;

  std::unique_ptr<ByteSource> source_;
  MrcHeader header_;
  DType dtype_ = DType::f32;
  Spacing spacing_;
  std::size_t stored_frame_bytes_ = 0;
  std::size_t frame_bytes_ = 0;
};

} // namespace atelier

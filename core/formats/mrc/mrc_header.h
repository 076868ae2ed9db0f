// The 1024-byte MRC2014 header: its fields, the byte order it was written in,
// the element type of each supported mode, and conversion to and from bytes.
#pragma once

#include "core/base/byte_order.h"
#include "core/base/dtype.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace atelier {

inline constexpr std::size_t kMrcHeaderBytes = 1024;

// Modes Atelier reads and writes. 0 is signed per MRC2014; 101 packs two
// 4-bit pixels per byte, low nibble first, each row padded to a whole byte.
enum class MrcMode : std::int32_t {
  int8 = 0,
  int16 = 1,
  float32 = 2,
  uint16 = 6,
  float16 = 12,
  packed4 = 101,
};

// The decoded element type of a mode (mode 101 decodes to uint8 values 0..15);
// nullopt for complex and unknown modes.
std::optional<DType> mrc_mode_dtype(std::int32_t mode);

struct MrcHeader {
  std::int32_t nx = 0, ny = 0, nz = 0;
  std::int32_t mode = 2;
  std::array<std::int32_t, 3> nstart{0, 0, 0};  // nxstart, nystart, nzstart
  std::array<std::int32_t, 3> m{0, 0, 0};       // mx, my, mz (sampling intervals)
  std::array<float, 3> cella{0, 0, 0};          // cell size in Å (xlen, ylen, zlen)
  std::array<float, 3> cellb{90, 90, 90};       // cell angles in degrees
  std::array<std::int32_t, 3> map_crs{1, 2, 3}; // mapc, mapr, maps
  float dmin = 0, dmax = 0, dmean = 0;
  std::int32_t ispg = 0;
  std::int32_t nsymbt = 0; // bytes of extended header after the 1024-byte header
  // Words 25-49 as stored (EXTTYP at bytes 8..11, NVERSION at 12..15), kept raw
  // so fields Atelier does not know survive a read.
  std::array<std::uint8_t, 100> extra{};
  std::array<float, 3> origin{0, 0, 0};
  std::array<char, 4> map{'M', 'A', 'P', ' '};
  std::array<std::uint8_t, 4> machine_stamp{0x44, 0x44, 0, 0};
  float rms = 0;
  std::int32_t nlabl = 0;
  std::array<std::array<char, 80>, 10> labels{};

  // The order the numbers were stored in (from the stamp, or guessed).
  Endian byte_order = Endian::little;

  // EXTTYP as text ("FEI1", "CCP4", ...); empty when unset or not printable.
  std::string exttyp() const;
  std::int32_t nversion() const;
  void set_exttyp(const std::string& four_chars);
  void set_nversion(std::int32_t v);
  // Label i (0..9) with trailing blanks and NULs removed.
  std::string label(int i) const;
  void set_label(int i, const std::string& text);
};

// Decodes 1024 header bytes. The byte order comes from the machine stamp
// (byte 212: 0x44 little endian, 0x11 big endian); when the stamp is missing
// or contradicts the numbers, it is the order in which nx, ny, nz and mode
// look sane and the data fits in file_size. Performs no validation beyond
// that (see MrcFile).
MrcHeader decode_mrc_header(const std::uint8_t* bytes, std::uint64_t file_size = UINT64_MAX);

// Encodes the header in header.byte_order, with the matching machine stamp.
std::array<std::uint8_t, kMrcHeaderBytes> encode_mrc_header(const MrcHeader& header);

} // namespace atelier

// MRC2014 header layout (byte offsets): 0 nx ny nz, 12 mode, 16 nstart,
// 28 mx my mz, 40 cella, 52 cellb, 64 mapc/r/s, 76 dmin dmax dmean, 88 ispg,
// 92 nsymbt, 96 extra (EXTTYP at 104, NVERSION at 108), 196 origin,
// 208 "MAP ", 212 machine stamp, 216 rms, 220 nlabl, 224 ten 80-char labels.
#include "core/formats/mrc/mrc_header.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace atelier {
namespace {

bool mode_known(std::int32_t mode) {
  // Complex modes count as sane here so their files get "unsupported mode".
  return mrc_mode_dtype(mode).has_value() || mode == 3 || mode == 4;
}

// Whether nx, ny, nz and mode read in this order could describe this file:
// a known mode, positive dimensions, and data that fits in file_size. The
// score breaks ties (mode 0 reads the same both ways) by preferring the order
// with the smaller dimensions, as byte-swapped small numbers become huge.
bool header_sane(const std::uint8_t* b, Endian order, std::uint64_t file_size,
                 std::int64_t* score) {
  const auto nx = load_as<std::int32_t>(b + 0, order);
  const auto ny = load_as<std::int32_t>(b + 4, order);
  const auto nz = load_as<std::int32_t>(b + 8, order);
  const auto mode = load_as<std::int32_t>(b + 12, order);
  const auto nsymbt = load_as<std::int32_t>(b + 92, order);
  *score = std::max({static_cast<std::int64_t>(nx), static_cast<std::int64_t>(ny),
                     static_cast<std::int64_t>(nz)});
  if (!mode_known(mode) || nx <= 0 || ny <= 0 || nz <= 0 || nsymbt < 0) return false;
  // In double: no overflow, and exact enough to tell plausible from absurd.
  const double bytes_per_voxel = mode == 101 ? 0.5 : mode == 0 ? 1 : mode == 2 ? 4 : 2;
  const double needed = double(nx) * double(ny) * double(nz) * bytes_per_voxel +
                        double(kMrcHeaderBytes) + double(nsymbt);
  return needed <= double(file_size) + double(ny) * double(nz); // + mode 101 row padding
}

Endian detect_order(const std::uint8_t* b, std::uint64_t file_size) {
  std::int64_t score_le = 0, score_be = 0;
  const bool le = header_sane(b, Endian::little, file_size, &score_le);
  const bool be = header_sane(b, Endian::big, file_size, &score_be);
  const std::uint8_t stamp = b[212];
  // 0x44 0x41 ("DA") is the stamp of older little-endian writers.
  if (stamp == 0x44 && (le || !be)) return Endian::little;
  if (stamp == 0x11 && (be || !le)) return Endian::big;
  if (le && be) return score_be < score_le ? Endian::big : Endian::little;
  if (be) return Endian::big;
  return Endian::little;
}

template <typename T, std::size_t N>
void load_array(std::array<T, N>& out, const std::uint8_t* p, Endian order) {
  for (std::size_t i = 0; i < N; ++i)
    out[i] = load_as<T>(p + i * sizeof(T), order);
}

template <typename T, std::size_t N>
void store_array(std::uint8_t* p, const std::array<T, N>& in, Endian order) {
  for (std::size_t i = 0; i < N; ++i)
    store_as<T>(p + i * sizeof(T), in[i], order);
}

} // namespace

std::optional<DType> mrc_mode_dtype(std::int32_t mode) {
  switch (mode) {
  case 0: return DType::i8;
  case 1: return DType::i16;
  case 2: return DType::f32;
  case 6: return DType::u16;
  case 12: return DType::f16;
  case 101: return DType::u8;
  default: return std::nullopt;
  }
}

std::string MrcHeader::exttyp() const {
  std::string s(reinterpret_cast<const char*>(extra.data() + 8), 4);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0'))
    s.pop_back();
  for (const char c : s)
    if (c < 0x20 || c > 0x7e) return {};
  return s;
}

std::int32_t MrcHeader::nversion() const {
  return load_as<std::int32_t>(extra.data() + 12, byte_order);
}

void MrcHeader::set_exttyp(const std::string& four_chars) {
  for (std::size_t i = 0; i < 4; ++i)
    extra[8 + i] = static_cast<std::uint8_t>(i < four_chars.size() ? four_chars[i] : ' ');
}

void MrcHeader::set_nversion(std::int32_t v) {
  store_as(extra.data() + 12, v, byte_order);
}

std::string MrcHeader::label(int i) const {
  if (i < 0 || i >= 10) return {};
  const auto& l = labels[static_cast<std::size_t>(i)];
  std::string s(l.data(), l.size());
  const auto nul = s.find('\0');
  if (nul != std::string::npos) s.resize(nul);
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
  return s;
}

void MrcHeader::set_label(int i, const std::string& text) {
  if (i < 0 || i >= 10) return;
  auto& l = labels[static_cast<std::size_t>(i)];
  l.fill(' ');
  std::memcpy(l.data(), text.data(), std::min(text.size(), l.size()));
}

MrcHeader decode_mrc_header(const std::uint8_t* b, std::uint64_t file_size) {
  MrcHeader h;
  const Endian o = detect_order(b, file_size);
  h.byte_order = o;
  h.nx = load_as<std::int32_t>(b + 0, o);
  h.ny = load_as<std::int32_t>(b + 4, o);
  h.nz = load_as<std::int32_t>(b + 8, o);
  h.mode = load_as<std::int32_t>(b + 12, o);
  load_array(h.nstart, b + 16, o);
  load_array(h.m, b + 28, o);
  load_array(h.cella, b + 40, o);
  load_array(h.cellb, b + 52, o);
  load_array(h.map_crs, b + 64, o);
  h.dmin = load_as<float>(b + 76, o);
  h.dmax = load_as<float>(b + 80, o);
  h.dmean = load_as<float>(b + 84, o);
  h.ispg = load_as<std::int32_t>(b + 88, o);
  h.nsymbt = load_as<std::int32_t>(b + 92, o);
  std::memcpy(h.extra.data(), b + 96, h.extra.size());
  load_array(h.origin, b + 196, o);
  std::memcpy(h.map.data(), b + 208, 4);
  std::memcpy(h.machine_stamp.data(), b + 212, 4);
  h.rms = load_as<float>(b + 216, o);
  h.nlabl = load_as<std::int32_t>(b + 220, o);
  for (std::size_t i = 0; i < 10; ++i)
    std::memcpy(h.labels[i].data(), b + 224 + 80 * i, 80);
  return h;
}

std::array<std::uint8_t, kMrcHeaderBytes> encode_mrc_header(const MrcHeader& h) {
  std::array<std::uint8_t, kMrcHeaderBytes> out{};
  std::uint8_t* b = out.data();
  const Endian o = h.byte_order;
  store_as(b + 0, h.nx, o);
  store_as(b + 4, h.ny, o);
  store_as(b + 8, h.nz, o);
  store_as(b + 12, h.mode, o);
  store_array(b + 16, h.nstart, o);
  store_array(b + 28, h.m, o);
  store_array(b + 40, h.cella, o);
  store_array(b + 52, h.cellb, o);
  store_array(b + 64, h.map_crs, o);
  store_as(b + 76, h.dmin, o);
  store_as(b + 80, h.dmax, o);
  store_as(b + 84, h.dmean, o);
  store_as(b + 88, h.ispg, o);
  store_as(b + 92, h.nsymbt, o);
  std::memcpy(b + 96, h.extra.data(), h.extra.size());
  store_array(b + 196, h.origin, o);
  std::memcpy(b + 208, h.map.data(), 4);
  const std::uint8_t stamp = o == Endian::little ? 0x44 : 0x11;
  b[212] = stamp;
  b[213] = stamp;
  b[214] = 0;
  b[215] = 0;
  store_as(b + 216, h.rms, o);
  store_as(b + 220, h.nlabl, o);
  for (std::size_t i = 0; i < 10; ++i)
    std::memcpy(b + 224 + 80 * i, h.labels[i].data(), 80);
  return out;
}

} // namespace atelier

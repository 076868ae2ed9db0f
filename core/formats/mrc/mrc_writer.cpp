// Writes frame by frame from the caller's buffers; only modes that need a
// conversion (uint8 -> 6, uint8 -> 101) go through a one-frame scratch buffer.
#include "core/formats/mrc/mrc_writer.h"

#include "core/base/error.h"
#include "core/data/stats.h"
#include "core/formats/mrc/mrc_header.h"
#include "core/io/atomic_file.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

namespace atelier {
namespace {

// Ångström per unit, for cella; 0 for units we cannot convert.
double angstrom_per(const std::string& unit) {
  if (unit == "A" || unit.empty()) return 1.0;
  if (unit == "nm") return 10.0;
  if (unit == "um") return 1e4;
  if (unit == "mm") return 1e7;
  if (unit == "m") return 1e10;
  return 0.0;
}

struct Layout {
  std::int64_t nx = 0, ny = 0, nz = 0;
  std::int32_t mz = 1;
  std::int32_t ispg = 0;
  DType dtype = DType::f32;
  Spacing spacing;
};

using FrameSource = std::function<const std::uint8_t*(std::int64_t z)>;

void write_all(const std::string& path, const Layout& layout, const FrameSource& frame,
               const MrcWriteOptions& options) {
  std::int32_t mode = 0;
  try {
    mode = mrc_mode_for(layout.dtype, options.mode);
  } catch (const Error& e) {
    throw FormatError(path, e.message());
  }
  constexpr std::int64_t kMax = 0x7fffffff;
  if (layout.nx > kMax || layout.ny > kMax || layout.nz > kMax)
    throw FormatError(path, "dimensions too large for MRC (32-bit header fields)");
  if (options.labels.size() > 10) throw FormatError(path, "MRC holds at most 10 labels");

  const std::size_t count = static_cast<std::size_t>(layout.nx * layout.ny);
  const std::size_t in_bytes = count * dtype_size(layout.dtype);
  const bool packed = mode == static_cast<std::int32_t>(MrcMode::packed4);
  const bool widen =
      layout.dtype == DType::u8 && mode == static_cast<std::int32_t>(MrcMode::uint16);

  // First pass: statistics (and the 4-bit range check) before any byte is written.
  RunningStats stats;
  for (std::int64_t z = 0; z < layout.nz; ++z) {
    const std::uint8_t* p = frame(z);
    stats.add(p, layout.dtype, count);
    if (packed)
      for (std::size_t i = 0; i < count; ++i)
        if (p[i] > 15)
          throw FormatError(path, "mode 101 stores values 0..15 but the data holds " +
                                      std::to_string(p[i]));
  }

  MrcHeader h;
  h.byte_order = native_endian();
  h.nx = static_cast<std::int32_t>(layout.nx);
  h.ny = static_cast<std::int32_t>(layout.ny);
  h.nz = static_cast<std::int32_t>(layout.nz);
  h.mode = mode;
  h.m = {h.nx, h.ny, layout.mz};
  const double scale = angstrom_per(layout.spacing.unit);
  if (layout.spacing.known() && scale > 0) {
    for (std::size_t i = 0; i < 3; ++i) {
      const double s = layout.spacing.xyz[i] > 0 ? layout.spacing.xyz[i] : layout.spacing.xyz[0];
      h.cella[i] = static_cast<float>(s * scale * h.m[i]);
    }
  }
  h.ispg = layout.ispg;
  h.dmin = static_cast<float>(stats.count() ? stats.min() : 0.0);
  h.dmax = static_cast<float>(stats.count() ? stats.max() : 0.0);
  h.dmean = static_cast<float>(stats.count() ? stats.mean() : 0.0);
  h.rms = static_cast<float>(stats.count() ? stats.std() : 0.0);
  h.set_nversion(20140);
  h.origin = options.origin_A;
  h.nlabl = static_cast<std::int32_t>(options.labels.size());
  for (std::size_t i = 0; i < options.labels.size(); ++i)
    h.set_label(static_cast<int>(i), options.labels[i]);
  for (std::size_t i = options.labels.size(); i < 10; ++i)
    h.labels[i].fill(' ');

  const std::string temp = temp_path_beside(path);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) throw FormatError(path, "cannot create " + temp);
    const auto header = encode_mrc_header(h);
    out.write(reinterpret_cast<const char*>(header.data()), header.size());
    std::vector<std::uint8_t> scratch;
    const std::size_t row_packed = static_cast<std::size_t>((layout.nx + 1) / 2);
    for (std::int64_t z = 0; z < layout.nz && out; ++z) {
      const std::uint8_t* p = frame(z);
      if (widen) {
        scratch.resize(count * 2);
        auto* w = reinterpret_cast<std::uint16_t*>(scratch.data());
        for (std::size_t i = 0; i < count; ++i)
          w[i] = p[i];
        out.write(reinterpret_cast<const char*>(scratch.data()), scratch.size());
      } else if (packed) {
        scratch.assign(row_packed * static_cast<std::size_t>(layout.ny), 0);
        const std::size_t nx = static_cast<std::size_t>(layout.nx);
        for (std::size_t y = 0; y < static_cast<std::size_t>(layout.ny); ++y)
          for (std::size_t x = 0; x < nx; ++x)
            scratch[y * row_packed + x / 2] |=
                static_cast<std::uint8_t>(p[y * nx + x] << ((x & 1) ? 4 : 0));
        out.write(reinterpret_cast<const char*>(scratch.data()), scratch.size());
      } else {
        out.write(reinterpret_cast<const char*>(p), static_cast<std::streamsize>(in_bytes));
      }
    }
    out.flush();
    if (!out) {
      out.close();
      std::remove(temp.c_str());
      throw FormatError(path, "write failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::remove(temp.c_str());
    throw FormatError(path, "cannot rename the temporary file into place: " + ec.message());
  }
}

void require_single_channel(const std::string& path, const Image& image) {
  if (image.channels() != 1)
    throw FormatError(path, "MRC stores one channel per pixel but the image has " +
                                std::to_string(image.channels()));
}

} // namespace

std::int32_t mrc_mode_for(DType dtype, std::optional<std::int32_t> requested) {
  std::int32_t natural = -1;
  switch (dtype) {
  case DType::i8: natural = 0; break;
  case DType::i16: natural = 1; break;
  case DType::f32: natural = 2; break;
  case DType::u16: natural = 6; break;
  case DType::f16: natural = 12; break;
  case DType::u8: natural = 6; break; // widened: mode 0 is signed
  default:
    throw Error("MRC has no mode for " + std::string(dtype_name(dtype)) +
                " data (convert to float32, int16 or uint16 first)");
  }
  if (!requested || *requested == natural) return natural;
  if (dtype == DType::u8 && *requested == 101) return 101;
  throw Error(std::string(dtype_name(dtype)) + " data cannot be written as MRC mode " +
              std::to_string(*requested) + " without loss (its mode is " + std::to_string(natural) +
              ")");
}

void write_mrc(const std::string& path, const Volume& volume, const MrcWriteOptions& options) {
  Layout layout;
  layout.nx = volume.nx();
  layout.ny = volume.ny();
  layout.nz = volume.nz() * volume.nt();
  layout.mz = static_cast<std::int32_t>(volume.nz());
  layout.ispg = volume.nt() > 1 ? 401 : 1;
  layout.dtype = volume.dtype();
  layout.spacing = volume.spacing;
  if (layout.nx <= 0) throw FormatError(path, "cannot write an empty volume");
  const std::size_t frame_bytes =
      static_cast<std::size_t>(layout.nx * layout.ny) * dtype_size(layout.dtype);
  write_all(
      path, layout,
      [&](std::int64_t z) { return volume.bytes() + static_cast<std::size_t>(z) * frame_bytes; },
      options);
}

void write_mrc(const std::string& path, const Image& image, const MrcWriteOptions& options) {
  write_mrc_stack(path, std::span<const Image>(&image, 1), options);
}

void write_mrc_stack(const std::string& path, std::span<const Image> frames,
                     const MrcWriteOptions& options) {
  if (frames.empty() || frames[0].width() <= 0)
    throw FormatError(path, "cannot write an empty image stack");
  const Image& first = frames[0];
  for (const Image& f : frames) {
    require_single_channel(path, f);
    if (f.width() != first.width() || f.height() != first.height() || f.dtype() != first.dtype())
      throw FormatError(path, "all images of an MRC stack must share size and type");
  }
  Layout layout;
  layout.nx = first.width();
  layout.ny = first.height();
  layout.nz = static_cast<std::int64_t>(frames.size());
  layout.mz = 1;
  layout.ispg = 0;
  layout.dtype = first.dtype();
  layout.spacing = first.spacing;
  write_all(
      path, layout, [&](std::int64_t z) { return frames[static_cast<std::size_t>(z)].bytes(); },
      options);
}

} // namespace atelier

// NIfTI-1 (348-byte) and NIfTI-2 (540-byte) header parsing. The byte order is
// the one in which sizeof_hdr reads as 348 or 540.
#include "core/base/error.h"
#include "core/formats/nifti/nifti_reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace atelier {
namespace {

struct TypeCode {
  int code;
  DType dtype;
  int bits;
};
constexpr TypeCode kTypes[] = {
    {2, DType::u8, 8},    {4, DType::i16, 16}, {8, DType::i32, 32},   {16, DType::f32, 32},
    {64, DType::f64, 64}, {256, DType::i8, 8}, {512, DType::u16, 16}, {768, DType::u32, 32},
};

const char* unsupported_type_name(int code) {
  switch (code) {
  case 1: return "binary";
  case 32: return "complex64";
  case 128: return "RGB24";
  case 1024: return "int64";
  case 1280: return "uint64";
  case 1536: return "float128";
  case 1792: return "complex128";
  case 2048: return "complex256";
  case 2304: return "RGBA32";
  default: return nullptr;
  }
}

} // namespace

namespace {

using Matrix3 = std::array<std::array<double, 3>, 3>;

// Every column finite and non-zero.
bool usable(const Matrix3& m) {
  for (std::size_t c = 0; c < 3; ++c) {
    double norm = 0;
    for (std::size_t r = 0; r < 3; ++r) {
      if (!std::isfinite(m[r][c])) return false;
      norm += m[r][c] * m[r][c];
    }
    if (!(norm > 0)) return false;
  }
  return true;
}

} // namespace

std::optional<Matrix3> NiftiHeader::orientation() const {
  if (sform_code > 0) {
    Matrix3 m{};
    for (std::size_t r = 0; r < 3; ++r)
      for (std::size_t c = 0; c < 3; ++c)
        m[r][c] = srow[r][c];
    if (usable(m)) return m; // else the qform, as nifti1_io does
  }
  if (qform_code <= 0) return std::nullopt;
  // The rotation of the unit quaternion (a, b, c, d), a from the rest (b, c,
  // d rescaled to a unit vector when they overshoot); a negative pixdim[0]
  // (qfac) reverses the third axis.
  double b = quatern[0], c = quatern[1], d = quatern[2];
  double a = 1.0 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    const double scale = 1.0 / std::sqrt(b * b + c * c + d * d);
    b *= scale, c *= scale, d *= scale, a = 0.0;
  } else {
    a = std::sqrt(a);
  }
  const double qfac = pixdim[0] < 0 ? -1.0 : 1.0;
  const Matrix3 m{
      {{a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c) * qfac},
       {2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b) * qfac},
       {2 * (b * d - a * c), 2 * (c * d + a * b), (a * a + d * d - c * c - b * b) * qfac}}};
  if (!usable(m)) return std::nullopt;
  return m;
}

ValueScale NiftiHeader::value_scale() const {
  // Per the standard, a slope of 0 means "not scaled".
  if (!std::isfinite(scl_slope) || scl_slope == 0.0) return {};
  return {scl_slope, std::isfinite(scl_inter) ? scl_inter : 0.0};
}

std::string NiftiHeader::spatial_unit() const {
  switch (xyzt_units & 0x07) {
  case 1: return "m";
  case 3: return "um";
  default: return "mm";
  }
}

std::size_t nifti_header_size(const std::string& name, const std::uint8_t* first4) {
  for (const Endian e : {Endian::little, Endian::big}) {
    const auto n = load_as<std::int32_t>(first4, e);
    if (n == static_cast<std::int32_t>(kNifti1HeaderSize)) return kNifti1HeaderSize;
    if (n == static_cast<std::int32_t>(kNifti2HeaderSize)) return kNifti2HeaderSize;
  }
  throw FormatError(name, "not a NIfTI file (sizeof_hdr is neither 348 nor 540)");
}

NiftiHeader parse_nifti_header(const std::string& name, const std::uint8_t* b, std::size_t size) {
  if (size < 4) throw FormatError(name, "truncated NIfTI header");
  const std::size_t hsize = nifti_header_size(name, b);
  if (size < hsize) throw FormatError(name, "truncated NIfTI header");
  NiftiHeader h;
  h.version = hsize == kNifti1HeaderSize ? 1 : 2;
  h.byte_order = load_as<std::int32_t>(b, Endian::little) == static_cast<std::int32_t>(hsize)
                     ? Endian::little
                     : Endian::big;
  const Endian e = h.byte_order;

  std::string magic;
  if (h.version == 1) {
    magic.assign(reinterpret_cast<const char*>(b + 344), 4);
    for (int i = 0; i < 8; ++i)
      h.dim[i] = load_as<std::int16_t>(b + 40 + 2 * i, e);
    h.datatype = load_as<std::int16_t>(b + 70, e);
    for (int i = 0; i < 8; ++i)
      h.pixdim[i] = load_as<float>(b + 76 + 4 * i, e);
    const double vox = load_as<float>(b + 108, e);
    if (!std::isfinite(vox) || vox < 0 || vox > 9.0e15)
      throw FormatError(name, "invalid vox_offset " + std::to_string(vox));
    h.vox_offset = static_cast<std::int64_t>(vox);
    h.scl_slope = load_as<float>(b + 112, e);
    h.scl_inter = load_as<float>(b + 116, e);
    h.xyzt_units = b[123];
    h.qform_code = load_as<std::int16_t>(b + 252, e);
    h.sform_code = load_as<std::int16_t>(b + 254, e);
    for (int i = 0; i < 3; ++i)
      h.quatern[i] = load_as<float>(b + 256 + 4 * i, e);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c)
        h.srow[r][c] = load_as<float>(b + 280 + 16 * r + 4 * c, e);
  } else {
    magic.assign(reinterpret_cast<const char*>(b + 4), 8);
    h.datatype = load_as<std::int16_t>(b + 12, e);
    for (int i = 0; i < 8; ++i)
      h.dim[i] = load_as<std::int64_t>(b + 16 + 8 * i, e);
    for (int i = 0; i < 8; ++i)
      h.pixdim[i] = load_as<double>(b + 104 + 8 * i, e);
    h.vox_offset = load_as<std::int64_t>(b + 168, e);
    h.scl_slope = load_as<double>(b + 176, e);
    h.scl_inter = load_as<double>(b + 184, e);
    h.xyzt_units = load_as<std::int32_t>(b + 500, e);
    h.qform_code = load_as<std::int32_t>(b + 344, e);
    h.sform_code = load_as<std::int32_t>(b + 348, e);
    for (int i = 0; i < 3; ++i)
      h.quatern[i] = load_as<double>(b + 352 + 8 * i, e);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c)
        h.srow[r][c] = load_as<double>(b + 400 + 32 * r + 8 * c, e);
  }

  const std::string one_file =
      h.version == 1 ? std::string("n+1\0", 4) : std::string("n+2\0\r\n\032\n", 8);
  const std::string two_file =
      h.version == 1 ? std::string("ni1\0", 4) : std::string("ni2\0\r\n\032\n", 8);
  if (magic == two_file)
    throw FormatError(name, "two-file NIfTI (.hdr/.img pair) is not supported");
  if (magic.compare(0, 4, one_file, 0, 4) != 0)
    throw FormatError(name, "bad NIfTI-" + std::to_string(h.version) + " magic");

  const std::int64_t ndim = h.dim[0];
  if (ndim < 1 || ndim > 7)
    throw FormatError(name, "invalid number of dimensions dim[0] = " + std::to_string(ndim));
  for (std::int64_t i = 1; i <= ndim; ++i)
    if (h.dim[i] <= 0)
      throw FormatError(name, "dim[" + std::to_string(i) + "] = " + std::to_string(h.dim[i]) +
                                  " is not positive");
  for (std::int64_t i = 5; i <= ndim; ++i)
    if (h.dim[i] != 1)
      throw FormatError(name, "more than four dimensions (dim[" + std::to_string(i) +
                                  "] = " + std::to_string(h.dim[i]) + ") are not supported");

  bool known = false;
  for (const auto& t : kTypes)
    if (t.code == h.datatype) {
      h.dtype = t.dtype;
      known = true;
    }
  if (!known) {
    if (const char* what = unsupported_type_name(h.datatype))
      throw FormatError(name, std::string("unsupported NIfTI datatype ") + what + " (" +
                                  std::to_string(h.datatype) + ")");
    throw FormatError(name, "unknown NIfTI datatype " + std::to_string(h.datatype));
  }
  if (h.vox_offset < static_cast<std::int64_t>(hsize))
    throw FormatError(name,
                      "vox_offset " + std::to_string(h.vox_offset) + " lies inside the header");
  return h;
}

} // namespace atelier

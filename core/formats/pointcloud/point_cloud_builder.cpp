// Column roles and colour conventions shared by the PLY, PCD and XYZ readers.
#include "core/formats/pointcloud/point_cloud_builder.h"

#include "core/base/error.h"
#include "core/formats/pointcloud/text_tokens.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace atelier::pointcloud {
namespace {

std::string number_text(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

std::array<double, 6> bounds_of(const PointCloud& cloud) {
  std::array<double, 6> b{
      std::numeric_limits<double>::infinity(),  std::numeric_limits<double>::infinity(),
      std::numeric_limits<double>::infinity(),  -std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  for (const auto& p : cloud.xyz) {
    for (int a = 0; a < 3; ++a) {
      if (!std::isfinite(p[a])) continue;
      b[a] = std::min(b[a], p[a]);
      b[a + 3] = std::max(b[a + 3], p[a]);
    }
  }
  return b;
}

const char* const kBoundKeys[6] = {"bounds_min_x", "bounds_min_y", "bounds_min_z",
                                   "bounds_max_x", "bounds_max_y", "bounds_max_z"};

} // namespace

PointCloudBuilder::Role PointCloudBuilder::role_of(const std::string& n) {
  if (n == "x") return Role::x;
  if (n == "y") return Role::y;
  if (n == "z") return Role::z;
  if (n == "red" || n == "r" || n == "diffuse_red") return Role::red;
  if (n == "green" || n == "g" || n == "diffuse_green") return Role::green;
  if (n == "blue" || n == "b" || n == "diffuse_blue") return Role::blue;
  if (n == "intensity" || n == "scalar_intensity") return Role::intensity;
  if (n == "nx" || n == "normal_x") return Role::nx;
  if (n == "ny" || n == "normal_y") return Role::ny;
  if (n == "nz" || n == "normal_z") return Role::nz;
  return Role::scalar;
}

PointCloudBuilder::PointCloudBuilder(std::string source_name, std::vector<std::string> columns,
                                     std::vector<bool> packed_rgb)
    : source_name_(std::move(source_name)) {
  packed_rgb.resize(columns.size(), false);
  roles_.resize(columns.size(), Role::scalar);
  std::vector<bool> taken(static_cast<std::size_t>(Role::scalar) + 1, false);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string n = lower(columns[i]);
    Role r = packed_rgb[i] ? Role::packed : role_of(n);
    // A second column claiming a role already taken is kept as a plain field.
    if (taken[static_cast<std::size_t>(r)] && r != Role::scalar) r = Role::scalar;
    taken[static_cast<std::size_t>(r)] = true;
    roles_[i] = r;
  }
  const auto has = [&](Role r) { return bool(taken[static_cast<std::size_t>(r)]); };
  if (!has(Role::x) || !has(Role::y) || !has(Role::z))
    throw FormatError(source_name_, "no x, y and z fields");
  // Incomplete colour triples or normals are kept as plain fields.
  const bool channels = has(Role::red) && has(Role::green) && has(Role::blue) && !has(Role::packed);
  const bool normals = has(Role::nx) && has(Role::ny) && has(Role::nz);
  for (auto& r : roles_) {
    if (!channels && (r == Role::red || r == Role::green || r == Role::blue)) r = Role::scalar;
    if (!normals && (r == Role::nx || r == Role::ny || r == Role::nz)) r = Role::scalar;
  }
  has_channels_ = channels;
  has_packed_ = has(Role::packed);
  scalar_index_.assign(columns.size(), 0);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (roles_[i] != Role::scalar) continue;
    scalar_index_[i] = cloud_.fields.size();
    cloud_.add_field(columns[i]);
  }
}

void PointCloudBuilder::reserve(std::size_t points) {
  cloud_.xyz.reserve(points);
  if (has_channels_) colour_.reserve(points);
  if (has_packed_) cloud_.rgb.reserve(points);
  for (auto& f : cloud_.fields)
    f.values.reserve(points);
}

void PointCloudBuilder::add(const double* v) {
  std::array<double, 3> p{};
  std::array<double, 3> c{};
  std::array<float, 3> n{};
  std::array<std::uint8_t, 3> packed{};
  float intensity = 0.0f;
  bool has_intensity = false;
  bool has_normal = false;
  for (std::size_t i = 0; i < roles_.size(); ++i) {
    switch (roles_[i]) {
    case Role::x: p[0] = v[i]; break;
    case Role::y: p[1] = v[i]; break;
    case Role::z: p[2] = v[i]; break;
    case Role::red: c[0] = v[i]; break;
    case Role::green: c[1] = v[i]; break;
    case Role::blue: c[2] = v[i]; break;
    case Role::packed: {
      const bool valid = v[i] >= 0.0 && v[i] <= 4294967295.0; // false for NaN
      const auto bits = valid ? static_cast<std::uint32_t>(v[i]) : 0u;
      packed = {static_cast<std::uint8_t>(bits >> 16), static_cast<std::uint8_t>(bits >> 8),
                static_cast<std::uint8_t>(bits)};
      break;
    }
    case Role::intensity:
      intensity = static_cast<float>(v[i]);
      has_intensity = true;
      break;
    case Role::nx:
      n[0] = static_cast<float>(v[i]);
      has_normal = true;
      break;
    case Role::ny: n[1] = static_cast<float>(v[i]); break;
    case Role::nz: n[2] = static_cast<float>(v[i]); break;
    case Role::scalar: break;
    }
  }
  if (skip_non_finite_ && !(std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]))) {
    ++skipped_;
    return;
  }
  cloud_.xyz.push_back(p);
  if (has_channels_) colour_.push_back(c);
  if (has_packed_) cloud_.rgb.push_back(packed);
  if (has_intensity) cloud_.intensity.push_back(intensity);
  if (has_normal) cloud_.normals.push_back(n);
  for (std::size_t i = 0; i < roles_.size(); ++i)
    if (roles_[i] == Role::scalar) cloud_.fields[scalar_index_[i]].values.push_back(v[i]);
}

PointCloud PointCloudBuilder::finish(std::vector<std::string> stored_fields) {
  if (has_channels_) {
    double hi = 0.0;
    bool fractional = false;
    for (const auto& c : colour_) {
      for (double v : c) {
        if (!std::isfinite(v)) continue;
        hi = std::max(hi, v);
        fractional = fractional || v != std::floor(v);
      }
    }
    // 0-1 floats, 16-bit or 8-bit channels.
    const double scale = (fractional && hi <= 1.0) ? 255.0 : (hi > 255.0 ? 1.0 / 256.0 : 1.0);
    cloud_.rgb.resize(colour_.size());
    for (std::size_t i = 0; i < colour_.size(); ++i) {
      for (int k = 0; k < 3; ++k) {
        double v = colour_[i][k] * scale;
        v = std::isfinite(v) ? (scale == 255.0 ? std::round(v) : std::floor(v)) : 0.0;
        cloud_.rgb[i][k] = static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0));
      }
    }
    colour_.clear();
    colour_.shrink_to_fit();
  }
  cloud_.stored_fields = std::move(stored_fields);
  return std::move(cloud_);
}

void add_bounds_extra(const PointCloud& cloud, FileInfo& info) {
  if (cloud.xyz.empty()) return;
  const auto b = bounds_of(cloud);
  for (int i = 0; i < 6; ++i)
    if (std::isfinite(b[i])) info.set_extra(kBoundKeys[i], b[i]);
}

void set_bounds_metadata(PointCloud& cloud) {
  if (cloud.xyz.empty()) return;
  const auto b = bounds_of(cloud);
  for (int i = 0; i < 6; ++i)
    if (std::isfinite(b[i])) cloud.metadata.set(kBoundKeys[i], number_text(b[i]));
}

} // namespace atelier::pointcloud

// LAS reader: the public header block (227 bytes in 1.0-1.2, 235 in 1.3,
// 375 in 1.4), then fixed-size point records at the header's offset. Records
// may be longer than their format's base size (extra bytes); the rest is
// skipped.
#include "core/formats/pointcloud/las_reader.h"

#include "core/base/byte_order.h"
#include "core/base/error.h"
#include "core/formats/pointcloud/point_cloud_builder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

namespace atelier {
namespace {

constexpr std::size_t kBaseRecordSize[11] = {20, 28, 26, 34, 57, 63, 30, 36, 38, 59, 67};
// Decoded a block at a time so the raw records never sit in memory whole.
constexpr std::uint64_t kPointsPerBlock = 65536;

struct LasHeader {
  int version_major = 0;
  int version_minor = 0;
  std::string system_identifier;
  std::string generating_software;
  int creation_day = 0;
  int creation_year = 0;
  std::uint16_t header_size = 0;
  std::uint32_t point_offset = 0;
  int point_format = 0;
  std::uint16_t record_length = 0;
  std::uint64_t point_count = 0;
  double scale[3] = {};
  double offset[3] = {};
  double min[3] = {};
  double max[3] = {};
};

std::string fixed_text(const std::uint8_t* p, std::size_t n) {
  std::size_t len = 0;
  while (len < n && p[len] != 0)
    ++len;
  std::string s(reinterpret_cast<const char*>(p), len);
  while (!s.empty() && s.back() == ' ')
    s.pop_back();
  // Keep metadata printable whatever the header holds.
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return s;
}

std::string number_text(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

LasHeader parse_header(const ByteSource& src) {
  if (src.size() < 227) src.fail("truncated: a LAS header needs 227 bytes");
  std::uint8_t b[375] = {};
  src.read_at(0, b, static_cast<std::size_t>(std::min<std::uint64_t>(src.size(), 375)));
  if (std::memcmp(b, "LASF", 4) != 0) src.fail("not a LAS file (no LASF signature)");
  const auto u16 = [&](std::size_t at) { return load_as<std::uint16_t>(b + at, Endian::little); };
  const auto u32 = [&](std::size_t at) { return load_as<std::uint32_t>(b + at, Endian::little); };
  const auto f64 = [&](std::size_t at) { return load_as<double>(b + at, Endian::little); };
  LasHeader h;
  h.version_major = b[24];
  h.version_minor = b[25];
  if (h.version_major != 1 || h.version_minor > 4)
    src.fail("unsupported LAS version " + std::to_string(h.version_major) + "." +
             std::to_string(h.version_minor));
  h.system_identifier = fixed_text(b + 26, 32);
  h.generating_software = fixed_text(b + 58, 32);
  h.creation_day = u16(90);
  h.creation_year = u16(92);
  h.header_size = u16(94);
  h.point_offset = u32(96);
  const int format_byte = b[104];
  h.record_length = u16(105);
  h.point_count = u32(107);
  for (int a = 0; a < 3; ++a) {
    h.scale[a] = f64(131 + 8 * a);
    h.offset[a] = f64(155 + 8 * a);
    h.max[a] = f64(179 + 16 * a);
    h.min[a] = f64(187 + 16 * a);
  }
  const std::size_t min_header = h.version_minor >= 4 ? 375 : (h.version_minor == 3 ? 235 : 227);
  if (h.header_size < min_header)
    src.fail("header size " + std::to_string(h.header_size) + " is below the " +
             std::to_string(min_header) + " bytes of LAS 1." + std::to_string(h.version_minor));
  if (h.header_size > src.size())
    src.fail("truncated: header size " + std::to_string(h.header_size) + " exceeds the file");
  if (h.point_offset < h.header_size)
    src.fail("offset to point data " + std::to_string(h.point_offset) + " lies inside the header");
  // Bits 6 and 7 of the format byte mark LAZ compression.
  if (format_byte & 0xc0) src.fail("LAZ compression is not supported yet");
  h.point_format = format_byte;
  if (h.point_format > 10)
    src.fail("unsupported point data record format " + std::to_string(h.point_format));
  if (h.record_length < kBaseRecordSize[h.point_format])
    src.fail("point record length " + std::to_string(h.record_length) + " is below the " +
             std::to_string(kBaseRecordSize[h.point_format]) + " bytes of point format " +
             std::to_string(h.point_format));
  if (h.version_minor >= 4) {
    const std::uint64_t count64 = load_as<std::uint64_t>(b + 247, Endian::little);
    if (count64 != 0 || h.point_count == 0) h.point_count = count64;
  }
  for (int a = 0; a < 3; ++a) {
    if (!std::isfinite(h.scale[a]) || h.scale[a] == 0.0 || !std::isfinite(h.offset[a]))
      src.fail("invalid scale or offset for axis " + std::string(1, "xyz"[a]));
  }
  const std::uint64_t avail = src.size() > h.point_offset ? src.size() - h.point_offset : 0;
  if (h.point_count > avail / h.record_length)
    src.fail("declares " + std::to_string(h.point_count) + " points of " +
             std::to_string(h.record_length) + " bytes at offset " +
             std::to_string(h.point_offset) + " but the file has only " +
             std::to_string(src.size()) + " bytes");
  return h;
}

bool has_gps(int f) {
  return f == 1 || f >= 3;
}
bool has_rgb(int f) {
  return f == 2 || f == 3 || f == 5 || f == 7 || f == 8 || f == 10;
}
bool has_nir(int f) {
  return f == 8 || f == 10;
}

// Standard attributes of a point format, in record order.
std::vector<std::string> attribute_names(int f) {
  std::vector<std::string> n = {"x", "y", "z", "intensity", "return_number", "number_of_returns"};
  if (f < 6) {
    n.insert(n.end(), {"scan_direction_flag", "edge_of_flight_line", "classification", "synthetic",
                       "key_point", "withheld", "scan_angle_rank", "user_data", "point_source_id"});
  } else {
    n.insert(n.end(), {"synthetic", "key_point", "withheld", "overlap", "scanner_channel",
                       "scan_direction_flag", "edge_of_flight_line", "classification", "user_data",
                       "scan_angle", "point_source_id"});
  }
  if (has_gps(f)) n.emplace_back("gps_time");
  if (has_rgb(f)) n.insert(n.end(), {"red", "green", "blue"});
  if (has_nir(f)) n.emplace_back("nir");
  return n;
}

} // namespace

PointCloud read_las(const ByteSource& src) {
  const LasHeader h = parse_header(src);
  const int f = h.point_format;
  const std::vector<std::string> names = attribute_names(f);
  PointCloud cloud;
  // Plain fields: every attribute but x, y, z, intensity and colour.
  std::vector<std::size_t> field_of(names.size(), SIZE_MAX);
  for (std::size_t i = 3; i < names.size(); ++i) {
    const auto& n = names[i];
    if (n == "intensity" || n == "red" || n == "green" || n == "blue") continue;
    field_of[i] = cloud.fields.size();
    cloud.add_field(n);
  }
  const auto n = static_cast<std::size_t>(h.point_count);
  cloud.xyz.reserve(n);
  cloud.intensity.reserve(n);
  for (auto& fld : cloud.fields)
    fld.values.reserve(n);
  std::vector<std::array<std::uint16_t, 3>> colour;
  if (has_rgb(f)) colour.reserve(n);

  // Positions of the fields in cloud.fields, by name order above.
  const auto field = [&](const char* name) -> std::vector<double>& {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return cloud.fields[field_of[i]].values;
    return cloud.fields.front().values; // not reached: names come from attribute_names
  };
  auto& return_number = field("return_number");
  auto& number_of_returns = field("number_of_returns");
  auto& scan_direction = field("scan_direction_flag");
  auto& edge = field("edge_of_flight_line");
  auto& classification = field("classification");
  auto& synthetic = field("synthetic");
  auto& key_point = field("key_point");
  auto& withheld = field("withheld");
  auto& user_data = field("user_data");
  auto& point_source = field("point_source_id");
  std::vector<double>* overlap = f >= 6 ? &field("overlap") : nullptr;
  std::vector<double>* channel = f >= 6 ? &field("scanner_channel") : nullptr;
  std::vector<double>* scan_angle = &field(f >= 6 ? "scan_angle" : "scan_angle_rank");
  std::vector<double>* gps = has_gps(f) ? &field("gps_time") : nullptr;
  std::vector<double>* nir = has_nir(f) ? &field("nir") : nullptr;

  const std::size_t gps_at = f >= 6 ? 22 : 20;
  const std::size_t rgb_at = f >= 6 ? 30 : (f == 2 ? 20 : 28);
  const auto L = Endian::little;
  for (std::uint64_t first = 0; first < h.point_count; first += kPointsPerBlock) {
    const std::uint64_t count = std::min(kPointsPerBlock, h.point_count - first);
    const auto block = src.read_vector(h.point_offset + first * h.record_length,
                                       static_cast<std::size_t>(count * h.record_length));
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint8_t* p = block.data() + i * h.record_length;
      std::array<double, 3> xyz{};
      for (int a = 0; a < 3; ++a)
        xyz[a] = load_as<std::int32_t>(p + 4 * a, L) * h.scale[a] + h.offset[a];
      cloud.xyz.push_back(xyz);
      cloud.intensity.push_back(load_as<std::uint16_t>(p + 12, L));
      if (f < 6) {
        const unsigned bits = p[14];
        return_number.push_back(bits & 7);
        number_of_returns.push_back((bits >> 3) & 7);
        scan_direction.push_back((bits >> 6) & 1);
        edge.push_back((bits >> 7) & 1);
        const unsigned cls = p[15];
        classification.push_back(cls & 31);
        synthetic.push_back((cls >> 5) & 1);
        key_point.push_back((cls >> 6) & 1);
        withheld.push_back((cls >> 7) & 1);
        scan_angle->push_back(static_cast<std::int8_t>(p[16]));
        user_data.push_back(p[17]);
        point_source.push_back(load_as<std::uint16_t>(p + 18, L));
      } else {
        const unsigned returns = p[14];
        return_number.push_back(returns & 15);
        number_of_returns.push_back(returns >> 4);
        const unsigned flags = p[15];
        synthetic.push_back(flags & 1);
        key_point.push_back((flags >> 1) & 1);
        withheld.push_back((flags >> 2) & 1);
        overlap->push_back((flags >> 3) & 1);
        channel->push_back((flags >> 4) & 3);
        scan_direction.push_back((flags >> 6) & 1);
        edge.push_back((flags >> 7) & 1);
        classification.push_back(p[16]);
        user_data.push_back(p[17]);
        // Stored in units of 0.006 degrees.
        scan_angle->push_back(load_as<std::int16_t>(p + 18, L) * 0.006);
        point_source.push_back(load_as<std::uint16_t>(p + 20, L));
      }
      if (gps) gps->push_back(load_as<double>(p + gps_at, L));
      if (has_rgb(f))
        colour.push_back({load_as<std::uint16_t>(p + rgb_at, L),
                          load_as<std::uint16_t>(p + rgb_at + 2, L),
                          load_as<std::uint16_t>(p + rgb_at + 4, L)});
      if (nir) nir->push_back(load_as<std::uint16_t>(p + 36, L));
    }
  }
  if (has_rgb(f)) {
    bool wide = false;
    for (const auto& c : colour)
      wide = wide || c[0] > 255 || c[1] > 255 || c[2] > 255;
    const int shift = wide ? 8 : 0;
    cloud.rgb.reserve(colour.size());
    for (const auto& c : colour)
      cloud.rgb.push_back({static_cast<std::uint8_t>(c[0] >> shift),
                           static_cast<std::uint8_t>(c[1] >> shift),
                           static_cast<std::uint8_t>(c[2] >> shift)});
  }
  cloud.stored_fields = names;

  auto& m = cloud.metadata;
  m.set("version", std::to_string(h.version_major) + "." + std::to_string(h.version_minor));
  m.set("point_format", std::to_string(f));
  m.set("point_record_length", std::to_string(h.record_length));
  m.set("point_count", std::to_string(h.point_count));
  m.set("system_identifier", h.system_identifier);
  m.set("generating_software", h.generating_software);
  if (h.creation_year) {
    m.set("creation_year", std::to_string(h.creation_year));
    m.set("creation_day", std::to_string(h.creation_day));
  }
  for (int a = 0; a < 3; ++a) {
    const std::string axis(1, "xyz"[a]);
    m.set("scale_" + axis, number_text(h.scale[a]));
    m.set("offset_" + axis, number_text(h.offset[a]));
    m.set("header_min_" + axis, number_text(h.min[a]));
    m.set("header_max_" + axis, number_text(h.max[a]));
  }
  pointcloud::set_bounds_metadata(cloud);
  return cloud;
}

PointCloud read_las(const std::string& path) {
  return read_las(FileSource(path));
}

FileInfo inspect_las(const std::string& path) {
  const FileSource src(path);
  const LasHeader h = parse_header(src);
  const PointCloud cloud = read_las(src);
  FileInfo info;
  info.points = h.point_count;
  info.fields = cloud.stored_fields;
  info.set_extra("version", *cloud.metadata.find("version"));
  info.set_extra("point_format", static_cast<std::int64_t>(h.point_format));
  info.set_extra("system_identifier", h.system_identifier);
  info.set_extra("generating_software", h.generating_software);
  for (int a = 0; a < 3; ++a) {
    const std::string axis(1, "xyz"[a]);
    info.set_extra("scale_" + axis, h.scale[a]);
    info.set_extra("offset_" + axis, h.offset[a]);
  }
  pointcloud::add_bounds_extra(cloud, info);
  return info;
}

} // namespace atelier

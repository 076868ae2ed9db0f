// PCD reader. Binary data is one record per point (fields interleaved);
// binary_compressed data is LZF-compressed and laid out field by field
// (all x, then all y, ...), each field holding COUNT values per point.
#include "core/formats/pointcloud/pcd_reader.h"

#include "core/base/byte_order.h"
#include "core/base/error.h"
#include "core/formats/pointcloud/lzf.h"
#include "core/formats/pointcloud/point_cloud_builder.h"
#include "core/formats/pointcloud/text_tokens.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace atelier {
namespace {

using namespace pointcloud;

// The most values one point may carry; a guard against absurd COUNT lines.
constexpr std::uint64_t kMaxColumns = 1 << 16;
// LZF turns at most 3 input bytes into 264 output bytes.
constexpr std::uint64_t kMaxLzfRatio = 88;

struct PcdField {
  std::string name;
  std::size_t size = 4;
  char type = 'F';
  std::uint64_t count = 1;
  bool packed_rgb = false;
};

struct PcdHeader {
  std::string version;
  std::vector<PcdField> fields;
  std::uint64_t width = 0;
  std::uint64_t height = 1;
  std::uint64_t points = 0;
  std::string viewpoint;
  std::string encoding;
  std::uint64_t data_offset = 0;
  std::size_t point_size = 0; // bytes per point
  std::size_t columns = 0;    // values per point
};

std::vector<std::string_view> values_of(const std::vector<std::string_view>& tok) {
  return {tok.begin() + 1, tok.end()};
}

std::uint64_t header_number(const ByteSource& src, std::string_view key, std::string_view v) {
  std::uint64_t n = 0;
  if (!parse_u64(v, n)) src.fail("invalid " + std::string(key) + " value '" + std::string(v) + "'");
  return n;
}

PcdHeader parse_header(const ByteSource& src) {
  const std::string text = read_text_header(
      src, [](std::string_view l) { return trim(l).starts_with("DATA"); }, "DATA line");
  PcdHeader h;
  h.data_offset = text.size();
  std::vector<std::string_view> names, sizes, types, counts, tok;
  bool have_width = false, have_points = false;
  std::size_t pos = 0;
  std::string_view line;
  while (next_line(text, pos, line)) {
    split_whitespace(line, tok);
    if (tok.empty() || tok[0].starts_with("#")) continue;
    const std::string_view key = tok[0];
    if (key == "VERSION") {
      h.version = tok.size() > 1 ? std::string(tok[1]) : std::string();
    } else if (key == "FIELDS" || key == "COLUMNS") {
      names = values_of(tok);
    } else if (key == "SIZE") {
      sizes = values_of(tok);
    } else if (key == "TYPE") {
      types = values_of(tok);
    } else if (key == "COUNT") {
      counts = values_of(tok);
    } else if (key == "WIDTH" && tok.size() == 2) {
      h.width = header_number(src, key, tok[1]);
      have_width = true;
    } else if (key == "HEIGHT" && tok.size() == 2) {
      h.height = header_number(src, key, tok[1]);
    } else if (key == "POINTS" && tok.size() == 2) {
      h.points = header_number(src, key, tok[1]);
      have_points = true;
    } else if (key == "VIEWPOINT") {
      h.viewpoint = std::string(trim(line.substr(line.find(key) + key.size())));
    } else if (key == "DATA" && tok.size() == 2) {
      h.encoding = tok[1];
    } else {
      src.fail("malformed header line '" + std::string(line) + "'");
    }
  }
  if (h.encoding != "ascii" && h.encoding != "binary" && h.encoding != "binary_compressed")
    src.fail("unknown DATA encoding '" + h.encoding + "'");
  if (names.empty()) src.fail("no FIELDS line");
  if (sizes.size() != names.size() || types.size() != names.size() ||
      (!counts.empty() && counts.size() != names.size()))
    src.fail("FIELDS, SIZE, TYPE and COUNT list different numbers of fields");
  if (!have_width) src.fail("no WIDTH line");

  std::uint64_t columns = 0;
  std::uint64_t point_size = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    PcdField f;
    f.name = names[i];
    f.size = static_cast<std::size_t>(header_number(src, "SIZE", sizes[i]));
    if (types[i].size() != 1) src.fail("invalid TYPE '" + std::string(types[i]) + "'");
    f.type = types[i][0];
    const bool ok = (f.type == 'F' && (f.size == 4 || f.size == 8)) ||
                    ((f.type == 'I' || f.type == 'U') &&
                     (f.size == 1 || f.size == 2 || f.size == 4 || f.size == 8));
    if (!ok)
      src.fail("unsupported field type " + std::string(1, f.type) + " of size " +
               std::string(sizes[i]) + " for '" + f.name + "'");
    f.count = counts.empty() ? 1 : header_number(src, "COUNT", counts[i]);
    if (f.count == 0 || f.count > kMaxColumns) src.fail("invalid COUNT for '" + f.name + "'");
    const std::string n = lower(f.name);
    f.packed_rgb = (n == "rgb" || n == "rgba") && f.size == 4 && f.count == 1;
    columns += f.count;
    point_size += f.count * f.size;
    if (columns > kMaxColumns) src.fail("too many values per point");
    h.fields.push_back(std::move(f));
  }
  h.columns = static_cast<std::size_t>(columns);
  h.point_size = static_cast<std::size_t>(point_size);

  if (h.height != 0 && h.width > std::numeric_limits<std::uint64_t>::max() / h.height)
    src.fail("WIDTH x HEIGHT overflows");
  const std::uint64_t wh = h.width * h.height;
  if (!have_points) h.points = wh;
  if (h.points != wh)
    src.fail("declares " + std::to_string(h.points) + " points but WIDTH x HEIGHT is " +
             std::to_string(h.width) + " x " + std::to_string(h.height) + " = " +
             std::to_string(wh));
  return h;
}

double load_value(const std::uint8_t* p, const PcdField& f) {
  if (f.packed_rgb) return load_as<std::uint32_t>(p, Endian::little);
  switch (f.type) {
  case 'F':
    return f.size == 4 ? load_as<float>(p, Endian::little) : load_as<double>(p, Endian::little);
  case 'I':
    switch (f.size) {
    case 1: return static_cast<std::int8_t>(p[0]);
    case 2: return load_as<std::int16_t>(p, Endian::little);
    case 4: return load_as<std::int32_t>(p, Endian::little);
    default: return static_cast<double>(load_as<std::int64_t>(p, Endian::little));
    }
  default:
    switch (f.size) {
    case 1: return p[0];
    case 2: return load_as<std::uint16_t>(p, Endian::little);
    case 4: return load_as<std::uint32_t>(p, Endian::little);
    default: return static_cast<double>(load_as<std::uint64_t>(p, Endian::little));
    }
  }
}

std::string declared(const PcdHeader& h) {
  return "declares " + std::to_string(h.points) + " points of " + std::to_string(h.point_size) +
         " bytes";
}

void read_binary(const ByteSource& src, const PcdHeader& h, PointCloudBuilder& b) {
  const std::uint64_t avail = src.size() - h.data_offset;
  if (h.point_size && h.points > avail / h.point_size)
    src.fail(declared(h) + " but the data holds only " + std::to_string(avail) + " bytes");
  const auto data =
      src.read_vector(h.data_offset, static_cast<std::size_t>(h.points * h.point_size));
  std::vector<double> row(h.columns);
  b.reserve(static_cast<std::size_t>(h.points));
  for (std::uint64_t i = 0; i < h.points; ++i) {
    const std::uint8_t* p = data.data() + i * h.point_size;
    std::size_t c = 0;
    for (const auto& f : h.fields) {
      for (std::uint64_t k = 0; k < f.count; ++k, p += f.size)
        row[c++] = load_value(p, f);
    }
    b.add(row.data());
  }
}

void read_compressed(const ByteSource& src, const PcdHeader& h, PointCloudBuilder& b) {
  if (h.points == 0) return;
  std::uint8_t sizes[8];
  if (src.size() - h.data_offset < 8)
    src.fail("truncated: binary_compressed data has no size words");
  src.read_at(h.data_offset, sizes, 8);
  const std::uint64_t packed = load_as<std::uint32_t>(sizes, Endian::little);
  const std::uint64_t unpacked = load_as<std::uint32_t>(sizes + 4, Endian::little);
  const std::uint64_t avail = src.size() - h.data_offset - 8;
  if (packed > avail)
    src.fail("truncated: compressed data of " + std::to_string(packed) + " bytes but only " +
             std::to_string(avail) + " remain");
  if (h.point_size && h.points > std::numeric_limits<std::uint64_t>::max() / h.point_size)
    src.fail(declared(h) + ", more than any file holds");
  const std::uint64_t need = h.points * h.point_size;
  if (unpacked != need)
    src.fail(declared(h) + " but the compressed data unpacks to " + std::to_string(unpacked) +
             " bytes (needs " + std::to_string(need) + ")");
  if (unpacked > packed * kMaxLzfRatio)
    src.fail("compressed data of " + std::to_string(packed) + " bytes cannot unpack to " +
             std::to_string(unpacked) + " bytes");
  const auto in = src.read_vector(h.data_offset + 8, static_cast<std::size_t>(packed));
  std::vector<std::uint8_t> data(static_cast<std::size_t>(unpacked));
  std::string error;
  const std::size_t got = lzf_decompress(in.data(), in.size(), data.data(), data.size(), &error);
  if (!error.empty()) src.fail("corrupt LZF data: " + error);
  if (got != data.size())
    src.fail("compressed data unpacks to " + std::to_string(got) + " bytes, not the declared " +
             std::to_string(unpacked));

  // Start of each field's block: all points' values of that field together.
  std::vector<std::uint64_t> block(h.fields.size());
  std::uint64_t offset = 0;
  for (std::size_t fi = 0; fi < h.fields.size(); ++fi) {
    block[fi] = offset;
    offset += h.points * h.fields[fi].size * h.fields[fi].count;
  }
  std::vector<double> row(h.columns);
  b.reserve(static_cast<std::size_t>(h.points));
  for (std::uint64_t i = 0; i < h.points; ++i) {
    std::size_t c = 0;
    for (std::size_t fi = 0; fi < h.fields.size(); ++fi) {
      const PcdField& f = h.fields[fi];
      const std::uint8_t* p = data.data() + block[fi] + i * f.size * f.count;
      for (std::uint64_t k = 0; k < f.count; ++k, p += f.size)
        row[c++] = load_value(p, f);
    }
    b.add(row.data());
  }
}

// Packed colours in ASCII are either the uint32 itself or the float that
// shares its bits (older PCL).
double packed_ascii(std::string_view t, bool& ok) {
  std::uint64_t u = 0;
  if (parse_u64(t, u)) {
    ok = u <= 0xffffffffu;
    return static_cast<double>(u);
  }
  float f = 0.0f;
  ok = parse_float(t, f);
  std::uint32_t bits = 0;
  std::memcpy(&bits, &f, 4);
  return bits;
}

void read_ascii(const ByteSource& src, const PcdHeader& h, PointCloudBuilder& b) {
  const auto bytes = src.read_rest(h.data_offset);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  // Which column each value lands in, to know the packed ones.
  std::vector<const PcdField*> field_of;
  for (const auto& f : h.fields)
    for (std::uint64_t k = 0; k < f.count; ++k)
      field_of.push_back(&f);
  b.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(h.points, bytes.size() / 2 + 1)));
  std::vector<double> row(h.columns);
  std::vector<std::string_view> tok;
  std::size_t pos = 0;
  std::uint64_t line_no = 0;
  std::uint64_t read = 0;
  std::string_view line;
  while (read < h.points && next_line(text, pos, line)) {
    ++line_no;
    split_whitespace(line, tok);
    if (tok.empty()) continue;
    if (tok.size() != h.columns)
      src.fail("data line " + std::to_string(line_no) + " has " + std::to_string(tok.size()) +
               " values, expected " + std::to_string(h.columns));
    for (std::size_t c = 0; c < tok.size(); ++c) {
      bool ok = false;
      const PcdField& f = *field_of[c];
      if (f.packed_rgb) {
        row[c] = packed_ascii(tok[c], ok);
      } else {
        ok = parse_double(tok[c], row[c]);
        // Rounded to the declared type, as the binary encodings store it.
        if (f.type == 'F' && f.size == 4) row[c] = static_cast<float>(row[c]);
      }
      if (!ok)
        src.fail("data line " + std::to_string(line_no) + ": '" + std::string(tok[c]) +
                 "' is not a number");
    }
    b.add(row.data());
    ++read;
  }
  if (read < h.points)
    src.fail("declares " + std::to_string(h.points) + " points but the data has only " +
             std::to_string(read));
}

} // namespace

PointCloud read_pcd(const ByteSource& src) {
  const PcdHeader h = parse_header(src);
  std::vector<std::string> columns;
  std::vector<bool> packed;
  std::vector<std::string> stored;
  for (const auto& f : h.fields) {
    stored.push_back(f.name);
    for (std::uint64_t k = 0; k < f.count; ++k) {
      columns.push_back(f.count == 1 ? f.name : f.name + "_" + std::to_string(k));
      packed.push_back(f.packed_rgb);
    }
  }
  PointCloudBuilder builder(src.name(), columns, packed);
  builder.set_skip_non_finite(true);
  if (h.encoding == "ascii")
    read_ascii(src, h, builder);
  else if (h.encoding == "binary")
    read_binary(src, h, builder);
  else
    read_compressed(src, h, builder);

  const std::uint64_t skipped = builder.skipped();
  PointCloud cloud = builder.finish(stored);
  cloud.metadata.set("encoding", h.encoding);
  if (!h.version.empty()) cloud.metadata.set("version", h.version);
  cloud.metadata.set("width", std::to_string(h.width));
  cloud.metadata.set("height", std::to_string(h.height));
  cloud.metadata.set("points", std::to_string(h.points));
  cloud.metadata.set("organized", h.height > 1 ? "true" : "false");
  if (!h.viewpoint.empty()) cloud.metadata.set("viewpoint", h.viewpoint);
  cloud.metadata.set("nan_points_skipped", std::to_string(skipped));
  pointcloud::set_bounds_metadata(cloud);
  return cloud;
}

PointCloud read_pcd(const std::string& path) {
  return read_pcd(FileSource(path));
}

FileInfo inspect_pcd(const std::string& path) {
  const PointCloud cloud = read_pcd(path);
  std::uint64_t points = 0, width = 0, height = 0;
  parse_u64(*cloud.metadata.find("points"), points);
  parse_u64(*cloud.metadata.find("width"), width);
  parse_u64(*cloud.metadata.find("height"), height);
  FileInfo info;
  info.points = points;
  info.fields = cloud.stored_fields;
  info.set_extra("encoding", *cloud.metadata.find("encoding"));
  if (const std::string* v = cloud.metadata.find("version")) info.set_extra("version", *v);
  info.set_extra("width", static_cast<std::int64_t>(std::min<std::uint64_t>(width, INT64_MAX)));
  info.set_extra("height", static_cast<std::int64_t>(std::min<std::uint64_t>(height, INT64_MAX)));
  info.set_extra("finite_points", static_cast<std::int64_t>(cloud.size()));
  pointcloud::add_bounds_extra(cloud, info);
  return info;
}

} // namespace atelier

// PLY reader: header parsing, then the body element by element. Only the
// vertex element is decoded; elements before it (faces may come first) are
// skipped, walking list properties item by item in binary bodies.
#include "core/formats/pointcloud/ply_reader.h"

#include "core/base/byte_order.h"
#include "core/base/error.h"
#include "core/formats/pointcloud/point_cloud_builder.h"
#include "core/formats/pointcloud/text_tokens.h"

#include <algorithm>
#include <cstring>
#include <limits>

namespace atelier {
namespace {

using namespace pointcloud;

enum class PlyType : std::uint8_t { i8 = 1, u8, i16, u16, i32, u32, f32, f64 };

std::size_t type_size(PlyType t) {
  switch (t) {
  case PlyType::i8:
  case PlyType::u8: return 1;
  case PlyType::i16:
  case PlyType::u16: return 2;
  case PlyType::i32:
  case PlyType::u32:
  case PlyType::f32: return 4;
  case PlyType::f64: return 8;
  }
  return 1;
}

bool type_from_name(std::string_view n, PlyType& t) {
  struct Name {
    const char* name;
    PlyType type;
  };
  static constexpr Name kNames[] = {
      {"char", PlyType::i8},     {"int8", PlyType::i8},     {"uchar", PlyType::u8},
      {"uint8", PlyType::u8},    {"short", PlyType::i16},   {"int16", PlyType::i16},
      {"ushort", PlyType::u16},  {"uint16", PlyType::u16},  {"int", PlyType::i32},
      {"int32", PlyType::i32},   {"uint", PlyType::u32},    {"uint32", PlyType::u32},
      {"float", PlyType::f32},   {"float32", PlyType::f32}, {"double", PlyType::f64},
      {"float64", PlyType::f64},
  };
  for (const auto& k : kNames) {
    if (n == k.name) {
      t = k.type;
      return true;
    }
  }
  return false;
}

double load_value(const std::uint8_t* p, PlyType t, Endian e) {
  switch (t) {
  case PlyType::i8: return static_cast<std::int8_t>(p[0]);
  case PlyType::u8: return p[0];
  case PlyType::i16: return load_as<std::int16_t>(p, e);
  case PlyType::u16: return load_as<std::uint16_t>(p, e);
  case PlyType::i32: return load_as<std::int32_t>(p, e);
  case PlyType::u32: return load_as<std::uint32_t>(p, e);
  case PlyType::f32: return load_as<float>(p, e);
  case PlyType::f64: return load_as<double>(p, e);
  }
  return 0.0;
}

struct PlyProperty {
  std::string name;
  PlyType type = PlyType::u8;
  bool is_list = false;
  PlyType count_type = PlyType::u8;
};

struct PlyElement {
  std::string name;
  std::uint64_t count = 0;
  std::vector<PlyProperty> props;

  bool has_lists() const {
    return std::any_of(props.begin(), props.end(), [](const auto& p) { return p.is_list; });
  }
  std::uint64_t fixed_stride() const {
    std::uint64_t s = 0;
    for (const auto& p : props)
      s += type_size(p.type);
    return s;
  }
};

enum class PlyEncoding : std::uint8_t { ascii = 1, binary_le, binary_be };

struct PlyHeader {
  PlyEncoding encoding = PlyEncoding::ascii;
  std::string encoding_name;
  std::string version;
  std::vector<PlyElement> elements;
  std::vector<std::string> comments;
  std::vector<std::string> obj_info;
  std::uint64_t body_offset = 0;
};

PlyHeader parse_header(const ByteSource& src) {
  const std::string text = read_text_header(
      src, [](std::string_view l) { return trim(l) == "end_header"; }, "end_header line");
  PlyHeader h;
  h.body_offset = text.size();
  std::size_t pos = 0;
  std::string_view line;
  std::vector<std::string_view> tok;
  next_line(text, pos, line);
  if (trim(line) != "ply") src.fail("not a PLY file (no 'ply' magic line)");
  bool have_format = false;
  while (next_line(text, pos, line)) {
    split_whitespace(line, tok);
    if (tok.empty()) continue;
    const std::string_view key = tok[0];
    if (key == "comment" || key == "obj_info") {
      const std::string rest(trim(line.substr(std::min(line.size(), line.find(key) + key.size()))));
      (key == "comment" ? h.comments : h.obj_info).push_back(rest);
    } else if (key == "format") {
      if (tok.size() != 3) src.fail("malformed format line '" + std::string(line) + "'");
      if (tok[1] == "ascii")
        h.encoding = PlyEncoding::ascii;
      else if (tok[1] == "binary_little_endian")
        h.encoding = PlyEncoding::binary_le;
      else if (tok[1] == "binary_big_endian")
        h.encoding = PlyEncoding::binary_be;
      else
        src.fail("unknown PLY encoding '" + std::string(tok[1]) + "'");
      h.encoding_name = tok[1];
      h.version = tok[2];
      have_format = true;
    } else if (key == "element") {
      PlyElement e;
      if (tok.size() != 3 || !parse_u64(tok[2], e.count))
        src.fail("malformed element line '" + std::string(line) + "'");
      e.name = tok[1];
      h.elements.push_back(std::move(e));
    } else if (key == "property") {
      if (h.elements.empty()) src.fail("property before any element");
      PlyProperty p;
      std::size_t name_at = 2;
      if (tok.size() >= 2 && tok[1] == "list") {
        if (tok.size() != 5) src.fail("malformed list property '" + std::string(line) + "'");
        p.is_list = true;
        if (!type_from_name(tok[2], p.count_type))
          src.fail("unknown property type '" + std::string(tok[2]) + "'");
        if (!type_from_name(tok[3], p.type))
          src.fail("unknown property type '" + std::string(tok[3]) + "'");
        name_at = 4;
      } else {
        if (tok.size() != 3) src.fail("malformed property line '" + std::string(line) + "'");
        if (!type_from_name(tok[1], p.type))
          src.fail("unknown property type '" + std::string(tok[1]) + "'");
      }
      p.name = tok[name_at];
      h.elements.back().props.push_back(std::move(p));
    } else if (key == "end_header") {
      break;
    } else {
      src.fail("unknown header line '" + std::string(line) + "'");
    }
  }
  if (!have_format) src.fail("no format line");
  return h;
}

// Sequential reads through a 64 KiB window, for walking list properties.
class ChunkReader {
public:
  ChunkReader(const ByteSource& src, std::uint64_t pos) : src_(src), pos_(pos) {}

  std::uint64_t remaining() const { return pos_ < src_.size() ? src_.size() - pos_ : 0; }

  const std::uint8_t* take(std::size_t n) {
    if (n > remaining()) truncated(n);
    if (pos_ < buf_start_ || pos_ + n > buf_start_ + buf_.size()) {
      const std::size_t len = static_cast<std::size_t>(
          std::min<std::uint64_t>(std::max<std::size_t>(kWindow, n), remaining()));
      buf_.resize(len);
      src_.read_at(pos_, buf_.data(), len);
      buf_start_ = pos_;
    }
    const std::uint8_t* p = buf_.data() + (pos_ - buf_start_);
    pos_ += n;
    return p;
  }

  void skip(std::uint64_t n) {
    if (n > remaining()) truncated(n);
    pos_ += n;
  }

private:
  static constexpr std::size_t kWindow = 64 * 1024;
  [[noreturn]] void truncated(std::uint64_t n) const {
    src_.fail("truncated binary body: needs " + std::to_string(n) + " bytes at offset " +
              std::to_string(pos_) + " but the file has " + std::to_string(src_.size()));
  }

  const ByteSource& src_;
  std::uint64_t pos_ = 0;
  std::uint64_t buf_start_ = 0;
  std::vector<std::uint8_t> buf_;
};

std::uint64_t list_count(double v, const ByteSource& src) {
  if (!(v >= 0.0) || v > 4294967295.0) src.fail("negative or invalid list length");
  return static_cast<std::uint64_t>(v);
}

// Binary elements: the vertex element into the builder, others skipped.
void read_binary(const ByteSource& src, const PlyHeader& h, std::size_t vertex_index,
                 PointCloudBuilder& builder) {
  const Endian order = h.encoding == PlyEncoding::binary_le ? Endian::little : Endian::big;
  ChunkReader in(src, h.body_offset);
  for (std::size_t ei = 0; ei <= vertex_index; ++ei) {
    const PlyElement& e = h.elements[ei];
    const bool lists = e.has_lists();
    const std::uint64_t stride = e.fixed_stride();
    if (ei != vertex_index) {
      if (!lists) {
        if (stride && e.count > in.remaining() / stride)
          src.fail("truncated binary body: element '" + e.name + "' declares " +
                   std::to_string(e.count) + " items of " + std::to_string(stride) +
                   " bytes but only " + std::to_string(in.remaining()) + " bytes remain");
        in.skip(e.count * stride);
        continue;
      }
      for (std::uint64_t i = 0; i < e.count; ++i) {
        for (const auto& p : e.props) {
          if (!p.is_list) {
            in.skip(type_size(p.type));
            continue;
          }
          const std::size_t cs = type_size(p.count_type);
          const std::uint64_t n = list_count(load_value(in.take(cs), p.count_type, order), src);
          in.skip(n * type_size(p.type));
        }
      }
      continue;
    }
    if (!lists && stride && e.count > in.remaining() / stride)
      src.fail("truncated binary body: " + std::to_string(e.count) + " vertices of " +
               std::to_string(stride) + " bytes need " + std::to_string(e.count * stride) +
               " bytes but only " + std::to_string(in.remaining()) + " remain");
    builder.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(e.count, in.remaining())));
    std::vector<double> row(builder.columns());
    for (std::uint64_t i = 0; i < e.count; ++i) {
      std::size_t c = 0;
      for (const auto& p : e.props) {
        if (p.is_list) {
          const std::uint64_t n =
              list_count(load_value(in.take(type_size(p.count_type)), p.count_type, order), src);
          in.skip(n * type_size(p.type));
          continue;
        }
        row[c++] = load_value(in.take(type_size(p.type)), p.type, order);
      }
      builder.add(row.data());
    }
  }
}

// ASCII bodies as one whitespace-separated token stream: items may span or
// share lines without changing the meaning.
class TokenStream {
public:
  TokenStream(const ByteSource& src, std::string text) : src_(src), text_(std::move(text)) {}

  std::string_view next(const char* what) {
    while (pos_ < text_.size() && is_space(text_[pos_]))
      ++pos_;
    if (pos_ >= text_.size())
      src_.fail(std::string("truncated ascii body: ") + what + " is missing");
    const std::size_t start = pos_;
    while (pos_ < text_.size() && !is_space(text_[pos_]))
      ++pos_;
    return std::string_view(text_).substr(start, pos_ - start);
  }
  double number(const char* what) {
    const std::string_view t = next(what);
    double v = 0.0;
    if (!parse_double(t, v))
      src_.fail(std::string(what) + ": '" + std::string(t) + "' is not a number");
    return v;
  }
  std::size_t size() const { return text_.size(); }

private:
  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
  const ByteSource& src_;
  std::string text_;
  std::size_t pos_ = 0;
};

void read_ascii(const ByteSource& src, const PlyHeader& h, std::size_t vertex_index,
                PointCloudBuilder& builder) {
  const auto bytes = src.read_rest(h.body_offset);
  TokenStream in(src, std::string(bytes.begin(), bytes.end()));
  for (std::size_t ei = 0; ei <= vertex_index; ++ei) {
    const PlyElement& e = h.elements[ei];
    // Items without properties hold no tokens; nothing to skip.
    if (e.props.empty()) continue;
    const bool is_vertex = ei == vertex_index;
    const std::string what = "element '" + e.name + "'";
    if (is_vertex)
      builder.reserve(
          static_cast<std::size_t>(std::min<std::uint64_t>(e.count, in.size() / 2 + 1)));
    std::vector<double> row(builder.columns());
    for (std::uint64_t i = 0; i < e.count; ++i) {
      std::size_t c = 0;
      for (const auto& p : e.props) {
        if (p.is_list) {
          const std::uint64_t n = list_count(in.number(what.c_str()), src);
          for (std::uint64_t k = 0; k < n; ++k)
            in.next(what.c_str());
        } else if (is_vertex) {
          // Rounded to the declared type, as the binary encodings store it.
          const double v = in.number("vertex");
          row[c++] = p.type == PlyType::f32 ? static_cast<float>(v) : v;
        } else {
          in.next(what.c_str());
        }
      }
      if (is_vertex) builder.add(row.data());
    }
  }
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '\n';
    out += p;
  }
  return out;
}

} // namespace

PointCloud read_ply(const ByteSource& src) {
  const PlyHeader h = parse_header(src);
  std::size_t vertex_index = h.elements.size();
  for (std::size_t i = 0; i < h.elements.size(); ++i) {
    if (h.elements[i].name == "vertex") {
      vertex_index = i;
      break;
    }
  }
  if (vertex_index == h.elements.size()) src.fail("no vertex element");
  std::vector<std::string> columns;
  for (const auto& p : h.elements[vertex_index].props)
    if (!p.is_list) columns.push_back(p.name);

  PointCloudBuilder builder(src.name(), columns);
  if (h.encoding == PlyEncoding::ascii)
    read_ascii(src, h, vertex_index, builder);
  else
    read_binary(src, h, vertex_index, builder);

  const std::uint64_t skipped = builder.skipped();
  PointCloud cloud = builder.finish(columns);
  if (skipped) cloud.metadata.set("nan_points_skipped", std::to_string(skipped));
  cloud.metadata.set("encoding", h.encoding_name);
  cloud.metadata.set("version", h.version);
  for (const auto& e : h.elements) {
    if (e.name == "face")
      cloud.metadata.set("faces", std::to_string(e.count));
    else if (e.name != "vertex")
      cloud.metadata.set("element_" + e.name, std::to_string(e.count));
  }
  if (!h.comments.empty()) cloud.metadata.set("comment", join(h.comments));
  if (!h.obj_info.empty()) cloud.metadata.set("obj_info", join(h.obj_info));
  pointcloud::set_bounds_metadata(cloud);
  return cloud;
}

PointCloud read_ply(const std::string& path) {
  return read_ply(FileSource(path));
}

FileInfo inspect_ply(const std::string& path) {
  const PointCloud cloud = read_ply(path);
  FileInfo info;
  info.points = cloud.size();
  info.fields = cloud.stored_fields;
  info.set_extra("encoding", *cloud.metadata.find("encoding"));
  info.set_extra("version", *cloud.metadata.find("version"));
  std::uint64_t faces = 0;
  if (const std::string* text = cloud.metadata.find("faces"); text && parse_u64(*text, faces))
    info.set_extra("faces", static_cast<std::int64_t>(std::min<std::uint64_t>(
                                faces, std::numeric_limits<std::int64_t>::max())));
  pointcloud::add_bounds_extra(cloud, info);
  return info;
}

} // namespace atelier

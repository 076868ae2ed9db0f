// safetensors writer and strict reader (see safetensors.h).
#include "core/io/safetensors.h"

#include "core/io/atomic_file.h"

#include "core/base/error.h"
#include "core/io/json_reader.h"
#include "core/io/json_writer.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <numeric>
#include <set>

namespace atelier {

namespace {

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// Product of dims times elem, or nullopt on a negative dimension or overflow.
std::optional<std::uint64_t> byte_count(const std::vector<std::int64_t>& shape, std::size_t elem) {
  std::uint64_t n = elem;
  for (const std::int64_t d : shape) {
    if (d < 0) return std::nullopt;
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n)) return std::nullopt;
  }
  return n;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

} // namespace

namespace {

// In the order of the reference implementation's Dtype enum, whose writer
// stores tensors by this rank descending (element sizes never increase, so
// every tensor is aligned), then by name; we do the same, byte for byte.
constexpr std::pair<std::string_view, std::size_t> kDtypes[] = {
    {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"I16", 2}, {"U16", 2}, {"F16", 2}, {"BF16", 2},
    {"I32", 4},  {"U32", 4}, {"F32", 4}, {"F64", 8}, {"I64", 8}, {"U64", 8}};

std::size_t dtype_rank(std::string_view dtype) {
  for (std::size_t i = 0; i < std::size(kDtypes); ++i)
    if (kDtypes[i].first == dtype) return i;
  return 0;
}

} // namespace

std::optional<std::size_t> safetensors_dtype_size(std::string_view dtype) {
  for (const auto& [name, size] : kDtypes)
    if (name == dtype) return size;
  return std::nullopt;
}

// ---------------------------------------------------------------- writer

std::vector<std::uint8_t>
serialize_safetensors(const std::string& name, std::span<const TensorView> tensors,
                      const std::vector<std::pair<std::string, std::string>>& metadata) {
  auto fail = [&](const std::string& why) { throw FormatError(name, why); };

  std::vector<std::size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::vector<std::size_t> rank(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const TensorView& t = tensors[i];
    if (t.name.empty()) fail("cannot write a tensor with an empty name");
    if (t.name == "__metadata__") fail("cannot write a tensor named '__metadata__'");
    if (!valid_utf8(t.name)) fail("tensor name is not valid UTF-8");
    const auto size = safetensors_dtype_size(t.dtype);
    if (!size) fail("tensor " + quoted(t.name) + ": unknown dtype " + quoted(t.dtype));
    rank[i] = dtype_rank(t.dtype);
    const auto need = byte_count(t.shape, *size);
    if (!need) fail("tensor " + quoted(t.name) + ": invalid shape " + shape_text(t.shape));
    if (*need != t.bytes.size())
      fail("tensor " + quoted(t.name) + ": has " + std::to_string(t.bytes.size()) +
           " bytes but shape " + shape_text(t.shape) + " of " + t.dtype + " needs " +
           std::to_string(*need));
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (rank[a] != rank[b]) return rank[a] > rank[b];
    return tensors[a].name < tensors[b].name;
  });
  for (std::size_t i = 1; i < order.size(); ++i)
    if (tensors[order[i]].name == tensors[order[i - 1]].name)
      fail("duplicate tensor name " + quoted(tensors[order[i]].name));

  auto meta = metadata;
  std::sort(meta.begin(), meta.end());
  for (std::size_t i = 0; i < meta.size(); ++i) {
    if (i && meta[i].first == meta[i - 1].first)
      fail("duplicate metadata key " + quoted(meta[i].first));
    if (!valid_utf8(meta[i].first) || !valid_utf8(meta[i].second))
      fail("metadata is not valid UTF-8");
  }

  JsonWriter w;
  w.begin_object();
  if (!meta.empty()) {
    w.key("__metadata__").begin_object();
    for (const auto& [k, v] : meta)
      w.key(k).value(v);
    w.end_object();
  }
  std::uint64_t offset = 0;
  for (const std::size_t i : order) {
    const TensorView& t = tensors[i];
    w.key(t.name).begin_object();
    w.key("dtype").value(t.dtype);
    w.key("shape").begin_array();
    for (const std::int64_t d : t.shape)
      w.value(d);
    w.end_array();
    w.key("data_offsets").begin_array().value(offset).value(offset + t.bytes.size()).end_array();
    w.end_object();
    offset += t.bytes.size();
  }
  w.end_object();
  std::string header = w.str();
  header.append((8 - header.size() % 8) % 8, ' ');

  std::vector<std::uint8_t> out;
  out.reserve(8 + header.size() + offset);
  const std::uint64_t n = header.size();
  for (int b = 0; b < 8; ++b)
    out.push_back(static_cast<std::uint8_t>(n >> (8 * b)));
  out.insert(out.end(), header.begin(), header.end());
  for (const std::size_t i : order)
    out.insert(out.end(), tensors[i].bytes.begin(), tensors[i].bytes.end());
  return out;
}

void write_safetensors(const std::string& path, std::span<const TensorView> tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata) {
  const std::vector<std::uint8_t> bytes = serialize_safetensors(path, tensors, metadata);
  write_file_atomic(path,
                    std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// ---------------------------------------------------------------- reader

SafetensorsFile::SafetensorsFile(const std::string& path)
    : SafetensorsFile(std::make_unique<FileSource>(path)) {}

SafetensorsFile::SafetensorsFile(std::unique_ptr<ByteSource> source) : source_(std::move(source)) {
  parse_header();
}

void SafetensorsFile::parse_header() {
  const ByteSource& src = *source_;
  const std::uint64_t file_size = src.size();
  if (file_size < 8)
    src.fail("file too small for a safetensors header (" + std::to_string(file_size) + " bytes)");
  std::uint8_t len_bytes[8];
  src.read_at(0, len_bytes, 8);
  std::uint64_t n = 0;
  for (int b = 7; b >= 0; --b)
    n = (n << 8) | len_bytes[b];
  if (n > kSafetensorsMaxHeader)
    src.fail("header length " + std::to_string(n) + " exceeds the " +
             std::to_string(kSafetensorsMaxHeader) + "-byte limit");
  if (n > file_size - 8)
    src.fail("header length " + std::to_string(n) + " exceeds the file size (" +
             std::to_string(file_size) + " bytes)");
  const std::vector<std::uint8_t> raw = src.read_vector(8, static_cast<std::size_t>(n));
  const std::string_view text(reinterpret_cast<const char*>(raw.data()), raw.size());
  if (!valid_utf8(text)) src.fail("header is not valid UTF-8");
  if (text.empty() || text[0] != '{') src.fail("header does not start with '{'");
  const JsonValue root = parse_json_restricted(text, src.name());
  if (root.kind != JsonValue::Kind::object) src.fail("header is not a JSON object");

  data_start_ = 8 + n;
  const std::uint64_t buffer_size = file_size - data_start_;
  bool have_metadata = false;
  for (std::size_t i = 0; i < root.keys.size(); ++i) {
    const std::string& key = root.keys[i];
    const JsonValue& v = root.items[i];
    if (key == "__metadata__") {
      if (have_metadata) src.fail("duplicate '__metadata__'");
      have_metadata = true;
      if (v.kind != JsonValue::Kind::object)
        src.fail("'__metadata__' must be an object of strings");
      std::set<std::string_view> seen;
      for (std::size_t m = 0; m < v.keys.size(); ++m) {
        if (v.items[m].kind != JsonValue::Kind::string)
          src.fail("metadata " + quoted(v.keys[m]) + " is not a string");
        if (!seen.insert(v.keys[m]).second) src.fail("duplicate metadata key " + quoted(v.keys[m]));
        metadata_.emplace_back(v.keys[m], v.items[m].text);
      }
      continue;
    }
    const std::string what = "tensor " + quoted(key) + ": ";
    if (v.kind != JsonValue::Kind::object) src.fail(what + "entry is not an object");
    SafetensorsInfo t;
    t.name = key;
    bool has_dtype = false, has_shape = false, has_offsets = false;
    for (std::size_t f = 0; f < v.keys.size(); ++f) {
      const std::string& field = v.keys[f];
      const JsonValue& fv = v.items[f];
      if (field == "dtype") {
        if (has_dtype) src.fail(what + "duplicate 'dtype'");
        has_dtype = true;
        if (fv.kind != JsonValue::Kind::string) src.fail(what + "'dtype' is not a string");
        t.dtype = fv.text;
      } else if (field == "shape") {
        if (has_shape) src.fail(what + "duplicate 'shape'");
        has_shape = true;
        if (fv.kind != JsonValue::Kind::array) src.fail(what + "'shape' is not an array");
        for (const std::int64_t d : fv.ints) {
          if (d < 0) src.fail(what + "negative dimension " + std::to_string(d) + " in shape");
          t.shape.push_back(d);
        }
      } else if (field == "data_offsets") {
        if (has_offsets) src.fail(what + "duplicate 'data_offsets'");
        has_offsets = true;
        if (fv.kind != JsonValue::Kind::array || fv.ints.size() != 2)
          src.fail(what + "'data_offsets' is not a pair of integers");
        if (fv.ints[0] < 0 || fv.ints[1] < 0) src.fail(what + "negative data_offsets");
        t.begin = static_cast<std::uint64_t>(fv.ints[0]);
        t.end = static_cast<std::uint64_t>(fv.ints[1]);
      } else {
        src.fail(what + "unexpected key " + quoted(field));
      }
    }
    if (!has_dtype) src.fail(what + "missing 'dtype'");
    if (!has_shape) src.fail(what + "missing 'shape'");
    if (!has_offsets) src.fail(what + "missing 'data_offsets'");
    const auto elem = safetensors_dtype_size(t.dtype);
    if (!elem) src.fail(what + "unknown dtype " + quoted(t.dtype));
    if (t.begin > t.end)
      src.fail(what + "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
               "] end before they begin");
    if (t.end > buffer_size)
      src.fail(what + "data_offsets [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
               "] exceed the " + std::to_string(buffer_size) + "-byte data buffer");
    const auto need = byte_count(t.shape, *elem);
    if (!need) src.fail(what + "shape " + shape_text(t.shape) + " overflows");
    if (*need != t.byte_size())
      src.fail(what + "data_offsets hold " + std::to_string(t.byte_size()) + " bytes but shape " +
               shape_text(t.shape) + " of " + t.dtype + " needs " + std::to_string(*need));
    tensors_.push_back(std::move(t));
  }

  // Names are unique, and the tensors tile the buffer exactly (the spec
  // forbids holes, so a reader may map the whole buffer safely).
  std::vector<std::string_view> sorted_names;
  sorted_names.reserve(tensors_.size());
  for (const auto& t : tensors_)
    sorted_names.push_back(t.name);
  std::sort(sorted_names.begin(), sorted_names.end());
  for (std::size_t i = 1; i < sorted_names.size(); ++i)
    if (sorted_names[i] == sorted_names[i - 1])
      src.fail("duplicate tensor name " + quoted(sorted_names[i]));
  std::stable_sort(tensors_.begin(), tensors_.end(),
                   [](const SafetensorsInfo& a, const SafetensorsInfo& b) {
                     return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
                   });
  std::uint64_t covered = 0;
  for (std::size_t i = 0; i < tensors_.size(); ++i) {
    const SafetensorsInfo& t = tensors_[i];
    if (t.begin != covered) {
      const std::string prev =
          i ? "the previous tensor " + quoted(tensors_[i - 1].name) + " ends at "
            : "the buffer starts at ";
      src.fail("tensor " + quoted(t.name) + " starts at " + std::to_string(t.begin) + " but " +
               prev + std::to_string(covered) + (t.begin < covered ? " (overlap)" : " (gap)"));
    }
    covered = t.end;
  }
  if (covered != buffer_size)
    src.fail("data buffer has " + std::to_string(buffer_size) + " bytes but tensors cover " +
             std::to_string(covered));
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& t : tensors_)
    out.push_back(t.name);
  return out;
}

bool SafetensorsFile::contains(std::string_view name) const {
  return std::any_of(tensors_.begin(), tensors_.end(),
                     [&](const SafetensorsInfo& t) { return t.name == name; });
}

const SafetensorsInfo& SafetensorsFile::info(std::string_view name) const {
  for (const auto& t : tensors_)
    if (t.name == name) return t;
  source_->fail("no tensor named " + quoted(name));
}

std::vector<std::uint8_t> SafetensorsFile::read(std::string_view name) const {
  const SafetensorsInfo& t = info(name);
  return source_->read_vector(data_start_ + t.begin, static_cast<std::size_t>(t.byte_size()));
}

void SafetensorsFile::read_into(std::string_view name, std::span<std::uint8_t> dst) const {
  const SafetensorsInfo& t = info(name);
  if (dst.size() != t.byte_size())
    source_->fail("tensor " + quoted(name) + " has " + std::to_string(t.byte_size()) +
                  " bytes, destination " + std::to_string(dst.size()));
  if (!dst.empty()) source_->read_at(data_start_ + t.begin, dst.data(), dst.size());
}

} // namespace atelier

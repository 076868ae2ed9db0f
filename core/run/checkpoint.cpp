// Checkpoint files on top of safetensors; see checkpoint.h.
#include "core/run/checkpoint.h"

#include "core/base/error.h"
#include "core/base/half.h"
#include "core/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>

namespace atelier::run {

static_assert(std::endian::native == std::endian::little,
              "checkpoint.cpp stores floats with memcpy; add byte swapping for big-endian hosts");

namespace {

bool is_reserved_key(std::string_view key) {
  return key == "format" || key == "version" || key == "step" || key == "recipe";
}

// Product of dims, refusing negative dims and overflow; nullopt when invalid.
std::optional<std::uint64_t> element_count(const std::vector<std::int64_t>& shape) {
  std::uint64_t n = 1;
  for (const std::int64_t d : shape) {
    if (d < 0) return std::nullopt;
    const auto ud = static_cast<std::uint64_t>(d);
    if (ud != 0 && n > UINT64_MAX / ud) return std::nullopt;
    n *= ud;
  }
  return n;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

std::optional<std::int64_t> parse_step(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  for (const char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  std::int64_t v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

const std::string* find_meta(const SafetensorsFile& f, std::string_view key) {
  for (const auto& [k, v] : f.metadata())
    if (k == key) return &v;
  return nullptr;
}

// Reads one tensor into c: F32 into tensors; with widen also F16, BF16 and
// F64, converted to f32; anything else into raw_tensors as its bytes.
void read_tensor(const SafetensorsFile& f, const std::string& name, bool widen, Checkpoint& c) {
  const SafetensorsInfo& info = f.info(name);
  const bool half = info.dtype == "F16" || info.dtype == "BF16";
  if (info.dtype != "F32" && !(widen && (half || info.dtype == "F64"))) {
    c.raw_tensors.push_back({name, info.dtype, info.shape, f.read(name)});
    return;
  }
  CheckpointTensor t;
  t.name = name;
  t.shape = info.shape;
  // The header check already tied byte_size to the shape and the file size.
  if (info.dtype == "F32") {
    t.values.resize(info.byte_size() / sizeof(float));
    f.read_into(name, std::span(reinterpret_cast<std::uint8_t*>(t.values.data()),
                                t.values.size() * sizeof(float)));
  } else {
    const std::vector<std::uint8_t> bytes = f.read(name);
    const std::size_t size = half ? 2 : 8;
    t.values.resize(bytes.size() / size);
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      const std::uint8_t* p = bytes.data() + i * size;
      if (info.dtype == "F16") {
        t.values[i] = half_to_float(std::uint16_t(p[0] | p[1] << 8));
      } else if (info.dtype == "BF16") {
        const std::uint32_t u = std::uint32_t(p[0] | p[1] << 8) << 16;
        std::memcpy(&t.values[i], &u, 4);
      } else {
        double d;
        std::memcpy(&d, p, 8);
        t.values[i] = float(d);
      }
    }
  }
  c.tensors.push_back(std::move(t));
}

// Checks the metadata and the RNG tensor's layout of an opened file; returns the step.
std::int64_t check_metadata(const SafetensorsFile& f, const std::string& path) {
  const std::string* format = find_meta(f, "format");
  if (format == nullptr || *format != kCheckpointFormat)
    throw FormatError(path, "not an Atelier checkpoint (metadata \"format\" is not \"" +
                                std::string(kCheckpointFormat) + "\")");
  const std::string* version = find_meta(f, "version");
  if (version == nullptr) throw FormatError(path, "checkpoint has no \"version\" metadata");
  if (*version != kCheckpointVersion)
    throw FormatError(path, "unsupported checkpoint version \"" + *version + "\"");
  const std::string* step = find_meta(f, "step");
  if (step == nullptr) throw FormatError(path, "checkpoint has no \"step\" metadata");
  const auto parsed = parse_step(*step);
  if (!parsed) throw FormatError(path, "invalid \"step\" metadata \"" + *step + "\"");
  if (f.contains(kRngStateTensor)) {
    const SafetensorsInfo& info = f.info(kRngStateTensor);
    if (info.dtype != "U8" || info.shape.size() != 1)
      throw FormatError(path, "\"" + std::string(kRngStateTensor) + "\" is " + info.dtype + " " +
                                  shape_text(info.shape) + ", expected 1-d U8");
  }
  return *parsed;
}

} // namespace

const CheckpointTensor* Checkpoint::find(std::string_view name) const {
  for (const auto& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

const CheckpointRawTensor* Checkpoint::find_raw(std::string_view name) const {
  for (const auto& t : raw_tensors)
    if (t.name == name) return &t;
  return nullptr;
}

void write_checkpoint(const std::string& path, const Checkpoint& ck) {
  if (ck.step < 0) throw FormatError(path, "negative checkpoint step " + std::to_string(ck.step));
  std::vector<TensorView> views;
  views.reserve(ck.tensors.size() + ck.raw_tensors.size() + 1);
  auto check_name = [&](const std::string& name) {
    if (name == kRngStateTensor)
      throw FormatError(path, "tensor name \"" + name + "\" is reserved for the RNG state");
  };
  for (const auto& t : ck.tensors) {
    check_name(t.name);
    const auto n = element_count(t.shape);
    if (!n || *n != t.values.size())
      throw FormatError(path, "tensor \"" + t.name + "\": shape " + shape_text(t.shape) +
                                  " does not match " + std::to_string(t.values.size()) + " values");
    views.push_back({t.name, "F32", t.shape,
                     std::span(reinterpret_cast<const std::uint8_t*>(t.values.data()),
                               t.values.size() * sizeof(float))});
  }
  for (const auto& t : ck.raw_tensors) {
    check_name(t.name);
    if (!element_count(t.shape))
      throw FormatError(path, "tensor \"" + t.name + "\": invalid shape " + shape_text(t.shape));
    // write_safetensors checks the dtype and the byte count against the shape.
    views.push_back({t.name, t.dtype, t.shape, std::span(t.bytes)});
  }
  if (!ck.rng_state.empty())
    views.push_back({std::string(kRngStateTensor),
                     "U8",
                     {static_cast<std::int64_t>(ck.rng_state.size())},
                     std::span(ck.rng_state)});

  std::vector<std::pair<std::string, std::string>> meta;
  meta.reserve(ck.metadata.size() + 4);
  meta.emplace_back("format", std::string(kCheckpointFormat));
  meta.emplace_back("version", std::string(kCheckpointVersion));
  meta.emplace_back("step", std::to_string(ck.step));
  meta.emplace_back("recipe", ck.recipe_json);
  for (const auto& [k, v] : ck.metadata) {
    if (is_reserved_key(k)) throw FormatError(path, "metadata key \"" + k + "\" is reserved");
    meta.emplace_back(k, v);
  }
  write_safetensors(path, views, meta);
}

Checkpoint read_checkpoint(const std::string& path) {
  const SafetensorsFile f(path);
  Checkpoint ck;
  ck.step = check_metadata(f, path);
  for (const auto& [k, v] : f.metadata()) {
    if (k == "recipe")
      ck.recipe_json = v;
    else if (!is_reserved_key(k))
      ck.metadata.emplace_back(k, v);
  }
  std::vector<std::string> names = f.names();
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    if (name == kRngStateTensor) { // its layout was checked with the metadata
      ck.rng_state = f.read(name);
      continue;
    }
    read_tensor(f, name, false, ck);
  }
  return ck;
}

namespace {
// nn.DataParallel's "module." before every floating tensor's name, removed.
void strip_module_prefix(Checkpoint& ck) {
  const auto prefixed = [](const CheckpointTensor& t) { return t.name.starts_with("module."); };
  if (!ck.tensors.empty() && std::all_of(ck.tensors.begin(), ck.tensors.end(), prefixed))
    for (CheckpointTensor& t : ck.tensors)
      t.name.erase(0, 7);
}
} // namespace

Checkpoint read_weights(const std::string& path) {
  const SafetensorsFile f(path);
  if (find_meta(f, "format") && *find_meta(f, "format") == kCheckpointFormat)
    return read_checkpoint(path);
  Checkpoint ck;
  std::vector<std::string> names = f.names();
  std::sort(names.begin(), names.end());
  for (const std::string& name : names)
    read_tensor(f, name, true, ck);
  strip_module_prefix(ck);
  return ck;
}

Checkpoint read_weight_shapes(const std::string& path) {
  const SafetensorsFile f(path);
  Checkpoint ck;
  std::vector<std::string> names = f.names();
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const SafetensorsInfo& info = f.info(name);
    if (info.dtype == "F32" || info.dtype == "F16" || info.dtype == "BF16" || info.dtype == "F64")
      ck.tensors.push_back({name, info.shape, {}});
  }
  if (!find_meta(f, "format") || *find_meta(f, "format") != kCheckpointFormat)
    strip_module_prefix(ck);
  return ck;
}

std::optional<std::int64_t> probe_checkpoint_step(const std::string& path) {
  try {
    const SafetensorsFile f(path);
    return check_metadata(f, path);
  } catch (const Error&) {
    return std::nullopt;
  }
}

} // namespace atelier::run

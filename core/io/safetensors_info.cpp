// inspect_safetensors: the tensors of a safetensors file, measured.
#include "core/io/safetensors_info.h"

#include "core/base/half.h"
#include "core/io/safetensors.h"

#include <cstring>
#include <set>
#include <vector>

namespace atelier {
namespace {

bool floating(const std::string& dtype) {
  return dtype == "F16" || dtype == "BF16" || dtype == "F32" || dtype == "F64";
}

// Adds one tensor's values, read in blocks so a large tensor never needs a
// second copy in memory beside its bytes.
void add_values(RunningStats& stats, const std::vector<std::uint8_t>& bytes,
                const std::string& dtype) {
  if (dtype == "F32") {
    stats.add(bytes.data(), DType::f32, bytes.size() / 4);
  } else if (dtype == "F64") {
    stats.add(bytes.data(), DType::f64, bytes.size() / 8);
  } else if (dtype == "F16") {
    stats.add(bytes.data(), DType::f16, bytes.size() / 2);
  } else { // BF16: the upper half of an f32
    constexpr std::size_t kBlock = 4096;
    float block[kBlock];
    const std::size_t n = bytes.size() / 2;
    for (std::size_t i = 0; i < n; i += kBlock) {
      const std::size_t m = std::min(kBlock, n - i);
      for (std::size_t j = 0; j < m; ++j) {
        const std::uint8_t* p = bytes.data() + 2 * (i + j);
        const std::uint32_t u = std::uint32_t(p[0] | p[1] << 8) << 16;
        std::memcpy(&block[j], &u, 4);
      }
      stats.add(block, DType::f32, m);
    }
  }
}

} // namespace

FileInfo inspect_safetensors(const std::string& path) {
  const SafetensorsFile f(path);
  FileInfo info;
  RunningStats stats;
  std::int64_t parameters = 0, optimizer = 0;
  std::set<std::string> dtypes;
  const std::vector<std::string> names = f.names();
  for (const std::string& name : names) {
    const SafetensorsInfo& t = f.info(name);
    if (name.starts_with("optim.")) {
      ++optimizer;
      continue;
    }
    if (!floating(t.dtype)) continue;
    dtypes.insert(t.dtype);
    const std::vector<std::uint8_t> bytes = f.read(name);
    parameters += std::int64_t(bytes.size() / std::size_t(t.dtype == "F64"   ? 8
                                                          : t.dtype == "F32" ? 4
                                                                             : 2));
    add_values(stats, bytes, t.dtype);
  }
  info.set_extra("tensors", std::int64_t(names.size()));
  info.set_extra("parameters", parameters);
  std::string list;
  for (const std::string& d : dtypes)
    list += (list.empty() ? "" : ", ") + d;
  if (!list.empty()) info.set_extra("weight_dtypes", list);
  if (optimizer > 0) info.set_extra("optimizer_tensors", optimizer);
  for (const auto& [key, value] : f.metadata()) {
    if (key == "format") info.set_extra("metadata_format", value);
    if (key == "step") info.set_extra("step", value);
  }
  if (stats.count() > 0 || stats.non_finite() > 0) info.stats = stats;
  return info;
}

} // namespace atelier

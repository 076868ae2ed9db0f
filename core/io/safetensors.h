// safetensors files (https://github.com/huggingface/safetensors): the training
// engine's checkpoint format, read by PyTorch's safetensors.torch.load_file.
// Layout: u64 little-endian header length N, N bytes of JSON
// {"__metadata__": {..}, "name": {"dtype", "shape", "data_offsets"}, ..},
// then the data buffer; offsets are relative to the buffer start.
#pragma once

#include "core/io/byte_source.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace atelier {

// Headers larger than this are refused, as the reference implementation does.
inline constexpr std::uint64_t kSafetensorsMaxHeader = 100'000'000;

// Element size of a safetensors dtype name ("F32", "BF16", ...); nullopt if
// unknown. Known: F64 F32 F16 BF16 I64 I32 I16 I8 U64 U32 U16 U8 BOOL.
std::optional<std::size_t> safetensors_dtype_size(std::string_view dtype);

// One tensor to write: contiguous, row-major, little-endian bytes.
struct TensorView {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape; // empty: a 0-d scalar
  std::span<const std::uint8_t> bytes;
};

// Writes a safetensors file atomically (core/io/atomic_file.h): to a temp name in the same folder,
// fsync, rename over path, fsync the folder. The bytes are those the
// reference implementation (Python safetensors.*.save_file) writes for the
// same tensors and metadata: tensors stored by dtype rank descending (U64 I64
// F64 F32 U32 I32 BF16 F16 U16 I16 I8 U8 BOOL, so each is aligned to its
// element size) then by name; the header lists "__metadata__" first, then the
// tensors in storage order, and is padded with spaces to a multiple of 8.
// Metadata keys are sorted; metadata is omitted when empty.
// Invalid input (unknown dtype, byte count not matching the shape, duplicate
// or empty names, "__metadata__" as a name, duplicate metadata keys) and I/O
// failures throw FormatError(path, reason); no temp file is left behind.
void write_safetensors(const std::string& path, std::span<const TensorView> tensors,
                       const std::vector<std::pair<std::string, std::string>>& metadata);

// The header and data in memory, without writing (what write_safetensors writes).
std::vector<std::uint8_t>
serialize_safetensors(const std::string& name, std::span<const TensorView> tensors,
                      const std::vector<std::pair<std::string, std::string>>& metadata);

struct SafetensorsInfo {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0; // data_offsets, relative to the buffer
  std::uint64_t end = 0;
  std::uint64_t byte_size() const { return end - begin; }
};

// A validated safetensors file. The constructor reads and checks the header
// (length within the file and the cap, UTF-8, JSON, known dtypes, shape x
// dtype size == byte span with overflow checks, offsets inside the buffer,
// tensors tiling the buffer with no gap or overlap, unique names); tensor data
// is read on demand. Violations throw FormatError(source name, reason).
class SafetensorsFile {
public:
  explicit SafetensorsFile(const std::string& path);
  explicit SafetensorsFile(std::unique_ptr<ByteSource> source);

  const std::string& source_name() const { return source_->name(); }
  // Tensor names in storage (offset) order.
  std::vector<std::string> names() const;
  bool contains(std::string_view name) const;
  // Throws FormatError ("no tensor named ...") when absent.
  const SafetensorsInfo& info(std::string_view name) const;
  std::vector<std::uint8_t> read(std::string_view name) const;
  // Reads into dst, whose size must equal the tensor's byte size.
  void read_into(std::string_view name, std::span<std::uint8_t> dst) const;
  // "__metadata__" entries in header order.
  const std::vector<std::pair<std::string, std::string>>& metadata() const { return metadata_; }
  // Absolute file offset of the data buffer (8 + header length).
  std::uint64_t data_start() const { return data_start_; }

private:
  void parse_header();

  std::unique_ptr<ByteSource> source_;
  std::vector<SafetensorsInfo> tensors_; // sorted by offset
  std::vector<std::pair<std::string, std::string>> metadata_;
  std::uint64_t data_start_ = 0;
};

} // namespace atelier

// Fuzz target for the safetensors reader. Whatever parses must read every
// tensor, and re-serialising it must parse back to the same names, infos,
// data and metadata; a mismatch aborts, since checkpoints would be corrupted.
#include "core/base/error.h"
#include "core/io/byte_source.h"
#include "core/io/safetensors.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

using namespace atelier;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::unique_ptr<SafetensorsFile> file;
  try {
    file = std::make_unique<SafetensorsFile>(
        std::make_unique<MemorySource>("fuzz.safetensors", data, size));
  } catch (const Error&) {
    return 0;
  }
  const std::vector<std::string> names = file->names();
  std::vector<std::vector<std::uint8_t>> payloads;
  std::vector<TensorView> views;
  for (const std::string& n : names)
    payloads.push_back(file->read(n));
  for (std::size_t i = 0; i < names.size(); ++i) {
    const SafetensorsInfo& info = file->info(names[i]);
    if (payloads[i].size() != info.byte_size()) std::abort();
    views.push_back({info.name, info.dtype, info.shape, payloads[i]});
  }
  std::vector<std::uint8_t> again;
  try {
    again = serialize_safetensors("again", views, file->metadata());
  } catch (const Error&) {
    // The only thing the reader accepts and the writer refuses: an empty
    // tensor name (legal in the format, never written by Atelier).
    bool empty_name = false;
    for (const auto& n : names)
      empty_name |= n.empty();
    if (!empty_name) std::abort();
    return 0;
  }
  const SafetensorsFile back(std::make_unique<MemorySource>("again", std::move(again)));
  if (back.metadata().size() != file->metadata().size()) std::abort();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const SafetensorsInfo& a = file->info(names[i]);
    const SafetensorsInfo& b = back.info(names[i]);
    if (a.dtype != b.dtype || a.shape != b.shape || back.read(names[i]) != payloads[i])
      std::abort();
  }
  return 0;
}

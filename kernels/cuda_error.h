// The exception every kernels host function throws on a CUDA failure.
#pragma once

#include <stdexcept>
#include <string>

namespace atelier::kernels {

class CudaError : public std::runtime_error {
public:
  CudaError(const std::string& what, bool out_of_memory)
      : std::runtime_error(what), out_of_memory_(out_of_memory) {}
  bool out_of_memory() const noexcept { return out_of_memory_; }

private:
  bool out_of_memory_ = false;
};

} // namespace atelier::kernels

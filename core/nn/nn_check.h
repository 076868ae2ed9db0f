// Argument checks shared by the CPU reference ops (internal to core/nn).
#pragma once

#include "core/base/error.h"
#include "core/nn/conv2d_reference.h"

#include <cstddef>
#include <string>

namespace atelier::nn::detail {

inline void check_size(const char* op, const char* what, std::size_t actual, std::size_t expected) {
  if (actual != expected)
    throw Error(std::string(op) + ": " + what + " has " + std::to_string(actual) +
                " values, the shape needs " + std::to_string(expected));
}

inline void check_extent(const char* op, const Nchw& shape) {
  if (shape.n <= 0 || shape.c <= 0 || shape.h <= 0 || shape.w <= 0)
    throw Error(std::string(op) + ": tensor extents must be positive");
}

} // namespace atelier::nn::detail

// Counter-based crop sampling and the crop / flip / rot90 cutter.
#include "core/recipes/denoise/crop_sampler.h"

#include "core/base/error.h"
#include "core/recipes/denoise/counter_rng.h"

#include <string>

namespace atelier::denoise {
namespace {

// Field tags: each part of a draw hashes its own word.
enum Field : std::uint64_t { pair_field = 1, y_field, x_field, flags_field };

std::uint64_t word(std::uint64_t seed, std::int64_t step, int slot, Field f) {
  return hash_words(seed, static_cast<std::uint64_t>(step), static_cast<std::uint64_t>(slot), f);
}

struct Cell {
  std::int64_t r = 0, c = 0;
};

// Window cell that output pixel (i, j) shows: undo the rotation, then the flips.
Cell source_cell(const CropDraw& d, std::int64_t i, std::int64_t j) {
  const std::int64_t n = d.size;
  Cell m;
  switch (d.rot_k & 3) {
  case 0: m = {i, j}; break;
  case 1: m = {j, n - 1 - i}; break;
  case 2: m = {n - 1 - i, n - 1 - j}; break;
  default: m = {n - 1 - j, i}; break;
  }
  if (d.flip_v) m.r = n - 1 - m.r;
  if (d.flip_h) m.c = n - 1 - m.c;
  return m;
}

} // namespace

CropSampler::CropSampler(std::size_t pair_count, CropSpec spec, std::uint64_t seed,
                         bool swap_halves)
    : pair_count_(pair_count), spec_(spec), seed_(seed), swap_halves_(swap_halves) {
  if (pair_count_ == 0) throw Error("crop sampler: no image pairs");
  if (spec_.crop < 1) throw Error("crop sampler: crop size " + std::to_string(spec_.crop) + " < 1");
}

std::size_t CropSampler::pair_index(std::int64_t step, int slot) const {
  return static_cast<std::size_t>(uniform_below(word(seed_, step, slot, pair_field), pair_count_));
}

CropDraw CropSampler::draw(std::int64_t step, int slot, std::int64_t height,
                           std::int64_t width) const {
  if (height < spec_.crop || width < spec_.crop)
    throw Error("crop sampler: image " + std::to_string(width) + "x" + std::to_string(height) +
                " is smaller than the crop " + std::to_string(spec_.crop));
  CropDraw d;
  d.pair = pair_index(step, slot);
  d.size = spec_.crop;
  d.y = static_cast<std::int64_t>(uniform_below(
      word(seed_, step, slot, y_field), static_cast<std::uint64_t>(height - spec_.crop + 1)));
  d.x = static_cast<std::int64_t>(uniform_below(
      word(seed_, step, slot, x_field), static_cast<std::uint64_t>(width - spec_.crop + 1)));
  const std::uint64_t flags = word(seed_, step, slot, flags_field);
  if (spec_.flips) {
    d.flip_h = (flags & 1u) != 0;
    d.flip_v = (flags & 2u) != 0;
  }
  if (spec_.rot90) d.rot_k = static_cast<int>((flags >> 2) & 3u);
  if (swap_halves_) d.swap = ((flags >> 4) & 1u) != 0;
  return d;
}

void cut_crop(const float* img, std::int64_t h, std::int64_t w, const CropDraw& d, float* out) {
  const std::int64_t n = d.size;
  if (n < 1 || d.y < 0 || d.x < 0 || d.y + n > h || d.x + n > w)
    throw Error("cut_crop: window " + std::to_string(n) + "x" + std::to_string(n) +
                " at (x=" + std::to_string(d.x) + ", y=" + std::to_string(d.y) + ") outside the " +
                std::to_string(w) + "x" + std::to_string(h) + " image");
  // The map from output (i, j) to window cells is affine, so the source
  // address is base + i * step_i + j * step_j.
  const Cell c0 = source_cell(d, 0, 0);
  const Cell ci = source_cell(d, 1, 0);
  const Cell cj = source_cell(d, 0, 1);
  const std::int64_t base = (d.y + c0.r) * w + (d.x + c0.c);
  const std::int64_t step_i = (ci.r - c0.r) * w + (ci.c - c0.c);
  const std::int64_t step_j = (cj.r - c0.r) * w + (cj.c - c0.c);
  for (std::int64_t i = 0; i < n; ++i) {
    const float* src = img + base + i * step_i;
    float* dst = out + i * n;
    if (step_j == 1) {
      for (std::int64_t j = 0; j < n; ++j)
        dst[j] = src[j];
    } else {
      for (std::int64_t j = 0; j < n; ++j)
        dst[j] = src[j * step_j];
    }
  }
}

} // namespace atelier::denoise

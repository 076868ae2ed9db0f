// Deterministic crop augmentation for Noise2Noise training. Every draw is a
// pure function of (seed, step, slot): a counter-based hash, no RNG state, so
// a run resumed at step k draws exactly the crops an uninterrupted run would.
#pragma once

#include <cstddef>
#include <cstdint>

namespace atelier::denoise {

struct CropSpec {
  int crop = 512;    // square crop side in pixels
  bool flips = true; // random horizontal / vertical mirroring
  bool rot90 = true; // random rotation by k * 90 degrees
};

// One sample of a batch. The crop is the window rows [y, y + size), columns
// [x, x + size) of the image; it is mirrored left-right (flip_h), then
// top-bottom (flip_v), then rotated counter-clockwise by rot_k * 90 degrees
// (numpy.rot90(m, rot_k)). swap: the even half is the input and the odd half
// the target (Topaz trains both directions).
struct CropDraw {
  std::size_t pair = 0;
  std::int64_t y = 0, x = 0;
  int size = 0;
  bool flip_h = false, flip_v = false;
  int rot_k = 0; // 0..3
  bool swap = false;
};

class CropSampler {
public:
  // Throws Error when pair_count is 0 or spec.crop < 1.
  CropSampler(std::size_t pair_count, CropSpec spec, std::uint64_t seed, bool swap_halves = true);

  // Which pair sample `slot` of step `step` uses (uniform over the pairs).
  std::size_t pair_index(std::int64_t step, int slot) const;
  // The full draw for that sample, given the size of the pair pair_index()
  // returns; y and x are uniform over all windows inside the image. Throws
  // Error when the image is smaller than the crop (the loader reports that as
  // a FormatError naming the file first).
  CropDraw draw(std::int64_t step, int slot, std::int64_t height, std::int64_t width) const;

  const CropSpec& spec() const { return spec_; }
  std::size_t pair_count() const { return pair_count_; }
  std::uint64_t seed() const { return seed_; }

private:
  std::size_t pair_count_ = 0;
  CropSpec spec_;
  std::uint64_t seed_ = 0;
  bool swap_halves_ = true;
};

// Writes the crop of draw (size x size floats) from the row-major h x w image
// img into out. Applying the same draw to the odd and even halves gives
// aligned crops. Throws Error when the window lies outside the image.
void cut_crop(const float* img, std::int64_t h, std::int64_t w, const CropDraw& draw, float* out);

} // namespace atelier::denoise

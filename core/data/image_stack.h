// A sequence of same-sized 2D frames (movie frames, particle stacks, tilt
// series) read one at a time, so a 40-frame 4k movie is never loaded whole
// to look at one frame. File-backed stacks (MRC, TIFF) implement it lazily.
#pragma once

#include "core/data/image.h"

#include <cstdint>
#include <vector>

namespace atelier {

class ImageStack {
public:
  virtual ~ImageStack() = default;
  virtual std::int64_t frame_count() const = 0;
  virtual std::int64_t width() const = 0;
  virtual std::int64_t height() const = 0;
  virtual std::int64_t channels() const { return 1; }
  virtual DType dtype() const = 0;
  // Throws Error for an index outside [0, frame_count()).
  virtual Image read_frame(std::int64_t index) const = 0;
  virtual Spacing frame_spacing() const { return {}; }
};

// Frames already in memory (simulated movies, processed stacks).
class InMemoryImageStack final : public ImageStack {
public:
  // All frames must share width, height, channels and dtype (throws Error).
  explicit InMemoryImageStack(std::vector<Image> frames);

  std::int64_t frame_count() const override { return static_cast<std::int64_t>(frames_.size()); }
  std::int64_t width() const override;
  std::int64_t height() const override;
  std::int64_t channels() const override;
  DType dtype() const override;
  Image read_frame(std::int64_t index) const override;
  Spacing frame_spacing() const override;

private:
  std::vector<Image> frames_;
};

} // namespace atelier

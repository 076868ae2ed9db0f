#include "core/data/image_stack.h"

#include "core/base/error.h"

#include <string>

namespace atelier {

InMemoryImageStack::InMemoryImageStack(std::vector<Image> frames) : frames_(std::move(frames)) {
  if (frames_.empty()) throw Error("an image stack needs at least one frame");
  const Image& first = frames_.front();
  for (std::size_t i = 1; i < frames_.size(); ++i) {
    const Image& f = frames_[i];
    if (f.width() != first.width() || f.height() != first.height() ||
        f.channels() != first.channels() || f.dtype() != first.dtype())
      throw Error("frame " + std::to_string(i) + " differs in size or type from frame 0");
  }
}

std::int64_t InMemoryImageStack::width() const {
  return frames_.front().width();
}
std::int64_t InMemoryImageStack::height() const {
  return frames_.front().height();
}
std::int64_t InMemoryImageStack::channels() const {
  return frames_.front().channels();
}
DType InMemoryImageStack::dtype() const {
  return frames_.front().dtype();
}
Spacing InMemoryImageStack::frame_spacing() const {
  return frames_.front().spacing;
}

Image InMemoryImageStack::read_frame(std::int64_t index) const {
  if (index < 0 || index >= frame_count())
    throw Error("frame " + std::to_string(index) + " is outside the stack of " +
                std::to_string(frame_count()));
  return frames_[static_cast<std::size_t>(index)];
}

} // namespace atelier

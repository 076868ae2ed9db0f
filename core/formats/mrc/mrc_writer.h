// MRC2014 writer for volumes, image stacks (.mrcs) and single images.
// The mode follows the element type: int8 -> 0, int16 -> 1, float32 -> 2,
// uint16 -> 6, float16 -> 12. uint8 has no MRC2014 mode of its own (mode 0 is
// signed), so it is widened losslessly to mode 6 (uint16) unless the caller
// asks for mode 101 (4-bit, values 0..15 only). Other types are refused.
// Files are written in native byte order with its machine stamp (0x44 0x44 on
// little-endian hosts), NVERSION 20140, "MAP ", and dmin/dmax/dmean/rms of the
// data; they go to a temporary name first and are renamed into place.
#pragma once

#include "core/base/dtype.h"
#include "core/data/image.h"
#include "core/data/volume.h"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace atelier {

struct MrcWriteOptions {
  std::optional<std::int32_t> mode; // default: from the dtype (see above)
  std::array<float, 3> origin_A{0, 0, 0};
  std::vector<std::string> labels; // at most 10, 80 characters each
};

// The mode write_mrc uses for dtype; throws Error when dtype cannot be stored
// as the requested mode without loss.
std::int32_t mrc_mode_for(DType dtype, std::optional<std::int32_t> requested = std::nullopt);

// A volume (ispg 1, mz = nz). A 4D volume (nt > 1) is written as a volume
// stack: nz * nt sections, mz = nz, ispg 401; MrcFile::read_volume gives it back
// as 4D.
void write_mrc(const std::string& path, const Volume& volume, const MrcWriteOptions& options = {});
// One image (nz = 1, ispg 0). The image must have one channel.
void write_mrc(const std::string& path, const Image& image, const MrcWriteOptions& options = {});
// An image stack (.mrcs: ispg 0, mz = 1, nz = frames); all frames must share
// size, type and one channel. The voxel size comes from the first frame.
void write_mrc_stack(const std::string& path, std::span<const Image> frames,
                     const MrcWriteOptions& options = {});

} // namespace atelier

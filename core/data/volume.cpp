#include "core/data/volume.h"

#include "core/data/image.h"

namespace atelier {

Volume::Volume(std::int64_t nx, std::int64_t ny, std::int64_t nz, DType dtype, std::int64_t nt)
    : nx_(nx), ny_(ny), nz_(nz), nt_(nt), dtype_(dtype),
      bytes_(checked_byte_count({nx, ny, nz, nt}, dtype)) {}

} // namespace atelier

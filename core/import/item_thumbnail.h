// An item's thumbnail made again from its source file, as the importer made
// it (the preview image through metrics::make_thumbnail): what the app uses
// when a cached thumbnail was deleted or is damaged.
#pragma once

#include "core/data/image.h"

#include <cstdint>
#include <string>

namespace atelier::import {

// u8 gray or RGB, long side 256 (point clouds: a view from above, see
// below); an empty Image (width() == 0) for items without a 2D view. Throws an Error naming the
// file when it cannot be read.
Image item_thumbnail(const std::string& path, const std::string& format);

// A point cloud's thumbnail (point_cloud_thumbnail): u8 RGB, long side 256.
// Clouds over kMaxPointCloudThumbnailBytes on disk are not read for it
// (Error saying so): the import stays bounded in memory and time.
inline constexpr std::uint64_t kMaxPointCloudThumbnailBytes = std::uint64_t{1} << 30;
Image point_cloud_item_thumbnail(const std::string& path);

} // namespace atelier::import

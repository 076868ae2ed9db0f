// An item's thumbnail made again from its source file, as the importer made
// it (the preview image through metrics::make_thumbnail): what the app uses
// when a cached thumbnail was deleted or is damaged.
#pragma once

#include "core/data/image.h"

#include <string>

namespace atelier::import {

// u8 gray or RGB, long side 256; an empty Image (width() == 0) for items
// without a 2D view (point clouds). Throws an Error naming the file when it
// cannot be read.
Image item_thumbnail(const std::string& path, const std::string& format);

} // namespace atelier::import

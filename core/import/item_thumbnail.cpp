// Rebuilding an item's thumbnail from its source (see item_thumbnail.h).
#include "core/import/item_thumbnail.h"

#include "core/import/item_class.h"
#include "core/import/preview_image.h"
#include "core/metrics/thumbnail.h"

namespace atelier::import {

Image item_thumbnail(const std::string& path, const std::string& format) {
  const FileInfo info = read_item_facts(path, format);
  const Image preview = read_preview_image(path, info);
  if (preview.width() == 0) return {};
  return metrics::make_thumbnail(preview);
}

} // namespace atelier::import

// Rebuilding an item's thumbnail from its source (see item_thumbnail.h).
#include "core/import/item_thumbnail.h"

#include "core/base/error.h"

#include "core/import/item_class.h"
#include "core/import/preview_image.h"
#include "core/metrics/thumbnail.h"
#include "core/spatial/point_cloud_load.h"
#include "core/spatial/point_cloud_thumbnail.h"

#include <filesystem>

namespace atelier::import {

Image item_thumbnail(const std::string& path, const std::string& format) {
  const FileInfo info = read_item_facts(path, format);
  const Image preview = read_preview_image(path, info);
  if (preview.width() == 0)
    return classify_item(info).kind == "points" ? point_cloud_item_thumbnail(path) : Image();
  return metrics::make_thumbnail(preview);
}

Image point_cloud_item_thumbnail(const std::string& path) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (!ec && bytes > kMaxPointCloudThumbnailBytes)
    throw Error(path + ": point cloud of " + std::to_string(bytes >> 20) +
                " MiB; thumbnails are made for clouds up to " +
                std::to_string(kMaxPointCloudThumbnailBytes >> 20) + " MiB");
  return point_cloud_thumbnail(load_point_cloud(path));
}

} // namespace atelier::import

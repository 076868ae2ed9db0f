// Thumbnail rendering, atomic PNG writing and the LRU thumbnail cache.
#include "core/metrics/thumbnail.h"

#include "core/base/error.h"
#include "core/metrics/plane.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <unistd.h>

namespace atelier::metrics {

namespace fs = std::filesystem;

Image make_thumbnail(const Image& image, int long_side, const ThumbnailOptions& options) {
  if (image.pixel_count() == 0) throw Error("make_thumbnail: empty image");
  if (long_side < 1) throw Error("make_thumbnail: long side must be positive");
  const int bands = (image.channels() == 3 || image.channels() == 4) ? 3 : 1;
  std::vector<FloatPlane> planes;
  for (int b = 0; b < bands; ++b)
    planes.push_back(band_plane(image, b));

  std::vector<float> values; // float: contrast limits need no more precision
  values.reserve(image.pixel_count() * static_cast<std::size_t>(bands));
  for (const auto& p : planes)
    values.insert(values.end(), p.data.begin(), p.data.end());
  const auto pct = sampled_percentiles(values, {options.low_percentile, options.high_percentile});
  values = {};
  const double lo = std::isfinite(pct[0]) ? pct[0] : 0.0;
  const double hi = std::isfinite(pct[1]) ? pct[1] : 0.0;
  const double scale = hi > lo ? 255.0 / (hi - lo) : 0.0;

  const std::int64_t w = image.width(), h = image.height();
  const std::int64_t longest = std::max(w, h);
  int tw = static_cast<int>(w), th = static_cast<int>(h);
  if (longest > long_side) {
    const double f = static_cast<double>(long_side) / static_cast<double>(longest);
    tw = std::max(1, static_cast<int>(std::lround(static_cast<double>(w) * f)));
    th = std::max(1, static_cast<int>(std::lround(static_cast<double>(h) * f)));
  }

  Image out(tw, th, bands, DType::u8);
  auto dst = out.values<std::uint8_t>();
  for (int b = 0; b < bands; ++b) {
    // Map to 0..255 in float first (non-finite values replaced), then shrink,
    // so a stray NaN darkens one pixel's share instead of a whole block.
    auto& p = planes[static_cast<std::size_t>(b)];
    for (float& v : p.data) {
      double m;
      if (std::isnan(v))
        m = 0.0;
      else if (std::isinf(v))
        m = v > 0 ? 255.0 : 0.0;
      else
        m = scale > 0 ? (v - lo) * scale : 0.0;
      v = static_cast<float>(std::clamp(m, 0.0, 255.0));
    }
    const cv::Mat src(static_cast<int>(h), static_cast<int>(w), CV_32F, p.data.data());
    cv::Mat small = src;
    if (tw != w || th != h) cv::resize(src, small, cv::Size(tw, th), 0, 0, cv::INTER_AREA);
    for (int y = 0; y < th; ++y) {
      const float* row = small.ptr<float>(y);
      for (int x = 0; x < tw; ++x)
        dst[(static_cast<std::size_t>(y) * tw + x) * bands + b] =
            static_cast<std::uint8_t>(std::clamp(std::lround(row[x]), 0L, 255L));
    }
  }
  out.spacing = image.spacing;
  if (out.spacing.known()) {
    for (double& s : out.spacing.xyz)
      s *= static_cast<double>(w) / tw;
  }
  return out;
}

void write_thumbnail_png(const Image& thumb, const std::string& path) {
  if (thumb.dtype() != DType::u8 || (thumb.channels() != 1 && thumb.channels() != 3))
    throw Error("write_thumbnail_png: " + path + ": need a u8 gray or RGB image");
  cv::Mat mat(static_cast<int>(thumb.height()), static_cast<int>(thumb.width()),
              thumb.channels() == 3 ? CV_8UC3 : CV_8UC1, const_cast<std::uint8_t*>(thumb.bytes()));
  cv::Mat bgr = mat;
  if (thumb.channels() == 3) cv::cvtColor(mat, bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> png;
  try {
    if (!cv::imencode(".png", bgr, png))
      throw Error("write_thumbnail_png: " + path + ": encode failed");
  } catch (const cv::Exception& e) {
    throw Error("write_thumbnail_png: " + path + ": " + e.what());
  }
  static std::atomic<unsigned> counter{0};
  const std::string tmp =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
    f.close();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw Error("write_thumbnail_png: cannot write " + tmp);
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error("write_thumbnail_png: cannot rename onto " + path);
  }
}

ThumbnailCache::ThumbnailCache(fs::path folder, std::uint64_t budget_bytes)
    : folder_(std::move(folder)), budget_(budget_bytes) {
  std::error_code ec;
  fs::create_directories(folder_, ec);
  if (!fs::is_directory(folder_, ec))
    throw Error("thumbnail cache: cannot create folder " + folder_.string());
}

fs::path ThumbnailCache::path_for(const std::string& key) const {
  std::string name;
  bool changed = key.empty() || key.size() > 100 || key[0] == '.';
  for (char c : key.substr(0, 100)) {
    // No leading dots: no hidden files, no "..".
    const bool safe = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
                      (c == '.' && !name.empty() && name.back() != '_');
    name += safe ? c : '_';
    changed = changed || !safe;
  }
  if (changed) {
    std::uint64_t h = 1469598103934665603ull; // FNV-1a
    for (unsigned char c : key)
      h = (h ^ c) * 1099511628211ull;
    char hex[20];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    name += "-";
    name += hex;
  }
  return folder_ / (name + ".png");
}

void ThumbnailCache::stamp(const fs::path& path) {
  // File timestamps are coarse (kernel ticks): keep our stamps strictly
  // increasing so LRU order holds for touches in quick succession.
  auto now = fs::file_time_type::clock::now();
  if (now <= last_stamp_) now = last_stamp_ + std::chrono::microseconds(1);
  std::error_code ec;
  fs::last_write_time(path, now, ec);
  if (!ec) last_stamp_ = now;
}

fs::path ThumbnailCache::put(const std::string& key, const Image& thumb) {
  const fs::path path = path_for(key);
  write_thumbnail_png(thumb, path.string());
  stamp(path);
  evict_to_budget();
  return path;
}

bool ThumbnailCache::touch(const std::string& key) {
  const fs::path path = path_for(key);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  stamp(path);
  return true;
}

bool ThumbnailCache::contains(const std::string& key) const {
  std::error_code ec;
  return fs::is_regular_file(path_for(key), ec);
}

namespace {
struct Entry {
  fs::file_time_type time;
  std::uint64_t size;
  fs::path path;
};

std::vector<Entry> list_pngs(const fs::path& folder) {
  std::vector<Entry> out;
  std::error_code ec;
  fs::directory_iterator it(folder, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path p = it->path();
    if (p.extension() != ".png") continue;
    std::error_code e1, e2;
    const auto size = fs::file_size(p, e1);
    const auto time = fs::last_write_time(p, e2);
    if (e1 || e2) continue; // deleted underneath
    out.push_back({time, size, p});
  }
  return out;
}
} // namespace

std::uint64_t ThumbnailCache::total_bytes() const {
  std::uint64_t total = 0;
  for (const auto& e : list_pngs(folder_))
    total += e.size;
  return total;
}

std::size_t ThumbnailCache::evict_to_budget() {
  auto entries = list_pngs(folder_);
  std::uint64_t total = 0;
  for (const auto& e : entries)
    total += e.size;
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.time != b.time ? a.time < b.time : a.path < b.path;
  });
  std::size_t removed = 0;
  for (const auto& e : entries) {
    if (total <= budget_) break;
    std::error_code ec;
    if (fs::remove(e.path, ec)) ++removed;
    total -= e.size; // gone either way
  }
  return removed;
}

} // namespace atelier::metrics

// Thumbnail rendering, atomic PNG/JPEG writing and the LRU thumbnail cache.
#include "core/metrics/thumbnail.h"

#include "core/base/error.h"
#include "core/base/float4.h"
#include "core/io/atomic_file.h"
#include "core/metrics/plane.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

namespace atelier::metrics {

namespace fs = std::filesystem;

namespace {

// Area-averaging taps (what cv::INTER_AREA computes): output pixel o covers
// input [o * s, (o + 1) * s) with s = in / out, and each input pixel weighs
// its overlap with that span, divided by s. Taps of o: first[o] .. first[o+1].
struct Taps {
  std::vector<int> first, index;
  std::vector<float> weight;
};

Taps area_taps(int in, int out) {
  Taps t;
  const double s = static_cast<double>(in) / out;
  for (int o = 0; o < out; ++o) {
    t.first.push_back(static_cast<int>(t.index.size()));
    const double lo = o * s, hi = std::min<double>((o + 1) * s, in);
    for (int i = static_cast<int>(std::floor(lo)); i < in && i < hi; ++i) {
      const double overlap = std::min<double>(hi, i + 1) - std::max<double>(lo, i);
      if (overlap <= 1e-9) continue;
      t.index.push_back(i);
      t.weight.push_back(static_cast<float>(overlap / s));
    }
  }
  t.first.push_back(static_cast<int>(t.index.size()));
  return t;
}

} // namespace

ATELIER_HOT_LOOP
Image make_thumbnail(const Image& image, int long_side, const ThumbnailOptions& options) {
  if (image.pixel_count() == 0) throw Error("make_thumbnail: empty image");
  if (long_side < 1) throw Error("make_thumbnail: long side must be positive");
  const int bands = (image.channels() == 3 || image.channels() == 4) ? 3 : 1;
  std::vector<FloatPlane> storage(static_cast<std::size_t>(bands));
  std::vector<PlaneView> planes;
  for (int b = 0; b < bands; ++b)
    planes.push_back(band_view(image, b, storage[static_cast<std::size_t>(b)]));

  // Joint contrast limits from a subsample of every band: 2^14 values put
  // the 0.5th percentile within about 0.1 percentile of the full image's,
  // far below one grey level of a 256-level thumbnail, at a quarter of the
  // selection work of kPercentileSamples.
  constexpr std::size_t kContrastSamples = kPercentileSamples / 4;
  std::vector<float> values;
  for (const auto& p : planes) {
    const auto sample = sample_values(p, kContrastSamples / static_cast<std::size_t>(bands));
    values.insert(values.end(), sample.begin(), sample.end());
  }
  const auto pct = percentiles(values, {options.low_percentile, options.high_percentile});
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
  const auto flo = static_cast<float>(lo), fscale = static_cast<float>(scale);
  const Taps xt = area_taps(static_cast<int>(w), tw), yt = area_taps(static_cast<int>(h), th);
  const int block = (w % tw == 0 && (w / tw) % 4 == 0) ? static_cast<int>(w / tw) : 0;
  // Per output row: map its input rows to 0..255 and sum them with their
  // vertical weights (vectorised, full width), then average across once.
  std::vector<float> column_sum(static_cast<std::size_t>(w));
  const float4 zero = splat4(0.0f), top = splat4(255.0f);
  for (int b = 0; b < bands; ++b) {
    const PlaneView p = planes[static_cast<std::size_t>(b)];
    for (int oy = 0; oy < th; ++oy) {
      std::fill(column_sum.begin(), column_sum.end(), 0.0f);
      float* c = column_sum.data();
      for (int t = yt.first[oy]; t < yt.first[oy + 1]; ++t) {
        // Map to 0..255 first, then average, so a stray NaN darkens one
        // pixel's share instead of a whole block: NaN and -Inf fail "> 0"
        // and become 0, +Inf fails "< 255" and becomes 255. Mapped values
        // go straight into the weighted column sums.
        const float* src = p.row(yt.index[t]);
        const float wy = yt.weight[t];
        if (scale > 0) {
          std::int64_t x = 0;
          for (; x + 4 <= w; x += 4) {
            float4 v = (load4(src + x) - splat4(flo)) * splat4(fscale);
            v = select4(v > zero, v, zero);
            store4(c + x, load4(c + x) + splat4(wy) * select4(v < top, v, top));
          }
          for (; x < w; ++x) {
            const float v = (src[x] - flo) * fscale;
            c[x] += wy * (v > 0.0f ? (v < 255.0f ? v : 255.0f) : 0.0f);
          }
        } else {
          for (std::int64_t x = 0; x < w; ++x)
            c[x] += wy * (src[x] == std::numeric_limits<float>::infinity() ? 255.0f : 0.0f);
        }
      }
      // acc is within 0 .. 255 up to rounding; + 0.5 and truncation round it.
      std::uint8_t* out_row = dst.data() + static_cast<std::size_t>(oy) * tw * bands + b;
      auto put = [&](int ox, float acc) {
        out_row[static_cast<std::size_t>(ox) * bands] =
            static_cast<std::uint8_t>(std::clamp(acc + 0.5f, 0.0f, 255.0f));
      };
      if (block > 0) {
        // Whole blocks of a multiple of 4 columns (1024 or 4096 to 256):
        // each output is a block's plain mean, summed four lanes at a time.
        const float inv = 1.0f / static_cast<float>(block);
        for (int ox = 0; ox < tw; ++ox) {
          const float* cb = c + static_cast<std::ptrdiff_t>(ox) * block;
          float4 acc = load4(cb);
          for (int u = 4; u < block; u += 4)
            acc += load4(cb + u);
          put(ox, ((acc[0] + acc[2]) + (acc[1] + acc[3])) * inv);
        }
      } else {
        for (int ox = 0; ox < tw; ++ox) {
          float acc = 0.0f;
          for (int u = xt.first[ox]; u < xt.first[ox + 1]; ++u)
            acc += xt.weight[u] * c[xt.index[u]];
          put(ox, acc);
        }
      }
    }
  }
  out.spacing = image.spacing;
  if (out.spacing.known()) {
    for (double& s : out.spacing.xyz)
      s *= static_cast<double>(w) / tw;
  }
  return out;
}

void write_thumbnail(const Image& thumb, const std::string& path) {
  if (thumb.dtype() != DType::u8 || (thumb.channels() != 1 && thumb.channels() != 3))
    throw Error("write_thumbnail: " + path + ": need a u8 gray or RGB image");
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool jpeg = ext == ".jpg" || ext == ".jpeg";
  if (!jpeg && ext != ".png")
    throw Error("write_thumbnail: " + path + ": the name must end in .png, .jpg or .jpeg");
  cv::Mat mat(static_cast<int>(thumb.height()), static_cast<int>(thumb.width()),
              thumb.channels() == 3 ? CV_8UC3 : CV_8UC1, const_cast<std::uint8_t*>(thumb.bytes()));
  cv::Mat bgr = mat;
  if (thumb.channels() == 3) cv::cvtColor(mat, bgr, cv::COLOR_RGB2BGR);
  std::vector<std::uint8_t> png;
  try {
    const std::vector<int> params =
        jpeg ? std::vector<int>{cv::IMWRITE_JPEG_QUALITY, kThumbnailJpegQuality}
             : std::vector<int>{};
    if (!cv::imencode(jpeg ? ".jpg" : ".png", bgr, png, params))
      throw Error("write_thumbnail: " + path + ": encode failed");
  } catch (const cv::Exception& e) {
    throw Error("write_thumbnail: " + path + ": " + e.what());
  }
  const std::string tmp = temp_path_beside(path);
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
    f.close();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw Error("write_thumbnail: cannot write " + tmp);
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error("write_thumbnail: cannot rename onto " + path);
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
  return folder_ / (name + ".jpg");
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
  if (!known_total_) known_total_ = total_bytes();
  std::error_code ec;
  const auto before = fs::file_size(path, ec);
  write_thumbnail(thumb, path.string());
  stamp(path);
  const auto after = fs::file_size(path, ec);
  *known_total_ += (ec ? 0 : after) - (before == static_cast<std::uintmax_t>(-1) ? 0 : before);
  if (*known_total_ > budget_) evict_to_budget();
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
    // .png: caches written before thumbnails became JPEG.
    if (p.extension() != ".jpg" && p.extension() != ".png") continue;
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
  known_total_ = total;
  return removed;
}

} // namespace atelier::metrics

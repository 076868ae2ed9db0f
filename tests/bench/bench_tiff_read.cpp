// Benchmark: a 4096x4096 uint16 LZW TIFF (horizontal predictor, 16-row
// strips) written with libtiff, then read() of its bytes vs read_tiff_page.
// Napkin math: 32 MiB decoded from ~14 MB per read; the raw read is a page-cache
// memcpy (GB/s), the page read is bound by libtiff's LZW + predictor decode on one core.
// Prints JSON lines {"bench":"tiff_read","what":...,"mb_per_s":...,"median_ms":...}.
#include "core/formats/tiff/tiff_reader.h"

#include <tiffio.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

constexpr std::uint32_t kSize = 4096;
constexpr int kReps = 5;
std::uint16_t g_first_row_end = 0; // last value of row 0, to check the decode

bool write_bench_file(const std::string& path) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  if (!tif) return false;
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, kSize);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, kSize);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 16);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
  TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 16);
  std::vector<std::uint16_t> row(kSize);
  std::uint32_t noise = 12345;
  for (std::uint32_t y = 0; y < kSize; ++y) {
    // A smooth gradient plus a little noise, like a detector image.
    for (std::uint32_t x = 0; x < kSize; ++x) {
      noise = noise * 1664525u + 1013904223u;
      row[x] = static_cast<std::uint16_t>(1000 + (x + y) / 4 + (noise >> 28));
    }
    if (y == 0) g_first_row_end = row[kSize - 1];
    if (TIFFWriteScanline(tif, row.data(), y, 0) != 1) {
      TIFFClose(tif);
      return false;
    }
  }
  TIFFClose(tif);
  return true;
}

template <typename F>
double median_ms(F f) {
  std::vector<double> ms;
  for (int i = 0; i < kReps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void report(const char* what, double bytes, double ms) {
  std::printf("{\"bench\":\"tiff_read\",\"what\":\"%s\",\"mb_per_s\":%.1f,\"median_ms\":%.2f,"
              "\"bytes\":%.0f}\n",
              what, bytes / 1e6 / (ms / 1e3), ms, bytes);
}

} // namespace

int main() {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("bench_tiff_read_" + std::to_string(getpid()) + ".tif"))
                               .string();
  if (!write_bench_file(path)) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return 1;
  }
  const auto file_bytes = static_cast<double>(std::filesystem::file_size(path));
  std::vector<char> buffer(static_cast<std::size_t>(file_bytes));
  bool ok = true;
  const double raw = median_ms([&] {
    const int fd = open(path.c_str(), O_RDONLY);
    std::size_t got = 0;
    while (fd >= 0 && got < buffer.size()) {
      const ssize_t n = read(fd, buffer.data() + got, buffer.size() - got);
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (fd >= 0) close(fd);
    ok = ok && got == buffer.size();
  });
  std::size_t decoded = 0;
  const double lzw = median_ms([&] {
    const atelier::Image im = atelier::read_tiff_page(path, 0);
    decoded = im.byte_size();
    ok = ok && im.values<std::uint16_t>()[kSize - 1] == g_first_row_end;
  });
  std::filesystem::remove(path);
  report("raw_read", file_bytes, raw);
  report("atelier_tiff_lzw", static_cast<double>(decoded), lzw);
  std::printf("{\"bench\":\"tiff_read\",\"what\":\"atelier_tiff_lzw_file_bytes\",\"mb_per_s\":%.1f,"
              "\"median_ms\":%.2f,\"bytes\":%.0f}\n",
              file_bytes / 1e6 / (lzw / 1e3), lzw, file_bytes);
  return ok && decoded == std::size_t{kSize} * kSize * 2 ? 0 : 1;
}

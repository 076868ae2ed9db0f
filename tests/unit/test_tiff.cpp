// TIFF reader tests: variants written with libtiff's own writer (an encoder
// independent of our reader) for every sample type, codec, planar layout and
// strips/tiles, read back and compared value for value; hand-made corrupt files.
#include "core/base/error.h"
#include "core/formats/tiff/tiff_reader.h"
#include "core/recipes/denoise/pair_image.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <tiffio.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace atelier;

namespace {

struct Spec {
  std::uint32_t width = 37; // odd sizes leave partial strips and tiles
  std::uint32_t height = 23;
  std::uint16_t samples = 1;
  DType dtype = DType::u8;
  std::uint16_t compression = COMPRESSION_NONE;
  std::uint16_t planar = PLANARCONFIG_CONTIG;
  std::uint16_t predictor = PREDICTOR_NONE;
  bool tiled = false;
  std::uint32_t rows_per_strip = 5;
};

std::uint16_t sample_format(DType t) {
  if (dtype_is_float(t)) return SAMPLEFORMAT_IEEEFP;
  return dtype_is_signed(t) ? SAMPLEFORMAT_INT : SAMPLEFORMAT_UINT;
}

template <typename T>
void fill(std::vector<std::uint8_t>& bytes, std::size_t n, int seed) {
  bytes.resize(n * sizeof(T));
  for (std::size_t i = 0; i < n; ++i) {
    T v{};
    const auto k = static_cast<std::int64_t>(
        (i * 2654435761u + static_cast<std::size_t>(seed) * 97u) % 100003u);
    if constexpr (std::is_floating_point_v<T>)
      v = static_cast<T>((static_cast<double>(k) - 50000.0) / 8.0);
    else if constexpr (std::is_signed_v<T>)
      v = static_cast<T>(k % 2 ? -(k % 120) : k % 127);
    else
      v = static_cast<T>(k * 37);
    std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
  }
}

// Interleaved pixel values of one page, distinct per page.
std::vector<std::uint8_t> make_pixels(const Spec& s, int page) {
  const std::size_t n = std::size_t{s.width} * s.height * s.samples;
  std::vector<std::uint8_t> b;
  switch (s.dtype) {
  case DType::u8: fill<std::uint8_t>(b, n, page); break;
  case DType::i8: fill<std::int8_t>(b, n, page); break;
  case DType::u16: fill<std::uint16_t>(b, n, page); break;
  case DType::i16: fill<std::int16_t>(b, n, page); break;
  case DType::u32: fill<std::uint32_t>(b, n, page); break;
  case DType::i32: fill<std::int32_t>(b, n, page); break;
  case DType::f32: fill<float>(b, n, page); break;
  case DType::f64: fill<double>(b, n, page); break;
  case DType::f16: break;
  }
  return b;
}

void set_page_tags(TIFF* tif, const Spec& s) {
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, s.width);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, s.height);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, s.samples);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, static_cast<std::uint16_t>(dtype_size(s.dtype) * 8));
  TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, sample_format(s.dtype));
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, s.samples == 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
  if (s.samples == 2 || s.samples == 4) {
    const std::uint16_t extra[] = {EXTRASAMPLE_UNSPECIFIED, EXTRASAMPLE_UNSPECIFIED,
                                   EXTRASAMPLE_UNSPECIFIED};
    TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, s.samples - 1, extra);
  }
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, s.planar);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, s.compression);
  if (s.predictor != PREDICTOR_NONE) TIFFSetField(tif, TIFFTAG_PREDICTOR, s.predictor);
  if (s.tiled) {
    TIFFSetField(tif, TIFFTAG_TILEWIDTH, 16u);
    TIFFSetField(tif, TIFFTAG_TILELENGTH, 16u);
  } else {
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, s.rows_per_strip);
  }
}

// Writes one page from interleaved pixels with libtiff's encoder.
void write_page(TIFF* tif, const Spec& s, const std::vector<std::uint8_t>& px) {
  set_page_tags(tif, s);
  const std::size_t elem = dtype_size(s.dtype);
  const bool separate = s.planar == PLANARCONFIG_SEPARATE;
  const std::size_t planes = separate ? s.samples : 1;
  const std::size_t per_pixel = separate ? 1 : s.samples;
  // Value at (x, y) of plane p, as stored.
  auto copy_value = [&](std::uint8_t* dst, std::size_t x, std::size_t y, std::size_t p) {
    const std::size_t src = ((y * s.width + x) * s.samples) * elem;
    std::memcpy(dst, px.data() + src + (separate ? p * elem : 0), elem * per_pixel);
  };
  if (s.tiled) {
    const std::size_t tw = 16, th = 16;
    std::vector<std::uint8_t> tile(tw * th * per_pixel * elem);
    for (std::size_t p = 0; p < planes; ++p)
      for (std::size_t ty = 0; ty < s.height; ty += th)
        for (std::size_t tx = 0; tx < s.width; tx += tw) {
          std::fill(tile.begin(), tile.end(), 0);
          for (std::size_t y = ty; y < std::min<std::size_t>(ty + th, s.height); ++y)
            for (std::size_t x = tx; x < std::min<std::size_t>(tx + tw, s.width); ++x)
              copy_value(tile.data() + ((y - ty) * tw + (x - tx)) * per_pixel * elem, x, y, p);
          const auto index =
              TIFFComputeTile(tif, static_cast<std::uint32_t>(tx), static_cast<std::uint32_t>(ty),
                              0, static_cast<std::uint16_t>(p));
          QVERIFY(TIFFWriteEncodedTile(tif, index, tile.data(),
                                       static_cast<tmsize_t>(tile.size())) >= 0);
        }
  } else {
    std::vector<std::uint8_t> row(s.width * per_pixel * elem);
    for (std::size_t p = 0; p < planes; ++p)
      for (std::uint32_t y = 0; y < s.height; ++y) {
        for (std::size_t x = 0; x < s.width; ++x)
          copy_value(row.data() + x * per_pixel * elem, x, y, p);
        QVERIFY(TIFFWriteScanline(tif, row.data(), y, static_cast<std::uint16_t>(p)) == 1);
      }
  }
  QVERIFY(TIFFWriteDirectory(tif));
}

std::vector<std::vector<std::uint8_t>> write_tiff(const std::string& path,
                                                  const std::vector<Spec>& pages,
                                                  const char* description = nullptr) {
  std::vector<std::vector<std::uint8_t>> all;
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  if (!tif) return all;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    if (i == 0 && description) TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, description);
    if (i == 0 && description) {
      TIFFSetField(tif, TIFFTAG_XRESOLUTION, 2.0f);
      TIFFSetField(tif, TIFFTAG_YRESOLUTION, 4.0f);
      TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_NONE);
    }
    all.push_back(make_pixels(pages[i], static_cast<int>(i)));
    write_page(tif, pages[i], all.back());
  }
  TIFFClose(tif);
  return all;
}

// A classic little-endian TIFF made by hand: one uncompressed 8-bit strip.
// strip_offset / byte_count 0 mean "where the data really is".
std::vector<std::uint8_t> hand_tiff(std::uint32_t w, std::uint32_t h, std::uint16_t bits,
                                    std::uint32_t strip_offset = 0, std::uint32_t byte_count = 0,
                                    std::size_t data_bytes = 0) {
  std::vector<std::uint8_t> b = {'I', 'I', 42, 0, 8, 0, 0, 0};
  auto u16 = [&](std::uint16_t v) {
    b.push_back(v & 0xff);
    b.push_back(v >> 8);
  };
  auto u32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
      b.push_back((v >> (8 * i)) & 0xff);
  };
  struct Entry {
    std::uint16_t tag, type;
    std::uint32_t value;
  };
  const std::uint32_t data_at = 8 + 2 + 9 * 12 + 4;
  if (data_bytes == 0) data_bytes = std::size_t{w} * h * bits / 8;
  const Entry entries[] = {
      {256, 4, w},
      {257, 4, h},
      {258, 3, bits},
      {259, 3, 1},
      {262, 3, 1},
      {273, 4, strip_offset ? strip_offset : data_at},
      {277, 3, 1},
      {278, 4, h},
      {279, 4, byte_count ? byte_count : static_cast<std::uint32_t>(data_bytes)}};
  u16(9);
  for (const Entry& e : entries) {
    u16(e.tag);
    u16(e.type);
    u32(1);
    if (e.type == 3) {
      u16(static_cast<std::uint16_t>(e.value));
      u16(0);
    } else {
      u32(e.value);
    }
  }
  u32(0);
  for (std::size_t i = 0; i < data_bytes; ++i)
    b.push_back(static_cast<std::uint8_t>(i * 7));
  return b;
}

// Runs f with stderr sent to a file; returns what was written there.

} // namespace

class TestTiff : public QObject {
  Q_OBJECT

private:
  QTemporaryDir dir_;
  std::string path(const char* name) { return dir_.filePath(name).toStdString(); }

private slots:
  void roundTrip_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<int>("samples");
    QTest::addColumn<int>("compression");
    QTest::addColumn<int>("planar");
    QTest::addColumn<int>("predictor");
    QTest::addColumn<bool>("tiled");
    QTest::addColumn<QString>("codec");
    const int C = PLANARCONFIG_CONTIG, S = PLANARCONFIG_SEPARATE;
    auto d = [](DType t) { return static_cast<int>(t); };
    QTest::newRow("u8 none strips")
        << d(DType::u8) << 1 << COMPRESSION_NONE << C << 1 << false << "none";
    QTest::newRow("i8 packbits") << d(DType::i8) << 1 << COMPRESSION_PACKBITS << C << 1 << false
                                 << "packbits";
    QTest::newRow("u16 lzw predictor")
        << d(DType::u16) << 1 << COMPRESSION_LZW << C << 2 << false << "lzw";
    QTest::newRow("i16 zstd") << d(DType::i16) << 1 << COMPRESSION_ZSTD << C << 1 << false
                              << "zstd";
    QTest::newRow("u32 deflate") << d(DType::u32) << 1 << COMPRESSION_ADOBE_DEFLATE << C << 1
                                 << false << "deflate";
    QTest::newRow("i32 lzw tiled")
        << d(DType::i32) << 1 << COMPRESSION_LZW << C << 1 << true << "lzw";
    QTest::newRow("f32 deflate fp predictor")
        << d(DType::f32) << 1 << COMPRESSION_ADOBE_DEFLATE << C << 3 << false << "deflate";
    QTest::newRow("f32 zstd tiled")
        << d(DType::f32) << 1 << COMPRESSION_ZSTD << C << 1 << true << "zstd";
    QTest::newRow("f64 none") << d(DType::f64) << 1 << COMPRESSION_NONE << C << 1 << false
                              << "none";
    QTest::newRow("u8 rgb contiguous")
        << d(DType::u8) << 3 << COMPRESSION_LZW << C << 2 << false << "lzw";
    QTest::newRow("u16 rgb separate strips")
        << d(DType::u16) << 3 << COMPRESSION_LZW << S << 2 << false << "lzw";
    QTest::newRow("u16 rgb tiled contiguous")
        << d(DType::u16) << 3 << COMPRESSION_ZSTD << C << 1 << true << "zstd";
    QTest::newRow("u8 4 samples tiled separate")
        << d(DType::u8) << 4 << COMPRESSION_ADOBE_DEFLATE << S << 1 << true << "deflate";
    QTest::newRow("f32 2 samples separate")
        << d(DType::f32) << 2 << COMPRESSION_NONE << S << 1 << false << "none";
  }

  void roundTrip() {
    QFETCH(int, dtype);
    QFETCH(int, samples);
    QFETCH(int, compression);
    QFETCH(int, planar);
    QFETCH(int, predictor);
    QFETCH(bool, tiled);
    QFETCH(QString, codec);
    Spec s;
    s.dtype = static_cast<DType>(dtype);
    s.samples = static_cast<std::uint16_t>(samples);
    s.compression = static_cast<std::uint16_t>(compression);
    s.planar = static_cast<std::uint16_t>(planar);
    s.predictor = static_cast<std::uint16_t>(predictor);
    s.tiled = tiled;
    const std::string file = path("variant.tif");
    const auto pixels = write_tiff(file, {s});
    QCOMPARE(pixels.size(), std::size_t{1});

    const Image im = read_tiff_page(file, 0);
    QCOMPARE(im.width(), std::int64_t{37});
    QCOMPARE(im.height(), std::int64_t{23});
    QCOMPARE(im.channels(), std::int64_t{samples});
    QCOMPARE(im.dtype(), s.dtype);
    QCOMPARE(im.byte_size(), pixels[0].size());
    QVERIFY(std::memcmp(im.bytes(), pixels[0].data(), pixels[0].size()) == 0);
    QCOMPARE(*im.metadata.find("compression"), codec.toStdString());

    const FileInfo info = inspect_tiff(file);
    QCOMPARE(info.dims, (std::vector<std::int64_t>{37, 23}));
    QCOMPARE(*info.dtype, s.dtype);
    if (samples > 1)
      QCOMPARE(*info.bands, std::int64_t{samples});
    else
      QVERIFY(!info.bands);
    QCOMPARE(std::get<std::string>(*info.find_extra("compression")), codec.toStdString());
    QCOMPARE(std::get<std::string>(*info.find_extra("planar")),
             std::string(planar == PLANARCONFIG_SEPARATE ? "separate" : "contiguous"));
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("tiled")), std::int64_t{tiled ? 1 : 0});
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("pages")), std::int64_t{1});
    RunningStats expect;
    expect.add(pixels[0].data(), s.dtype, pixels[0].size() / dtype_size(s.dtype));
    QCOMPARE(info.stats->count(), expect.count());
    QCOMPARE(info.stats->min(), expect.min());
    QCOMPARE(info.stats->max(), expect.max());
    QCOMPARE(info.stats->mean(), expect.mean());
  }

  void multipageStack() {
    Spec s;
    s.dtype = DType::u16;
    s.compression = COMPRESSION_LZW;
    const std::string file = path("stack.tif");
    const auto pixels =
        write_tiff(file, {s, s, s}, "ImageJ=1.11a\nimages=3\nslices=3\nunit=micron\nspacing=2.5\n");
    QCOMPARE(tiff_page_count(file), 3);

    const Volume v = read_tiff_stack(file);
    QCOMPARE(v.nx(), std::int64_t{37});
    QCOMPARE(v.ny(), std::int64_t{23});
    QCOMPARE(v.nz(), std::int64_t{3});
    QCOMPARE(v.dtype(), DType::u16);
    for (int p = 0; p < 3; ++p)
      QVERIFY(std::memcmp(v.bytes() + p * pixels[0].size(), pixels[p].data(), pixels[p].size()) ==
              0);
    QCOMPARE(v.spacing.unit, std::string("um"));
    QCOMPARE(v.spacing.xyz[0], 0.5);
    QCOMPARE(v.spacing.xyz[1], 0.25);
    QCOMPARE(v.spacing.xyz[2], 2.5);

    const Image page2 = read_tiff_page(file, 2);
    QVERIFY(std::memcmp(page2.bytes(), pixels[2].data(), pixels[2].size()) == 0);
    QCOMPARE(page2.spacing.xyz[0], 0.5);

    const FileInfo info = inspect_tiff(file);
    QCOMPARE(info.dims, (std::vector<std::int64_t>{37, 23, 3}));
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("pages")), std::int64_t{3});
    QCOMPARE(info.spacing.unit, std::string("um"));
    RunningStats expect;
    for (const auto& p : pixels)
      expect.add(p.data(), DType::u16, p.size() / 2);
    QCOMPARE(info.stats->count(), std::uint64_t{37 * 23 * 3});
    QCOMPARE(info.stats->min(), expect.min());
    QCOMPARE(info.stats->max(), expect.max());

    ATELIER_VERIFY_THROWS(read_tiff_page(file, 3), FormatError, "page 3 out of range (file has 3)");
    ATELIER_VERIFY_THROWS(read_tiff_page(file, -1), FormatError, "out of range");
  }

  void previewPagesAreNotImages() {
    // A micrograph with a reduced-resolution preview page: one image.
    const std::string file = path("with_preview.tif");
    TIFF* tif = TIFFOpen(file.c_str(), "w");
    QVERIFY(tif);
    Spec full, preview;
    preview.width = 18;
    preview.height = 11;
    write_page(tif, full, make_pixels(full, 0));
    TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_REDUCEDIMAGE);
    write_page(tif, preview, make_pixels(preview, 1));
    TIFFClose(tif);
    QCOMPARE(tiff_page_count(file), 2);
    QCOMPARE(tiff_full_resolution_pages(file), 1);
    // A stack of three equal pages: counted up to what is asked.
    const std::string stack = path("three.tif");
    write_tiff(stack, {full, full, full});
    QCOMPARE(tiff_full_resolution_pages(stack), 2);
    QCOMPARE(tiff_full_resolution_pages(stack, 10), 3);
    // Training and denoising read the first as a micrograph and refuse the
    // stack instead of cutting it to its first page.
    QCOMPARE(denoise::load_micrograph(file).width(), std::int64_t(37));
    ATELIER_VERIFY_THROWS(denoise::load_micrograph(stack), FormatError,
                          "three.tif: holds 3 pages of images, not one micrograph");
  }

  void unequalStackIsRefused() {
    Spec a, b;
    b.width = 20;
    const std::string file = path("unequal.tif");
    write_tiff(file, {a, b});
    ATELIER_VERIFY_THROWS(read_tiff_stack(file), FormatError,
                          "page 1 is 20x23x1 uint8, page 0 is 37x23x1 uint8");
    // Pages of any shape still inspect and read one by one.
    QCOMPARE(inspect_tiff(file).dims, (std::vector<std::int64_t>{37, 23, 2}));
    QCOMPARE(read_tiff_page(file, 1).width(), std::int64_t{20});

    Spec rgb;
    rgb.samples = 3;
    const std::string rgb_file = path("rgb.tif");
    write_tiff(rgb_file, {rgb});
    ATELIER_VERIFY_THROWS(read_tiff_stack(rgb_file), FormatError,
                          "a stack needs one sample per pixel; page 0 has 3");
  }

  void corruptFiles_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    auto qb = [](const std::vector<std::uint8_t>& v) {
      return QByteArray(reinterpret_cast<const char*>(v.data()), static_cast<int>(v.size()));
    };
    QTest::newRow("not a tiff") << QByteArray("hello, this is text and no TIFF")
                                << "bad magic number";
    QTest::newRow("empty") << QByteArray() << "not a readable TIFF";
    QTest::newRow("garbage after magic")
        << QByteArray("II*\0", 4) + QByteArray(60, '\xff') << "not a readable TIFF";
    std::vector<std::uint8_t> bad_ifd = hand_tiff(4, 4, 8);
    bad_ifd[4] = 0x00;
    bad_ifd[5] = 0x00;
    bad_ifd[6] = 0x10;
    bad_ifd[7] = 0x00; // offset 1 MiB
    QTest::newRow("bad IFD offset") << qb(bad_ifd) << "not a readable TIFF";
    QTest::newRow("strip beyond the end")
        << qb(hand_tiff(8, 8, 8, 5000)) << "cannot decode strip 0";
    std::vector<std::uint8_t> cut = hand_tiff(16, 16, 8);
    cut.resize(cut.size() - 100);
    QTest::newRow("truncated strip") << qb(cut) << "cannot decode strip 0";
    QTest::newRow("huge dimensions") << qb(hand_tiff(200000, 200000, 8, 0, 16, 16))
                                     << "a decoded page would take 40000000000 bytes (limit 4 GiB)";
    QTest::newRow("implausible expansion")
        << qb(hand_tiff(20000, 20000, 8, 0, 16, 16))
        << "decoded data would take 400000000 bytes, implausible "
           "for a file of 138 bytes";
    QTest::newRow("4-bit samples") << qb(hand_tiff(8, 8, 4)) << "unsupported 4-bit samples";
  }

  void corruptFiles() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    const std::string file = path("corrupt.tif");
    test::write_file(file, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    const std::string err = atelier::test::capture_stderr([&] {
      ATELIER_VERIFY_THROWS(inspect_tiff(file), FormatError, (file + ": ").c_str());
      ATELIER_VERIFY_THROWS(read_tiff_page(file, 0), FormatError, qPrintable(reason));
      ATELIER_VERIFY_THROWS(read_tiff_stack(file), FormatError, qPrintable(reason));
    });
    QCOMPARE(QString::fromStdString(err), QString()); // libtiff chatter stays off stderr
    try {
      inspect_tiff(file);
    } catch (const FormatError& e) {
      QCOMPARE(e.path(), file);
      QVERIFY(std::string(e.what()).find('\n') == std::string::npos);
    }
  }

  void truncatedLibtiffFile() {
    Spec s;
    s.width = 64;
    s.height = 64;
    s.rows_per_strip = 8;
    s.compression = COMPRESSION_LZW;
    const std::string file = path("whole.tif");
    write_tiff(file, {s});
    auto bytes = test::read_file(file);
    // libtiff writes the directory after the strips: cutting the file loses it.
    bytes.resize(bytes.size() / 2);
    const std::string cut = path("cut.tif");
    test::write_file(cut, bytes);
    ATELIER_VERIFY_THROWS(read_tiff_page(cut, 0), FormatError,
                          (cut + ": not a readable TIFF (libtiff: ").c_str());
  }

  void jpegYCbCr() {
    // libtiff's JPEG codec writes RGB as subsampled YCbCr; the reader gets RGB back.
    const std::string file = path("jpeg.tif");
    TIFF* tif = TIFFOpen(file.c_str(), "w");
    QVERIFY(tif);
    const std::uint32_t w = 32, h = 16;
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, w);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, h);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 3);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_JPEG);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_YCBCR);
    TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    TIFFSetField(tif, TIFFTAG_JPEGQUALITY, 100);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 16);
    std::vector<std::uint8_t> rgb(std::size_t{w} * h * 3);
    for (std::size_t i = 0; i < rgb.size(); i += 3) {
      rgb[i] = 200; // a flat colour survives JPEG almost exactly
      rgb[i + 1] = 100;
      rgb[i + 2] = 40;
    }
    QCOMPARE(TIFFWriteEncodedStrip(tif, 0, rgb.data(), static_cast<tmsize_t>(rgb.size())),
             static_cast<tmsize_t>(rgb.size()));
    TIFFClose(tif);

    const Image im = read_tiff_page(file, 0);
    QCOMPARE(im.channels(), std::int64_t{3});
    QCOMPARE(im.dtype(), DType::u8);
    const auto v = im.values<std::uint8_t>();
    for (std::size_t i = 0; i < v.size(); ++i)
      QVERIFY(std::abs(int(v[i]) - int(rgb[i])) <= 2);
    QCOMPARE(*im.metadata.find("compression"), std::string("jpeg"));
  }

  void missingFile() {
    ATELIER_VERIFY_THROWS(inspect_tiff(path("absent.tif")), FormatError, "cannot open");
  }
};

QTEST_APPLESS_MAIN(TestTiff)
#include "test_tiff.moc"

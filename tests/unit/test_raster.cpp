// PNG/JPEG reader tests: images written with cv::imwrite (8/16-bit grey,
// RGB, RGBA, JPEG), read back; hand-damaged headers and truncated files.
#include "core/base/error.h"
#include "core/formats/raster/raster_reader.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

using namespace atelier;
using atelier::test::read_file;
using atelier::test::write_file;

namespace {

constexpr int kW = 40;
constexpr int kH = 30;

cv::Mat gray16() {
  cv::Mat m(kH, kW, CV_16U);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      m.at<std::uint16_t>(y, x) = static_cast<std::uint16_t>(x * 1000 + y * 7);
  return m;
}
cv::Mat gray8() {
  cv::Mat m(kH, kW, CV_8U);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      m.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(x * 3 + y * 2);
  return m;
}
// BGR order as OpenCV holds it: B = x, G = y, R = 200.
cv::Mat bgr8() {
  cv::Mat m(kH, kW, CV_8UC3);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      m.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 5), uchar(y * 6), 200);
  return m;
}

std::string write_png(const QTemporaryDir& dir, const QString& name, const cv::Mat& m) {
  const std::string path = dir.filePath(name).toStdString();
  if (!cv::imwrite(path, m)) throw std::runtime_error("imwrite failed");
  return path;
}

void put_be32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) {
  b[at] = std::uint8_t(v >> 24);
  b[at + 1] = std::uint8_t(v >> 16);
  b[at + 2] = std::uint8_t(v >> 8);
  b[at + 3] = std::uint8_t(v);
}

} // namespace

class TestRaster : public QObject {
  Q_OBJECT

private slots:
  void png_gray16() {
    QTemporaryDir dir;
    const cv::Mat src = gray16();
    const std::string path = write_png(dir, "g16.png", src);
    const Image img = read_raster(path);
    QCOMPARE(img.width(), std::int64_t{kW});
    QCOMPARE(img.height(), std::int64_t{kH});
    QCOMPARE(img.channels(), std::int64_t{1});
    QCOMPARE(img.dtype(), DType::u16);
    const auto v = img.values<std::uint16_t>();
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x)
        QCOMPARE(v[y * kW + x], src.at<std::uint16_t>(y, x));
    const FileInfo info = inspect_raster(path);
    QCOMPARE(info.dims, (std::vector<std::int64_t>{kW, kH}));
    QCOMPARE(*info.dtype, DType::u16);
    QVERIFY(!info.bands);
    QCOMPARE(info.stats->min(), 0.0);
    QCOMPARE(info.stats->max(), 39000.0 + 29 * 7);
    QCOMPARE(info.stats->count(), std::uint64_t{kW * kH});
  }

  void png_gray8() {
    QTemporaryDir dir;
    const cv::Mat src = gray8();
    const std::string path = write_png(dir, "g8.png", src);
    const Image img = read_raster(path);
    QCOMPARE(img.dtype(), DType::u8);
    QCOMPARE(img.channels(), std::int64_t{1});
    const auto v = img.values<std::uint8_t>();
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x)
        QCOMPARE(v[y * kW + x], src.at<std::uint8_t>(y, x));
    const FileInfo info = inspect_raster(path);
    QCOMPARE(info.stats->max(), 39 * 3.0 + 29 * 2.0);
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("bit_depth")), std::int64_t{8});
  }

  void png_rgb_is_rgb_order() {
    QTemporaryDir dir;
    const cv::Mat src = bgr8();
    const std::string path = write_png(dir, "rgb.png", src);
    const Image img = read_raster(path);
    QCOMPARE(img.channels(), std::int64_t{3});
    const auto v = img.values<std::uint8_t>();
    const std::size_t at = (7 * kW + 11) * 3; // x 11, y 7
    QCOMPARE(int(v[at + 0]), 200);            // R
    QCOMPARE(int(v[at + 1]), 7 * 6);          // G
    QCOMPARE(int(v[at + 2]), 11 * 5);         // B
    const FileInfo info = inspect_raster(path);
    QCOMPARE(info.bands.value_or(0), std::int64_t{3});
  }

  void png_rgba16() {
    QTemporaryDir dir;
    cv::Mat src(kH, kW, CV_16UC4, cv::Scalar(100, 2000, 30000, 65535)); // B G R A
    const std::string path = write_png(dir, "rgba16.png", src);
    const Image img = read_raster(path);
    QCOMPARE(img.channels(), std::int64_t{4});
    QCOMPARE(img.dtype(), DType::u16);
    const auto v = img.values<std::uint16_t>();
    QCOMPARE(int(v[0]), 30000);
    QCOMPARE(int(v[1]), 2000);
    QCOMPARE(int(v[2]), 100);
    QCOMPARE(int(v[3]), 65535);
  }

  void jpeg() {
    QTemporaryDir dir;
    const std::string g = dir.filePath("g.jpg").toStdString();
    const std::string c = dir.filePath("c.jpg").toStdString();
    QVERIFY(cv::imwrite(g, gray8(), {cv::IMWRITE_JPEG_QUALITY, 100}));
    QVERIFY(cv::imwrite(c, bgr8(), {cv::IMWRITE_JPEG_QUALITY, 100}));
    const Image gi = read_raster(g);
    QCOMPARE(gi.channels(), std::int64_t{1});
    QCOMPARE(gi.dtype(), DType::u8);
    const cv::Mat ref = gray8();
    double diff = 0;
    const auto v = gi.values<std::uint8_t>();
    for (int i = 0; i < kW * kH; ++i)
      diff += std::fabs(double(v[i]) - ref.data[i]);
    QVERIFY(diff / (kW * kH) < 1.5);
    const Image ci = read_raster(c);
    QCOMPARE(ci.channels(), std::int64_t{3});
    const auto cv_ = ci.values<std::uint8_t>();
    QVERIFY(std::abs(int(cv_[0]) - 200) <= 6); // R first
    const FileInfo info = inspect_raster(c);
    QCOMPARE(info.dims, (std::vector<std::int64_t>{kW, kH}));
    QCOMPARE(info.bands.value_or(0), std::int64_t{3});
    QCOMPARE(info.stats->count(), std::uint64_t{kW * kH * 3});
  }

  void header_probe() {
    QTemporaryDir dir;
    const auto png = read_file(write_png(dir, "p.png", gray16()));
    RasterHeader h = probe_raster_header("p.png", png.data(), png.size());
    QCOMPARE(h.codec, std::string("png"));
    QCOMPARE(h.width, std::int64_t{kW});
    QCOMPARE(h.height, std::int64_t{kH});
    QCOMPARE(h.bit_depth, 16);
    const std::string jpg = dir.filePath("j.jpg").toStdString();
    QVERIFY(cv::imwrite(jpg, bgr8()));
    const auto jb = read_file(jpg);
    h = probe_raster_header("j.jpg", jb.data(), jb.size());
    QCOMPARE(h.codec, std::string("jpeg"));
    QCOMPARE(h.width, std::int64_t{kW});
    QCOMPARE(h.height, std::int64_t{kH});
    QCOMPARE(h.channels, std::int64_t{3});
  }

  void corrupt_data() {
    QTest::addColumn<QString>("variant");
    QTest::addColumn<QString>("needle");
    QTest::newRow("png huge dims") << "png-huge"
                                   << "implausible";
    QTest::newRow("png zero width") << "png-zero"
                                    << "invalid image size";
    QTest::newRow("png bad bit depth") << "png-depth"
                                       << "invalid PNG bit depth";
    QTest::newRow("png truncated") << "png-trunc"
                                   << "cannot decode png";
    QTest::newRow("png header only") << "png-head"
                                     << "truncated PNG header";
    QTest::newRow("jpeg truncated") << "jpeg-trunc"
                                    << "truncated JPEG";
    QTest::newRow("jpeg huge dims") << "jpeg-huge"
                                    << "implausible";
    QTest::newRow("garbage") << "garbage"
                             << "wrong magic";
    QTest::newRow("empty") << "empty"
                           << "wrong magic";
  }

  void corrupt() {
    QFETCH(QString, variant);
    QFETCH(QString, needle);
    QTemporaryDir dir;
    std::vector<std::uint8_t> b;
    if (variant.startsWith("png")) b = read_file(write_png(dir, "src.png", gray8()));
    if (variant.startsWith("jpeg")) {
      const std::string j = dir.filePath("src.jpg").toStdString();
      QVERIFY(cv::imwrite(j, bgr8()));
      b = read_file(j);
    }
    if (variant == "png-huge") put_be32(b, 16, 60000), put_be32(b, 20, 60000);
    if (variant == "png-zero") put_be32(b, 16, 0);
    if (variant == "png-depth") b[24] = 7;
    if (variant == "png-trunc") b.resize(b.size() / 2);
    if (variant == "png-head") b.resize(20);
    if (variant == "jpeg-trunc") b.resize(b.size() * 2 / 3);
    if (variant == "jpeg-huge") {
      // Patch the SOF0 dimensions to 65535 x 65535.
      for (std::size_t i = 2; i + 9 < b.size(); ++i)
        if (b[i] == 0xFF && b[i + 1] == 0xC0) {
          b[i + 5] = b[i + 6] = b[i + 7] = b[i + 8] = 0xFF;
          break;
        }
    }
    if (variant == "garbage") b = std::vector<std::uint8_t>(300, 0x42);
    const std::string path = dir.filePath("bad.img").toStdString();
    write_file(path, b);
    try {
      (void)read_raster(path);
      QFAIL("expected FormatError");
    } catch (const FormatError& e) {
      QCOMPARE(e.path(), path);
      QVERIFY2(std::string(e.what()).find(needle.toStdString()) != std::string::npos, e.what());
    }
    ATELIER_VERIFY_THROWS(inspect_raster(path), FormatError, path.c_str());
  }

  void memory_decode() {
    QTemporaryDir dir;
    const auto png = read_file(write_png(dir, "m.png", gray16()));
    const Image img = decode_raster("mem.png", png.data(), png.size());
    QCOMPARE(img.dtype(), DType::u16);
    QCOMPARE(img.values<std::uint16_t>()[kW + 1], std::uint16_t{1007});
    ATELIER_VERIFY_THROWS(decode_raster("mem.png", png.data(), 10), FormatError, "mem.png");
  }

  void missing_file() {
    ATELIER_VERIFY_THROWS(read_raster("/nonexistent/x.png"), FormatError, "/nonexistent/x.png");
  }
};

QTEST_APPLESS_MAIN(TestRaster)
#include "test_raster.moc"

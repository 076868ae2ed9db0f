// DICOM reader tests: files made by independent tools (gdcmimg/gdcmconv from
// GDCM, img2dcm/dcmcjpeg/dcmcjpls/dcmconv/dcmodify from DCMTK) in every
// transfer syntax we claim, read back and compared with the source values.
#include "core/base/error.h"
#include "core/formats/dicom/dicom_reader.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

using namespace atelier;
using atelier::test::read_file;
using atelier::test::run_program;
using atelier::test::write_file;

namespace {

constexpr int kW = 64;
constexpr int kH = 48;

// Smooth ramps (JPEG-friendly) with a few sharp features.
std::vector<std::uint16_t> source_u16() {
  std::vector<std::uint16_t> v(kW * kH);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) v[y * kW + x] = static_cast<std::uint16_t>(x * 37 + y * 11);
  v[5] = 4095;
  return v;
}
std::vector<std::int16_t> source_i16() {
  std::vector<std::int16_t> v(kW * kH);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) v[y * kW + x] = static_cast<std::int16_t>(x * 30 - y * 25 - 500);
  return v;
}
std::vector<std::uint8_t> source_u8() {
  std::vector<std::uint8_t> v(kW * kH);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) v[y * kW + x] = static_cast<std::uint8_t>(x * 2 + y * 2);
  return v;
}

template <typename T> std::vector<std::uint8_t> as_bytes(const std::vector<T>& v) {
  std::vector<std::uint8_t> b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

void run_ok(const QString& program, const QStringList& args) {
  QString out;
  const int rc = run_program(program, args, &out);
  if (rc != 0)
    QFAIL(qPrintable(program + " " + args.join(' ') + " failed (" + QString::number(rc) +
                     "): " + out));
}

// Writes the source as raw bytes and makes an Explicit VR Little Endian
// DICOM of it with gdcmimg. kind: "u16", "i16", "u8".
std::string make_base(const QTemporaryDir& dir, const QString& kind, const QString& name) {
  const std::string raw = dir.filePath(name + ".raw").toStdString();
  QString depth = "16", sign = "0";
  if (kind == "u16") write_file(raw, as_bytes(source_u16()));
  else if (kind == "i16") write_file(raw, as_bytes(source_i16())), sign = "1";
  else write_file(raw, as_bytes(source_u8())), depth = "8";
  const QString out = dir.filePath(name + ".dcm");
  run_ok("gdcmimg", {"-i", QString::fromStdString(raw), "-o", out, "--size",
                     QString("%1,%2").arg(kW).arg(kH), "--depth", depth, "--sign", sign});
  return out.toStdString();
}

template <typename T> void verify_equal(const Image& img, const std::vector<T>& src) {
  QCOMPARE(img.width(), std::int64_t{kW});
  QCOMPARE(img.height(), std::int64_t{kH});
  QCOMPARE(img.channels(), std::int64_t{1});
  const auto v = img.values<T>();
  QCOMPARE(v.size(), src.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] != src[i])
      QFAIL(qPrintable(QString("value %1: %2 != %3").arg(i).arg(v[i]).arg(src[i])));
}

template <typename T> double mean_abs_diff(const Image& img, const std::vector<T>& src,
                                           double* max_diff) {
  const auto v = img.values<T>();
  double sum = 0;
  *max_diff = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double d = std::fabs(double(v[i]) - double(src[i]));
    sum += d;
    *max_diff = std::max(*max_diff, d);
  }
  return sum / double(v.size());
}

} // namespace

class TestDicom : public QObject {
  Q_OBJECT

private slots:
  void lossless_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("tool");
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("syntax");
    QTest::addColumn<int>("bits");

    QTest::newRow("explicit u16") << "u16" << "" << QStringList{} << "Explicit VR Little Endian" << 16;
    QTest::newRow("implicit u16") << "u16" << "gdcmconv" << QStringList{"--implicit"}
                                  << "Implicit VR Little Endian" << 16;
    QTest::newRow("big endian u16") << "u16" << "dcmconv" << QStringList{"+tb"}
                                    << "Explicit VR Big Endian" << 16;
    QTest::newRow("jpeg lossless gdcm u16") << "u16" << "gdcmconv" << QStringList{"--jpeg"}
                                            << "JPEG Lossless (Process 14 SV1)" << 16;
    QTest::newRow("jpeg lossless dcmtk u16") << "u16" << "dcmcjpeg" << QStringList{}
                                             << "JPEG Lossless (Process 14 SV1)" << 16;
    QTest::newRow("jpeg lossless dcmtk u8") << "u8" << "dcmcjpeg" << QStringList{}
                                            << "JPEG Lossless (Process 14 SV1)" << 8;
    QTest::newRow("jpeg-ls dcmtk u16") << "u16" << "dcmcjpls" << QStringList{}
                                       << "JPEG-LS Lossless" << 16;
    QTest::newRow("jpeg-ls gdcm i16") << "i16" << "gdcmconv" << QStringList{"--jpegls"}
                                      << "JPEG-LS Lossless" << 16;
    QTest::newRow("j2k lossless u16") << "u16" << "gdcmconv" << QStringList{"--j2k"}
                                      << "JPEG 2000 (lossless)" << 16;
    QTest::newRow("j2k lossless i16") << "i16" << "gdcmconv" << QStringList{"--j2k"}
                                      << "JPEG 2000 (lossless)" << 16;
    QTest::newRow("rle i16") << "i16" << "gdcmconv" << QStringList{"--rle"} << "RLE Lossless" << 16;
    QTest::newRow("rle u8") << "u8" << "gdcmconv" << QStringList{"--rle"} << "RLE Lossless" << 8;
  }

  void lossless() {
    QFETCH(QString, kind);
    QFETCH(QString, tool);
    QFETCH(QStringList, options);
    QFETCH(QString, syntax);
    QFETCH(int, bits);
    ATELIER_REQUIRE_PROGRAM("gdcmimg");
    if (!tool.isEmpty() && !atelier::test::have_program(tool)) {
      if (atelier::test::running_in_ci()) QFAIL(qPrintable("tool missing: " + tool));
      QSKIP(qPrintable("tool missing: " + tool));
    }
    QTemporaryDir dir;
    std::string path = make_base(dir, kind, "base");
    if (!tool.isEmpty()) {
      const QString out = dir.filePath("converted.dcm");
      run_ok(tool, options + QStringList{QString::fromStdString(path), out});
      path = out.toStdString();
    }
    const DicomImage d = read_dicom(path);
    QCOMPARE(QString::fromStdString(d.transfer_syntax), syntax);
    QCOMPARE(d.bits_allocated, bits);
    QCOMPARE(d.photometric, std::string("MONOCHROME2"));
    QVERIFY(!d.invert_for_display);
    if (kind == "u16") {
      QCOMPARE(d.image.dtype(), DType::u16);
      verify_equal(d.image, source_u16());
    } else if (kind == "i16") {
      QCOMPARE(d.image.dtype(), DType::i16);
      verify_equal(d.image, source_i16());
    } else {
      QCOMPARE(d.image.dtype(), DType::u8);
      verify_equal(d.image, source_u8());
    }

    const FileInfo info = inspect_dicom(path);
    QCOMPARE(info.dims, (std::vector<std::int64_t>{kW, kH}));
    QVERIFY(!info.bands);
    QCOMPARE(std::get<std::string>(*info.find_extra("transfer_syntax")), syntax.toStdString());
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("bits_allocated")), std::int64_t{bits});
    QVERIFY(info.stats);
    QCOMPARE(info.stats->count(), std::uint64_t{kW * kH});
    if (kind == "u16") QCOMPARE(info.stats->max(), 4095.0);
    if (kind == "i16") QCOMPARE(info.stats->min(), -500.0 - 47 * 25);
    if (kind == "u8") QCOMPARE(info.stats->max(), 63 * 2.0 + 47 * 2.0);
  }

  void lossy_data() {
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("tool");
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("syntax");
    QTest::newRow("jpeg baseline dcmtk") << "u8" << "dcmcjpeg" << QStringList{"+eb", "+q", "95"}
                                         << "JPEG Baseline";
    QTest::newRow("j2k lossy gdcm") << "u16" << "gdcmconv" << QStringList{"--lossy", "--j2k"}
                                    << "JPEG 2000 (lossy)";
  }

  void lossy() {
    QFETCH(QString, kind);
    QFETCH(QString, tool);
    QFETCH(QStringList, options);
    QFETCH(QString, syntax);
    ATELIER_REQUIRE_PROGRAM("gdcmimg");
    ATELIER_REQUIRE_PROGRAM("dcmcjpeg");
    ATELIER_REQUIRE_PROGRAM("gdcmconv");
    QTemporaryDir dir;
    const std::string base = make_base(dir, kind, "base");
    const QString out = dir.filePath("lossy.dcm");
    run_ok(tool, options + QStringList{QString::fromStdString(base), out});
    const DicomImage d = read_dicom(out.toStdString());
    QCOMPARE(QString::fromStdString(d.transfer_syntax), syntax);
    QCOMPARE(d.image.width(), std::int64_t{kW});
    QCOMPARE(d.image.height(), std::int64_t{kH});
    double max_diff = 0, mean = 0;
    if (kind == "u8") {
      QCOMPARE(d.image.dtype(), DType::u8);
      mean = mean_abs_diff(d.image, source_u8(), &max_diff);
      QVERIFY2(mean < 2.0 && max_diff <= 24, qPrintable(QString("mean %1 max %2").arg(mean).arg(max_diff)));
    } else {
      QCOMPARE(d.image.dtype(), DType::u16);
      mean = mean_abs_diff(d.image, source_u16(), &max_diff);
      QVERIFY2(mean < 40.0, qPrintable(QString("mean %1 max %2").arg(mean).arg(max_diff)));
    }
  }

  // A JPEG written by OpenCV, wrapped by DCMTK's img2dcm (JPEG Baseline).
  void img2dcm_from_jpeg() {
    ATELIER_REQUIRE_PROGRAM("img2dcm");
    QTemporaryDir dir;
    const auto src = source_u8();
    const cv::Mat gray(kH, kW, CV_8U, const_cast<std::uint8_t*>(src.data()));
    const std::string jpg = dir.filePath("gray.jpg").toStdString();
    QVERIFY(cv::imwrite(jpg, gray, {cv::IMWRITE_JPEG_QUALITY, 98}));
    const QString out = dir.filePath("img2dcm.dcm");
    run_ok("img2dcm", {QString::fromStdString(jpg), out});
    const DicomImage d = read_dicom(out.toStdString());
    QCOMPARE(d.transfer_syntax, std::string("JPEG Baseline"));
    QCOMPARE(d.photometric, std::string("MONOCHROME2"));
    QCOMPARE(d.bits_allocated, 8);
    const cv::Mat decoded = cv::imread(jpg, cv::IMREAD_UNCHANGED);
    std::vector<std::uint8_t> ref(decoded.datastart, decoded.dataend);
    double max_diff = 0;
    const double mean = mean_abs_diff(d.image, ref, &max_diff);
    QVERIFY2(mean < 0.5 && max_diff <= 2, qPrintable(QString("mean %1 max %2").arg(mean).arg(max_diff)));
  }

  void display_tags() {
    ATELIER_REQUIRE_PROGRAM("gdcmimg");
    ATELIER_REQUIRE_PROGRAM("dcmodify");
    QTemporaryDir dir;
    const std::string path = make_base(dir, "u16", "tags");
    run_ok("dcmodify", {"-nb", "-i", "(0028,0004)=MONOCHROME1", "-i", "(0028,1053)=2.5", "-i",
                        "(0028,1052)=-1024", "-i", "(0028,1050)=40\\50", "-i",
                        "(0028,1051)=400\\500", "-i", "(0028,0030)=0.5\\0.25", "-i",
                        "(0008,0060)=CR", "-i", "(0010,0010)=Doe^Jane", "-i",
                        "(0010,0020)=PID12345", "-i", "(0008,0080)=Secret Hospital",
                        QString::fromStdString(path)});
    const DicomImage d = read_dicom(path);
    QCOMPARE(d.photometric, std::string("MONOCHROME1"));
    QVERIFY(d.invert_for_display);
    verify_equal(d.image, source_u16()); // not inverted
    QVERIFY(d.has_rescale);
    QCOMPARE(d.rescale_slope, 2.5);
    QCOMPARE(d.rescale_intercept, -1024.0);
    QCOMPARE(d.window_center.value_or(0), 40.0);
    QCOMPARE(d.window_width.value_or(0), 400.0);
    QCOMPARE(d.modality, std::string("CR"));
    QCOMPARE(d.image.spacing.xyz[0], 0.25); // column spacing
    QCOMPARE(d.image.spacing.xyz[1], 0.5);  // row spacing
    QCOMPARE(d.image.spacing.unit, std::string("mm"));
    QCOMPARE(d.image.spacing.source, PixelSizeSource::header);
    for (const auto& [k, v] : d.image.metadata.entries()) {
      QVERIFY(v.find("Doe") == std::string::npos);
      QVERIFY(v.find("PID12345") == std::string::npos);
      QVERIFY(v.find("Secret") == std::string::npos);
    }

    const FileInfo info = inspect_dicom(path);
    QCOMPARE(std::get<double>(*info.find_extra("rescale_slope")), 2.5);
    QCOMPARE(std::get<double>(*info.find_extra("rescale_intercept")), -1024.0);
    QCOMPARE(std::get<double>(*info.find_extra("window_center")), 40.0);
    QCOMPARE(std::get<double>(*info.find_extra("window_width")), 400.0);
    QCOMPARE(std::get<std::string>(*info.find_extra("modality")), std::string("CR"));
    QCOMPARE(std::get<std::string>(*info.find_extra("photometric")), std::string("MONOCHROME1"));
    QCOMPARE(info.spacing.xyz[0], 0.25);
    for (const auto& [k, v] : info.extra)
      if (const auto* s = std::get_if<std::string>(&v))
        QVERIFY(s->find("Doe") == std::string::npos && s->find("PID") == std::string::npos);

    // Without rescale tags nothing is reported.
    const std::string plain = make_base(dir, "u16", "plain");
    const FileInfo plain_info = inspect_dicom(plain);
    QVERIFY(!plain_info.find_extra("rescale_slope"));
    QVERIFY(!plain_info.find_extra("window_center"));
    QVERIFY(!read_dicom(plain).has_rescale);
  }

  void imager_pixel_spacing_fallback() {
    ATELIER_REQUIRE_PROGRAM("gdcmimg");
    ATELIER_REQUIRE_PROGRAM("dcmodify");
    QTemporaryDir dir;
    const std::string path = make_base(dir, "u8", "ips");
    run_ok("dcmodify", {"-nb", "-i", "(0018,1164)=0.139\\0.143", QString::fromStdString(path)});
    const DicomImage d = read_dicom(path);
    QCOMPARE(d.image.spacing.xyz[0], 0.143);
    QCOMPARE(d.image.spacing.xyz[1], 0.139);
    QCOMPARE(d.image.spacing.unit, std::string("mm"));
  }

  void multi_frame() {
    ATELIER_REQUIRE_PROGRAM("gdcmimg");
    QTemporaryDir dir;
    const std::string raw = dir.filePath("mf.raw").toStdString();
    auto src = source_u16(); // 64*48 values = 32 x 32 x 3
    write_file(raw, as_bytes(src));
    const QString out = dir.filePath("mf.dcm");
    run_ok("gdcmimg", {"-i", QString::fromStdString(raw), "-o", out, "--size", "32,32,3",
                       "--depth", "16", "--sign", "0"});
    const DicomImage d = read_dicom(out.toStdString());
    QCOMPARE(d.frames, std::int64_t{3});
    QCOMPARE(d.image.width(), std::int64_t{32});
    QCOMPARE(d.image.height(), std::int64_t{96});
    verify_equal_prefix(d.image, src);
    const FileInfo info = inspect_dicom(out.toStdString());
    QCOMPARE(info.dims, (std::vector<std::int64_t>{32, 32, 3}));
  }

  void without_preamble_or_meta() {
    ATELIER_REQUIRE_PROGRAM("gdcmimg");
    ATELIER_REQUIRE_PROGRAM("dcmconv");
    QTemporaryDir dir;
    const std::string base = make_base(dir, "i16", "base");
    auto bytes = read_file(base);
    QCOMPARE(std::string(bytes.begin() + 128, bytes.begin() + 132), std::string("DICM"));
    const std::string no_preamble = dir.filePath("no_preamble.dcm").toStdString();
    write_file(no_preamble, std::vector<std::uint8_t>(bytes.begin() + 132, bytes.end()));
    DicomImage d = read_dicom(no_preamble);
    QCOMPARE(d.transfer_syntax, std::string("Explicit VR Little Endian"));
    verify_equal(d.image, source_i16());

    const QString no_meta = dir.filePath("no_meta.dcm");
    run_ok("dcmconv", {"-F", "+ti", QString::fromStdString(base), no_meta});
    const auto raw = read_file(no_meta.toStdString());
    QCOMPARE(int(raw[0]), 0x08); // starts with group 0008, no meta group
    d = read_dicom(no_meta.toStdString());
    QCOMPARE(d.transfer_syntax, std::string("Implicit VR Little Endian"));
    verify_equal(d.image, source_i16());
  }

  void corrupt_data() {
    QTest::addColumn<QString>("variant");
    QTest::addColumn<QString>("needle");
    QTest::newRow("truncated native pixel data") << "truncate-native" << "truncated";
    QTest::newRow("truncated j2k") << "truncate-j2k" << "truncated";
    QTest::newRow("truncated jpeg-ls") << "truncate-jpls" << "truncated";
    QTest::newRow("garbage") << "garbage" << "not a readable DICOM image";
    QTest::newRow("empty") << "empty" << "not a readable DICOM image";
  }

  void corrupt() {
    QFETCH(QString, variant);
    QFETCH(QString, needle);
    ATELIER_REQUIRE_PROGRAM("gdcmimg");
    ATELIER_REQUIRE_PROGRAM("gdcmconv");
    ATELIER_REQUIRE_PROGRAM("dcmodify");
    QTemporaryDir dir;
    const std::string base = make_base(dir, "u16", "base");
    run_ok("dcmodify", {"-nb", "-i", "(0010,0010)=Doe^Jane", "-i", "(0010,0020)=PID12345",
                        QString::fromStdString(base)});
    const std::string bad = dir.filePath("bad.dcm").toStdString();
    std::vector<std::uint8_t> bytes;
    if (variant == "truncate-native") {
      bytes = read_file(base);
      bytes.resize(bytes.size() - 1000);
    } else if (variant == "truncate-j2k" || variant == "truncate-jpls") {
      const QString conv = dir.filePath("conv.dcm");
      run_ok("gdcmconv", {variant == "truncate-j2k" ? "--j2k" : "--jpegls",
                          QString::fromStdString(base), conv});
      bytes = read_file(conv.toStdString());
      bytes.resize(bytes.size() - 200);
    } else if (variant == "garbage") {
      bytes.resize(4000);
      std::uint32_t s = 12345;
      for (auto& b : bytes) b = static_cast<std::uint8_t>((s = s * 1103515245u + 12345u) >> 24);
    }
    write_file(bad, bytes);
    try {
      (void)read_dicom(bad);
      QFAIL("expected FormatError");
    } catch (const FormatError& e) {
      const std::string what = e.what();
      QCOMPARE(e.path(), bad);
      QVERIFY2(what.find(bad) != std::string::npos, e.what());
      QVERIFY2(what.find(needle.toStdString()) != std::string::npos, e.what());
      QVERIFY(what.find("Doe") == std::string::npos);
      QVERIFY(what.find("PID12345") == std::string::npos);
      QVERIFY(what.find('\n') == std::string::npos);
    }
    ATELIER_VERIFY_THROWS(inspect_dicom(bad), FormatError, bad.c_str());
  }

  void memory_matches_file() {
    ATELIER_REQUIRE_PROGRAM("gdcmimg");
    ATELIER_REQUIRE_PROGRAM("gdcmconv");
    QTemporaryDir dir;
    const std::string base = make_base(dir, "u16", "base");
    const QString conv = dir.filePath("conv.dcm");
    run_ok("gdcmconv", {"--jpegls", QString::fromStdString(base), conv});
    const auto bytes = read_file(conv.toStdString());
    const DicomImage d = read_dicom_memory("mem.dcm", bytes.data(), bytes.size());
    verify_equal(d.image, source_u16());
    ATELIER_VERIFY_THROWS(read_dicom_memory("mem.dcm", bytes.data(), 200), FormatError, "mem.dcm");
  }

  void missing_file() {
    ATELIER_VERIFY_THROWS(read_dicom("/nonexistent/x.dcm"), FormatError, "/nonexistent/x.dcm");
  }

  void transfer_syntax_names() {
    QCOMPARE(dicom_transfer_syntax_name("1.2.840.10008.1.2.4.70"),
             std::string("JPEG Lossless (Process 14 SV1)"));
    QCOMPARE(dicom_transfer_syntax_name("1.2.840.10008.1.2.4.91"), std::string("JPEG 2000 (lossy)"));
    QCOMPARE(dicom_transfer_syntax_name("1.2.3"), std::string("1.2.3"));
  }

private:
  static void verify_equal_prefix(const Image& img, const std::vector<std::uint16_t>& src) {
    const auto v = img.values<std::uint16_t>();
    QCOMPARE(v.size(), src.size());
    QVERIFY(std::equal(v.begin(), v.end(), src.begin()));
  }
};

QTEST_APPLESS_MAIN(TestDicom)
#include "test_dicom.moc"

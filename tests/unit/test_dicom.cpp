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
    for (int x = 0; x < kW; ++x)
      v[y * kW + x] = static_cast<std::uint16_t>(x * 37 + y * 11);
  v[5] = 4095;
  return v;
}
std::vector<std::int16_t> source_i16() {
  std::vector<std::int16_t> v(kW * kH);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      v[y * kW + x] = static_cast<std::int16_t>(x * 30 - y * 25 - 500);
  return v;
}
std::vector<std::uint8_t> source_u8() {
  std::vector<std::uint8_t> v(kW * kH);
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      v[y * kW + x] = static_cast<std::uint8_t>(x * 2 + y * 2);
  return v;
}

template <typename T>
std::vector<std::uint8_t> as_bytes(const std::vector<T>& v) {
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
  if (kind == "u16")
    write_file(raw, as_bytes(source_u16()));
  else if (kind == "i16")
    write_file(raw, as_bytes(source_i16())), sign = "1";
  else
    write_file(raw, as_bytes(source_u8())), depth = "8";
  const QString out = dir.filePath(name + ".dcm");
  run_ok("gdcmimg", {"-i", QString::fromStdString(raw), "-o", out, "--size",
                     QString("%1,%2").arg(kW).arg(kH), "--depth", depth, "--sign", sign});
  return out.toStdString();
}

template <typename T>
void verify_equal(const Image& img, const std::vector<T>& src) {
  QCOMPARE(img.width(), std::int64_t{kW});
  QCOMPARE(img.height(), std::int64_t{kH});
  QCOMPARE(img.channels(), std::int64_t{1});
  const auto v = img.values<T>();
  QCOMPARE(v.size(), src.size());
  for (std::size_t i = 0; i < v.size(); ++i)
    if (v[i] != src[i])
      QFAIL(qPrintable(QString("value %1: %2 != %3").arg(i).arg(v[i]).arg(src[i])));
}

template <typename T>
double mean_abs_diff(const Image& img, const std::vector<T>& src, double* max_diff) {
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

// Hand-made DICOM bytes for the structural checks: a writer that knows the
// three uncompressed encodings, and raw headers for lying lengths.
struct DcmBytes {
  std::vector<std::uint8_t> b;
  bool implicit = false;
  bool big = false;

  void u16(std::uint16_t v) {
    if (big)
      b.insert(b.end(), {std::uint8_t(v >> 8), std::uint8_t(v)});
    else
      b.insert(b.end(), {std::uint8_t(v), std::uint8_t(v >> 8)});
  }
  void u32(std::uint32_t v) {
    if (big)
      u16(std::uint16_t(v >> 16)), u16(std::uint16_t(v));
    else
      u16(std::uint16_t(v)), u16(std::uint16_t(v >> 16));
  }
  void tag(std::uint16_t g, std::uint16_t e) { u16(g), u16(e); }
  // An element header in the current encoding.
  void header(std::uint16_t g, std::uint16_t e, const char* vr, std::uint32_t length) {
    tag(g, e);
    if (implicit) return u32(length);
    b.push_back(std::uint8_t(vr[0]));
    b.push_back(std::uint8_t(vr[1]));
    const std::string v(vr);
    if (v == "OB" || v == "OW" || v == "SQ" || v == "UN" || v == "UT")
      u16(0), u32(length);
    else
      u16(std::uint16_t(length));
  }
  void str(std::uint16_t g, std::uint16_t e, const char* vr, std::string value) {
    if (value.size() % 2) value.push_back(vr == std::string("UI") ? '\0' : ' ');
    header(g, e, vr, std::uint32_t(value.size()));
    b.insert(b.end(), value.begin(), value.end());
  }
  void us(std::uint16_t g, std::uint16_t e, std::uint16_t v) { header(g, e, "US", 2), u16(v); }
  void raw(const std::vector<std::uint8_t>& v) { b.insert(b.end(), v.begin(), v.end()); }
  // Items and delimiters have the same 8-byte form in every encoding.
  void item(std::uint32_t length = 0xFFFFFFFFu) { tag(0xFFFE, 0xE000), u32(length); }
  void item_end() { tag(0xFFFE, 0xE00D), u32(0); }
  void sequence_end() { tag(0xFFFE, 0xE0DD), u32(0); }
};

// Preamble, "DICM" and a little endian meta group naming the syntax.
DcmBytes dcm_start(const std::string& syntax) {
  DcmBytes meta;
  meta.header(0x0002, 0x0001, "OB", 2);
  meta.raw({0x00, 0x01});
  meta.str(0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.7");
  meta.str(0x0002, 0x0003, "UI", "1.2.3.4.5");
  meta.str(0x0002, 0x0010, "UI", syntax);
  DcmBytes out;
  out.b.assign(128, 0);
  out.raw({'D', 'I', 'C', 'M'});
  out.header(0x0002, 0x0000, "UL", 4);
  out.u32(std::uint32_t(meta.b.size()));
  out.raw(meta.b);
  return out;
}

constexpr const char* kExplicitLE = "1.2.840.10008.1.2.1";
constexpr const char* kImplicitLE = "1.2.840.10008.1.2";
constexpr const char* kExplicitBE = "1.2.840.10008.1.2.2";
constexpr const char* kJpegBaseline = "1.2.840.10008.1.2.4.50";

// The image attributes of a 3 x 2 8-bit monochrome image.
void image_module(DcmBytes& d) {
  d.str(0x0008, 0x0060, "CS", "OT");
  d.us(0x0028, 0x0002, 1);
  d.str(0x0028, 0x0004, "CS", "MONOCHROME2");
  d.us(0x0028, 0x0010, 2);
  d.us(0x0028, 0x0011, 3);
  d.us(0x0028, 0x0100, 8);
  d.us(0x0028, 0x0101, 8);
  d.us(0x0028, 0x0102, 7);
  d.us(0x0028, 0x0103, 0);
}

void native_pixels(DcmBytes& d) {
  d.header(0x7FE0, 0x0010, "OB", 6);
  d.raw({10, 20, 30, 40, 50, 60});
}

// A referenced-image sequence with one defined-length and one undefined-length
// item, as writers produce them.
void nested_sequences(DcmBytes& d) {
  d.header(0x0008, 0x1140, "SQ", 0xFFFFFFFFu);
  DcmBytes inner;
  inner.implicit = d.implicit, inner.big = d.big;
  inner.str(0x0008, 0x1150, "UI", "1.2.3");
  d.item(std::uint32_t(inner.b.size()));
  d.raw(inner.b);
  d.item();
  d.str(0x0008, 0x1155, "UI", "1.2.3.4");
  d.header(0x0040, 0xA730, "SQ", 0xFFFFFFFFu); // nested, empty item
  d.item();
  d.item_end();
  d.sequence_end();
  d.item_end();
  d.sequence_end();
}

std::vector<std::uint8_t> valid_file(const char* syntax, bool implicit, bool big) {
  DcmBytes d = dcm_start(syntax);
  d.implicit = implicit, d.big = big;
  image_module(d);
  nested_sequences(d);
  native_pixels(d);
  return d.b;
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

    QTest::newRow("explicit u16") << "u16"
                                  << "" << QStringList{} << "Explicit VR Little Endian" << 16;
    QTest::newRow("implicit u16") << "u16"
                                  << "gdcmconv" << QStringList{"--implicit"}
                                  << "Implicit VR Little Endian" << 16;
    QTest::newRow("big endian u16")
        << "u16"
        << "dcmconv" << QStringList{"+tb"} << "Explicit VR Big Endian" << 16;
    QTest::newRow("jpeg lossless gdcm u16")
        << "u16"
        << "gdcmconv" << QStringList{"--jpeg"} << "JPEG Lossless (Process 14 SV1)" << 16;
    QTest::newRow("jpeg lossless dcmtk u16")
        << "u16"
        << "dcmcjpeg" << QStringList{} << "JPEG Lossless (Process 14 SV1)" << 16;
    QTest::newRow("jpeg lossless dcmtk u8")
        << "u8"
        << "dcmcjpeg" << QStringList{} << "JPEG Lossless (Process 14 SV1)" << 8;
    QTest::newRow("jpeg-ls dcmtk u16") << "u16"
                                       << "dcmcjpls" << QStringList{} << "JPEG-LS Lossless" << 16;
    QTest::newRow("jpeg-ls gdcm i16")
        << "i16"
        << "gdcmconv" << QStringList{"--jpegls"} << "JPEG-LS Lossless" << 16;
    QTest::newRow("j2k lossless u16")
        << "u16"
        << "gdcmconv" << QStringList{"--j2k"} << "JPEG 2000 (lossless)" << 16;
    QTest::newRow("j2k lossless i16")
        << "i16"
        << "gdcmconv" << QStringList{"--j2k"} << "JPEG 2000 (lossless)" << 16;
    QTest::newRow("rle i16") << "i16"
                             << "gdcmconv" << QStringList{"--rle"} << "RLE Lossless" << 16;
    QTest::newRow("rle u8") << "u8"
                            << "gdcmconv" << QStringList{"--rle"} << "RLE Lossless" << 8;
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
    QTest::newRow("jpeg baseline dcmtk")
        << "u8"
        << "dcmcjpeg" << QStringList{"+eb", "+q", "95"} << "JPEG Baseline";
    QTest::newRow("j2k lossy gdcm")
        << "u16"
        << "gdcmconv" << QStringList{"--lossy", "--j2k"} << "JPEG 2000 (lossy)";
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
      QVERIFY2(mean < 2.0 && max_diff <= 24,
               qPrintable(QString("mean %1 max %2").arg(mean).arg(max_diff)));
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
    QVERIFY2(mean < 0.5 && max_diff <= 2,
             qPrintable(QString("mean %1 max %2").arg(mean).arg(max_diff)));
  }

  void display_tags() {
    ATELIER_REQUIRE_PROGRAM("gdcmimg");
    ATELIER_REQUIRE_PROGRAM("dcmodify");
    QTemporaryDir dir;
    const std::string path = make_base(dir, "u16", "tags");
    run_ok("dcmodify", {"-nb",
                        "-i",
                        "(0028,0004)=MONOCHROME1",
                        "-i",
                        "(0028,1053)=2.5",
                        "-i",
                        "(0028,1052)=-1024",
                        "-i",
                        "(0028,1050)=40\\50",
                        "-i",
                        "(0028,1051)=400\\500",
                        "-i",
                        "(0028,0030)=0.5\\0.25",
                        "-i",
                        "(0008,0060)=CR",
                        "-i",
                        "(0010,0010)=Doe^Jane",
                        "-i",
                        "(0010,0020)=PID12345",
                        "-i",
                        "(0008,0080)=Secret Hospital",
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
    run_ok("gdcmimg", {"-i", QString::fromStdString(raw), "-o", out, "--size", "32,32,3", "--depth",
                       "16", "--sign", "0"});
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
    QTest::newRow("truncated native pixel data")
        << "truncate-native"
        << "element (7fe0,0010) declares 6144 bytes but only 5144 remain";
    QTest::newRow("truncated j2k") << "truncate-j2k"
                                   << "of pixel data (7fe0,0010) declares";
    QTest::newRow("truncated jpeg-ls") << "truncate-jpls"
                                       << "of pixel data (7fe0,0010) declares";
    QTest::newRow("garbage") << "garbage"
                             << "not a readable DICOM image";
    QTest::newRow("empty") << "empty"
                           << "not a readable DICOM image";
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
      for (auto& b : bytes)
        b = static_cast<std::uint8_t>((s = s * 1103515245u + 12345u) >> 24);
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

  // Hand-made files whose structure is sound read in all three encodings.
  void hand_made_valid_data() {
    QTest::addColumn<QString>("syntax");
    QTest::addColumn<bool>("implicit");
    QTest::addColumn<bool>("big");
    QTest::addColumn<QString>("name");
    QTest::newRow("explicit le") << kExplicitLE << false << false << "Explicit VR Little Endian";
    QTest::newRow("implicit le") << kImplicitLE << true << false << "Implicit VR Little Endian";
    QTest::newRow("explicit be") << kExplicitBE << false << true << "Explicit VR Big Endian";
  }

  void hand_made_valid() {
    QFETCH(QString, syntax);
    QFETCH(bool, implicit);
    QFETCH(bool, big);
    QFETCH(QString, name);
    const auto bytes = valid_file(qPrintable(syntax), implicit, big);
    const DicomImage d = read_dicom_memory("tiny.dcm", bytes.data(), bytes.size());
    QCOMPARE(QString::fromStdString(d.transfer_syntax), name);
    QCOMPARE(d.image.dtype(), DType::u8);
    QCOMPARE(d.image.width(), std::int64_t{3});
    QCOMPARE(d.image.height(), std::int64_t{2});
    const auto v = d.image.values<std::uint8_t>();
    QCOMPARE(std::vector<std::uint8_t>(v.begin(), v.end()),
             (std::vector<std::uint8_t>{10, 20, 30, 40, 50, 60}));
    QCOMPARE(d.modality, std::string("OT"));

    QTemporaryDir dir;
    const std::string path = dir.filePath("tiny.dcm").toStdString();
    write_file(path, bytes);
    QCOMPARE(read_dicom(path).image.values<std::uint8_t>()[5], std::uint8_t{60});
  }

  // Structures that lie about their lengths or nest without end are refused
  // before GDCM sees them, with the element and the numbers in the message.
  void lying_structure_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    auto row = [](const char* name, const DcmBytes& d, const std::string& reason) {
      QTest::newRow(name) << QByteArray(reinterpret_cast<const char*>(d.b.data()),
                                        qsizetype(d.b.size()))
                          << QString::fromStdString(reason);
    };
    {
      // The fuzzer's find: a 32-bit length of 0xF0000000 at top level.
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      d.header(0x0029, 0x1010, "OB", 0xF0000000u);
      d.raw({1, 2, 3, 4, 5, 6, 7, 8});
      row("top level", d, "element (0029,1010) declares 4026531840 bytes but only 8 remain");
    }
    {
      DcmBytes d = dcm_start(kImplicitLE);
      d.implicit = true;
      image_module(d);
      d.header(0x0029, 0x1010, "", 0xF0000000u);
      row("top level implicit", d,
          "element (0029,1010) declares 4026531840 bytes but only 0 remain");
    }
    {
      DcmBytes d = dcm_start(kExplicitBE);
      d.big = true;
      image_module(d);
      d.header(0x7FE0, 0x0010, "OW", 100);
      d.raw({1, 2, 3, 4});
      row("truncated pixel data big endian", d,
          "element (7fe0,0010) declares 100 bytes but only 4 remain");
    }
    {
      // Inside a defined-length item the item's end is the limit, not the file's.
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      d.header(0x0008, 0x1140, "SQ", 0xFFFFFFFFu);
      d.item(16);
      d.header(0x0008, 0x1150, "UI", 20);
      d.raw(std::vector<std::uint8_t>(8, '1'));
      d.item_end();
      d.sequence_end();
      native_pixels(d);
      row("inside defined item", d, "element (0008,1150) declares 20 bytes but only 8 remain");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      d.header(0x0008, 0x1140, "SQ", 0xFFFFFFFFu);
      d.item();
      d.header(0x0008, 0x1150, "UI", 0xFFF0);
      d.raw(std::vector<std::uint8_t>(10, '1'));
      row("inside undefined item", d,
          "element (0008,1150) declares 65520 bytes but only 10 remain");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      d.header(0x0008, 0x1140, "SQ", 40);
      d.item(1000);
      d.raw(std::vector<std::uint8_t>(32, 0));
      native_pixels(d);
      row("item longer than its sequence", d,
          "item in sequence (0008,1140) declares 1000 bytes but only 32 remain");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      native_pixels(d);
      d.header(0x0008, 0x1140, "SQ", 0xFFFFFFFFu);
      d.item(0);
      row("undefined sequence without delimiter", d,
          "sequence (0008,1140) has no sequence delimiter");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      d.header(0x0008, 0x1140, "SQ", 0xFFFFFFFFu);
      d.item(0);
      native_pixels(d);
      row("undefined sequence running into the next element", d,
          "unexpected (7fe0,0010) in sequence (0008,1140) where an item was expected");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      native_pixels(d);
      d.header(0x0008, 0x1140, "SQ", 0xFFFFFFFFu);
      d.item();
      d.str(0x0008, 0x1150, "UI", "1.2");
      row("undefined item without delimiter", d,
          "item in sequence (0008,1140) has no item delimiter");
    }
    {
      DcmBytes d = dcm_start(kJpegBaseline);
      image_module(d);
      d.header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu);
      d.item(0); // empty basic offset table
      d.item(0x10000);
      d.raw({0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0, 0, 0});
      row("encapsulated fragment", d,
          "fragment 1 of pixel data (7fe0,0010) declares 65536 bytes but only 10 remain");
    }
    {
      DcmBytes d = dcm_start(kJpegBaseline);
      image_module(d);
      d.header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu);
      d.item(0xFFFFFF00u);
      row("encapsulated offset table", d,
          "basic offset table of pixel data (7fe0,0010) declares 4294967040 bytes but only 0 "
          "remain");
    }
    {
      DcmBytes d = dcm_start(kJpegBaseline);
      image_module(d);
      d.header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu);
      d.item(0);
      d.item(4);
      d.raw({0xFF, 0xD8, 0xFF, 0xD9});
      row("encapsulated without delimiter", d,
          "encapsulated pixel data (7fe0,0010) has no sequence delimiter");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      for (int i = 0; i < 100; ++i)
        d.header(0x0008, 0x1140, "SQ", 0xFFFFFFFFu), d.item();
      row("depth bomb", d, "sequences nested deeper than 64 levels at element (0008,1140)");
    }
    {
      DcmBytes d = dcm_start(kImplicitLE);
      d.implicit = true;
      image_module(d);
      for (int i = 0; i < 100; ++i)
        d.header(0x0008, 0x1140, "", 0xFFFFFFFFu), d.item();
      row("depth bomb implicit", d,
          "sequences nested deeper than 64 levels at element (0008,1140)");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      d.raw({0x08, 0x00, 0x70, 0x00, 'x', '?', 2, 0, 'A', 'B'});
      row("invalid vr", d, "element (0008,0070) has an invalid VR");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      d.header(0x0029, 0x1010, "OB", 0xFFFFFFFFu);
      d.sequence_end();
      row("undefined length not a sequence", d,
          "element (0029,1010) has undefined length but is not a sequence");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      native_pixels(d);
      d.raw({0x08, 0x00});
      row("truncated header", d,
          "truncated element header at offset " + std::to_string(d.b.size() - 2));
    }
    {
      // Structurally sound, but GDCM asserts on it (found by fuzzing).
      DcmBytes d = dcm_start(kExplicitLE);
      d.us(0x0028, 0x0002, 48);
      native_pixels(d);
      row("samples per pixel", d, "unsupported SamplesPerPixel 48");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      d.str(0x0028, 0x0010, "CS", "2");
      native_pixels(d);
      row("image attribute vr", d, "element (0028,0010) has VR CS instead of US");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      image_module(d);
      d.header(0x7FE0, 0x0010, "OB", 0xFFFFFFFFu);
      d.item(0);
      d.sequence_end();
      row("encapsulated in native syntax", d,
          "encapsulated pixel data in a native (uncompressed) transfer syntax");
    }
    {
      DcmBytes d = dcm_start(kExplicitLE);
      d.us(0x0028, 0x0002, 1);
      native_pixels(d);
      row("no bits allocated", d, "BitsAllocated (0028,0100) is missing or zero");
    }
    {
      DcmBytes d = dcm_start("1.2.840.10008.1.2.1.99");
      d.raw(std::vector<std::uint8_t>(20, 0x55));
      row("deflated", d,
          "deflated transfer syntax is not supported (its element lengths cannot be checked "
          "before inflating)");
    }
  }

  void lying_structure() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.constData());
    try {
      (void)read_dicom_memory("bad.dcm", data, std::size_t(bytes.size()));
      QFAIL("expected FormatError");
    } catch (const FormatError& e) {
      QCOMPARE(QString::fromStdString(e.reason()), reason);
      QCOMPARE(e.path(), std::string("bad.dcm"));
    }
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.dcm").toStdString();
    write_file(path, std::vector<std::uint8_t>(data, data + bytes.size()));
    try {
      (void)read_dicom(path);
      QFAIL("expected FormatError");
    } catch (const FormatError& e) {
      QCOMPARE(QString::fromStdString(e.reason()), reason);
      QCOMPARE(e.path(), path);
    }
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
    QCOMPARE(dicom_transfer_syntax_name("1.2.840.10008.1.2.4.91"),
             std::string("JPEG 2000 (lossy)"));
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

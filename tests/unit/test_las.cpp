// LAS reader: LAS 1.2 point format 3 and LAS 1.4 formats 6 and 7 built byte
// by byte, and corrupt variants (counts beyond the file, LAZ, bad headers).
#include "core/base/byte_order.h"
#include "core/base/error.h"
#include "core/formats/pointcloud/las_reader.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <string>
#include <vector>

using namespace atelier;

namespace {

class Bytes {
public:
  template <typename T>
  Bytes& put(T v) {
    std::uint8_t b[sizeof(T)];
    store_as(b, v, Endian::little);
    data.insert(data.end(), b, b + sizeof(T));
    return *this;
  }
  Bytes& text(const std::string& s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      data.push_back(i < s.size() ? std::uint8_t(s[i]) : 0);
    return *this;
  }
  Bytes& zeros(std::size_t n) {
    data.insert(data.end(), n, 0);
    return *this;
  }
  std::vector<std::uint8_t> data;
};

struct Point {
  std::int32_t x, y, z;
  std::uint16_t intensity;
  int return_number, number_of_returns;
  int classification;
  int scan_angle;
  int user_data;
  std::uint16_t point_source;
  double gps;
  std::uint16_t r, g, b;
};

const Point kPoints[] = {
    {12345, -200, 7, 1000, 1, 2, 2, -12, 5, 77, 245380.5, 65535, 5120, 0},
    {0, 0, 0, 0, 2, 2, 6, 30, 0, 1, 0.25, 256, 0, 65280},
    {-1, 99999, -700, 65535, 1, 1, 9, 0, 255, 65535, -1.0, 512, 768, 1024},
};

// A whole LAS file: header of 1.2 or 1.4, one VLR, then the points.
std::vector<std::uint8_t> make_las(int minor, int format, std::uint16_t record_length,
                                   std::size_t points, std::uint32_t legacy_count,
                                   std::uint64_t count64 = 0, bool small_colour = false) {
  const std::uint16_t header_size = minor >= 4 ? 375 : 227;
  const std::uint32_t vlr_size = 54 + 10;
  Bytes h;
  h.text("LASF", 4).put<std::uint16_t>(7).put<std::uint16_t>(0).zeros(16);
  h.put<std::uint8_t>(1).put<std::uint8_t>(std::uint8_t(minor));
  h.text("ATELIER TEST", 32).text("hand-made", 32);
  h.put<std::uint16_t>(100).put<std::uint16_t>(2024);
  h.put<std::uint16_t>(header_size).put<std::uint32_t>(header_size + vlr_size);
  h.put<std::uint32_t>(1).put<std::uint8_t>(std::uint8_t(format));
  h.put<std::uint16_t>(record_length).put<std::uint32_t>(legacy_count).zeros(20);
  h.put<double>(0.01).put<double>(0.01).put<double>(0.001);
  h.put<double>(1000.0).put<double>(2000.0).put<double>(-5.0);
  h.put<double>(1123.45).put<double>(999.99).put<double>(2999.99).put<double>(1998.0);
  h.put<double>(-4.993).put<double>(-5.7);
  if (minor >= 3) h.put<std::uint64_t>(0);
  if (minor >= 4)
    h.put<std::uint64_t>(0).put<std::uint32_t>(0).put<std::uint64_t>(count64).zeros(120);
  if (h.data.size() != header_size) qFatal("header size mismatch");
  // VLR: reserved, user id, record id, payload length, description, payload.
  h.put<std::uint16_t>(0).text("LASF_Projection", 16).put<std::uint16_t>(34735);
  h.put<std::uint16_t>(10).text("test", 32).text("0123456789", 10);
  for (std::size_t i = 0; i < points; ++i) {
    const Point& p = kPoints[i];
    const std::size_t start = h.data.size();
    h.put<std::int32_t>(p.x).put<std::int32_t>(p.y).put<std::int32_t>(p.z);
    h.put<std::uint16_t>(p.intensity);
    if (format < 6) {
      h.put<std::uint8_t>(std::uint8_t(p.return_number | (p.number_of_returns << 3) | (1 << 7)));
      h.put<std::uint8_t>(std::uint8_t(p.classification | (i == 1 ? 1 << 5 : 0)));
      h.put<std::int8_t>(std::int8_t(p.scan_angle)).put<std::uint8_t>(std::uint8_t(p.user_data));
      h.put<std::uint16_t>(p.point_source).put<double>(p.gps);
    } else {
      h.put<std::uint8_t>(std::uint8_t((p.return_number + 7) | ((p.number_of_returns + 7) << 4)));
      // Overlap flag on point 0, scanner channel 2 on point 1.
      h.put<std::uint8_t>(std::uint8_t(i == 0 ? 0x08 : (i == 1 ? 0x20 | 0x40 : 0)));
      h.put<std::uint8_t>(std::uint8_t(p.classification + 40))
          .put<std::uint8_t>(std::uint8_t(p.user_data));
      h.put<std::int16_t>(std::int16_t(p.scan_angle * 100)).put<std::uint16_t>(p.point_source);
      h.put<double>(p.gps);
    }
    if (format == 3 || format == 7) {
      const int shift = small_colour ? 8 : 0;
      h.put<std::uint16_t>(std::uint16_t(p.r >> shift))
          .put<std::uint16_t>(std::uint16_t(p.g >> shift));
      h.put<std::uint16_t>(std::uint16_t(p.b >> shift));
    }
    // Extra bytes beyond the format's base record.
    while (h.data.size() - start < record_length)
      h.put<std::uint8_t>(0xee);
  }
  return h.data;
}

double coord(std::int32_t v, double scale, double offset) {
  return v * scale + offset;
}

} // namespace

class TestLas : public QObject {
  Q_OBJECT

private slots:
  void readsLas12Format3() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("a.las").toStdString();
    test::write_file(path, make_las(2, 3, 36, 3, 3));
    const PointCloud c = read_las(path);
    QCOMPARE(c.size(), std::size_t{3});
    QCOMPARE(c.xyz[0][0], coord(12345, 0.01, 1000.0));
    QCOMPARE(c.xyz[0][1], coord(-200, 0.01, 2000.0));
    QCOMPARE(c.xyz[2][1], coord(99999, 0.01, 2000.0));
    QCOMPARE(c.xyz[2][2], coord(-700, 0.001, -5.0));
    QCOMPARE(c.intensity, (std::vector<float>{1000, 0, 65535}));
    QCOMPARE(c.field("return_number")->values, (std::vector<double>{1, 2, 1}));
    QCOMPARE(c.field("number_of_returns")->values, (std::vector<double>{2, 2, 1}));
    QCOMPARE(c.field("edge_of_flight_line")->values, (std::vector<double>{1, 1, 1}));
    QCOMPARE(c.field("classification")->values, (std::vector<double>{2, 6, 9}));
    QCOMPARE(c.field("synthetic")->values, (std::vector<double>{0, 1, 0}));
    QCOMPARE(c.field("scan_angle_rank")->values, (std::vector<double>{-12, 30, 0}));
    QCOMPARE(c.field("user_data")->values, (std::vector<double>{5, 0, 255}));
    QCOMPARE(c.field("point_source_id")->values, (std::vector<double>{77, 1, 65535}));
    QCOMPARE(c.field("gps_time")->values, (std::vector<double>{245380.5, 0.25, -1.0}));
    // 16-bit colour comes down to 8 bits.
    QCOMPARE(int(c.rgb[0][0]), 255);
    QCOMPARE(int(c.rgb[0][1]), 20);
    QCOMPARE(int(c.rgb[1][2]), 255);
    QCOMPARE(int(c.rgb[2][0]), 2);
    QCOMPARE(c.stored_fields.front(), std::string("x"));
    QCOMPARE(c.stored_fields.back(), std::string("blue"));
    QCOMPARE(c.stored_fields.size(), std::size_t{19});
    const auto& m = c.metadata;
    QCOMPARE(*m.find("version"), std::string("1.2"));
    QCOMPARE(*m.find("point_format"), std::string("3"));
    QCOMPARE(*m.find("point_record_length"), std::string("36"));
    QCOMPARE(*m.find("system_identifier"), std::string("ATELIER TEST"));
    QCOMPARE(*m.find("generating_software"), std::string("hand-made"));
    QCOMPARE(*m.find("scale_z"), std::string("0.001"));
    QCOMPARE(*m.find("offset_y"), std::string("2000"));
    QCOMPARE(*m.find("header_max_x"), std::string("1123.45"));

    const FileInfo info = inspect_las(path);
    QCOMPARE(info.points.value(), std::uint64_t{3});
    QCOMPARE(std::get<std::string>(*info.find_extra("version")), std::string("1.2"));
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("point_format")), std::int64_t{3});
    QCOMPARE(std::get<double>(*info.find_extra("scale_x")), 0.01);
    QCOMPARE(std::get<double>(*info.find_extra("offset_z")), -5.0);
    QCOMPARE(std::get<double>(*info.find_extra("bounds_min_x")), coord(-1, 0.01, 1000.0));
    QCOMPARE(std::get<double>(*info.find_extra("bounds_max_y")), coord(99999, 0.01, 2000.0));
    QCOMPARE(info.fields, c.stored_fields);
  }

  void eightBitColourIsKept() {
    const auto bytes = make_las(2, 3, 34, 3, 3, 0, true);
    const PointCloud c = read_las(MemorySource("c.las", bytes));
    QCOMPARE(int(c.rgb[0][0]), 255);
    QCOMPARE(int(c.rgb[0][1]), 20);
    QCOMPARE(int(c.rgb[2][2]), 4);
  }

  void readsLas14_data() {
    QTest::addColumn<int>("format");
    QTest::addColumn<int>("recordLength");
    QTest::newRow("format 6") << 6 << 30;
    QTest::newRow("format 7 with extra bytes") << 7 << 40;
  }
  void readsLas14() {
    QFETCH(int, format);
    QFETCH(int, recordLength);
    // Legacy count 0: the 64-bit count holds the truth.
    const auto bytes = make_las(4, format, std::uint16_t(recordLength), 3, 0, 3);
    const PointCloud c = read_las(MemorySource("d.las", bytes));
    QCOMPARE(c.size(), std::size_t{3});
    QCOMPARE(c.xyz[1][0], 1000.0);
    QCOMPARE(c.xyz[2][2], coord(-700, 0.001, -5.0));
    QCOMPARE(c.field("return_number")->values, (std::vector<double>{8, 9, 8}));
    QCOMPARE(c.field("number_of_returns")->values, (std::vector<double>{9, 9, 8}));
    QCOMPARE(c.field("classification")->values, (std::vector<double>{42, 46, 49}));
    QCOMPARE(c.field("overlap")->values, (std::vector<double>{1, 0, 0}));
    QCOMPARE(c.field("scanner_channel")->values, (std::vector<double>{0, 2, 0}));
    QCOMPARE(c.field("scan_direction_flag")->values, (std::vector<double>{0, 1, 0}));
    QCOMPARE(c.field("scan_angle")->values, (std::vector<double>{-1200 * 0.006, 3000 * 0.006, 0}));
    QCOMPARE(c.field("point_source_id")->values, (std::vector<double>{77, 1, 65535}));
    QCOMPARE(c.field("gps_time")->values, (std::vector<double>{245380.5, 0.25, -1.0}));
    QVERIFY(!c.field("scan_angle_rank"));
    QCOMPARE(c.has_rgb(), format == 7);
    if (format == 7) {
      QCOMPARE(int(c.rgb[1][2]), 255);
      QCOMPARE(c.stored_fields.back(), std::string("blue"));
    } else {
      QCOMPARE(c.stored_fields.back(), std::string("gps_time"));
    }
    QCOMPARE(*c.metadata.find("version"), std::string("1.4"));
    QCOMPARE(*c.metadata.find("point_count"), std::string("3"));
  }

  void rejectsCorrupt_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("error");
    const auto qb = [](const std::vector<std::uint8_t>& v) {
      return QByteArray(reinterpret_cast<const char*>(v.data()), int(v.size()));
    };
    QTest::newRow("count beyond the file")
        << qb(make_las(2, 3, 34, 3, 100))
        << "bad.las: declares 100 points of 34 bytes at offset 291 but the file has only 393 "
           "bytes";
    QTest::newRow("64-bit count beyond the file")
        << qb(make_las(4, 6, 30, 3, 0, 1ull << 40))
        << "bad.las: declares 1099511627776 points of 30 bytes";
    auto laz = make_las(2, 3, 34, 3, 3);
    laz[104] = 3 | 0x80;
    QTest::newRow("LAZ") << qb(laz) << "bad.las: LAZ compression is not supported yet";
    auto sig = make_las(2, 3, 34, 3, 3);
    sig[3] = 'X';
    QTest::newRow("signature") << qb(sig) << "bad.las: not a LAS file (no LASF signature)";
    QTest::newRow("record too short")
        << qb(make_las(2, 3, 28, 3, 3))
        << "bad.las: point record length 28 is below the 34 bytes of point format 3";
    auto fmt = make_las(2, 3, 34, 3, 3);
    fmt[104] = 11;
    QTest::newRow("unknown format")
        << qb(fmt) << "bad.las: unsupported point data record format 11";
    auto ver = make_las(2, 3, 34, 3, 3);
    ver[24] = 2;
    QTest::newRow("version") << qb(ver) << "bad.las: unsupported LAS version 2.2";
    auto scale = make_las(2, 3, 34, 3, 3);
    std::fill(scale.begin() + 131, scale.begin() + 139, 0);
    QTest::newRow("zero scale") << qb(scale) << "bad.las: invalid scale or offset for axis x";
    auto offset = make_las(2, 3, 34, 3, 3);
    offset[96] = 10;
    offset[97] = 0;
    QTest::newRow("point offset inside header")
        << qb(offset) << "bad.las: offset to point data 10 lies inside the header";
    QTest::newRow("short header") << QByteArray("LASF\0\0", 6)
                                  << "bad.las: truncated: a LAS header needs 227 bytes";
  }
  void rejectsCorrupt() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, error);
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.las").toStdString();
    test::write_file(path, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    ATELIER_VERIFY_THROWS(read_las(path), FormatError, qPrintable(error));
  }
};

QTEST_APPLESS_MAIN(TestLas)
#include "test_las.moc"

// PCD reader: hand-written ascii, binary and binary_compressed files (the
// latter through a small LZF compressor written here), organized clouds with
// NaN holes, and corrupt variants.
#include "core/base/byte_order.h"
#include "core/base/error.h"
#include "core/formats/pointcloud/pcd_reader.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

using namespace atelier;

namespace {

// Greedy LZF compressor: literal runs of up to 32 bytes and back references
// of 3-264 bytes up to 8192 bytes back.
std::vector<std::uint8_t> lzf_compress(const std::vector<std::uint8_t>& in, bool literal_only) {
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> lit;
  const auto flush = [&] {
    for (std::size_t at = 0; at < lit.size(); at += 32) {
      const std::size_t n = std::min<std::size_t>(32, lit.size() - at);
      out.push_back(static_cast<std::uint8_t>(n - 1));
      out.insert(out.end(), lit.begin() + long(at), lit.begin() + long(at + n));
    }
    lit.clear();
  };
  std::size_t i = 0;
  while (i < in.size()) {
    std::size_t best = 0, best_off = 0;
    for (std::size_t off = 1; !literal_only && off <= std::min<std::size_t>(i, 8192); ++off) {
      std::size_t len = 0;
      while (i + len < in.size() && len < 264 && in[i + len] == in[i - off + len])
        ++len;
      if (len > best) best = len, best_off = off;
    }
    if (best >= 3) {
      flush();
      const std::size_t l = best - 2, o = best_off - 1;
      if (l < 7) {
        out.push_back(static_cast<std::uint8_t>((l << 5) | (o >> 8)));
      } else {
        out.push_back(static_cast<std::uint8_t>((7 << 5) | (o >> 8)));
        out.push_back(static_cast<std::uint8_t>(l - 7));
      }
      out.push_back(static_cast<std::uint8_t>(o & 0xff));
      i += best;
    } else {
      lit.push_back(in[i++]);
    }
  }
  flush();
  return out;
}

template <typename T>
void put(std::vector<std::uint8_t>& out, T v) {
  std::uint8_t b[sizeof(T)];
  store_as(b, v, Endian::little);
  out.insert(out.end(), b, b + sizeof(T));
}

std::vector<std::uint8_t> text_bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

const char* kBinaryHeader = "# .PCD v0.7 - Point Cloud Data file format\n"
                            "VERSION 0.7\n"
                            "FIELDS x y z rgba intensity label d s\n"
                            "SIZE 4 4 4 4 4 2 8 1\n"
                            "TYPE F F F U F U F I\n"
                            "COUNT 1 1 1 1 1 1 1 1\n"
                            "WIDTH 3\n"
                            "HEIGHT 1\n"
                            "VIEWPOINT 0 0 0 1 0 0 0\n"
                            "POINTS 3\n";
constexpr std::size_t kPointSize = 31;

// Three points as the binary (interleaved) body.
std::vector<std::uint8_t> binary_body() {
  std::vector<std::uint8_t> b;
  for (int i = 0; i < 3; ++i) {
    put<float>(b, 0.5f + float(i));
    put<float>(b, -1.25f * float(i));
    put<float>(b, 100.0f);
    put<std::uint32_t>(b, 0xff000000u | (std::uint32_t(10 * i) << 16) | (200u << 8) | 7u);
    put<float>(b, 0.25f * float(i));
    put<std::uint16_t>(b, std::uint16_t(60000 + i));
    put<double>(b, 1e10 + i);
    put<std::int8_t>(b, std::int8_t(-i));
  }
  return b;
}

// The same points field by field, as binary_compressed lays them out.
std::vector<std::uint8_t> field_major(const std::vector<std::uint8_t>& aos) {
  const std::size_t sizes[] = {4, 4, 4, 4, 4, 2, 8, 1};
  std::vector<std::uint8_t> out;
  std::size_t field_at = 0;
  for (std::size_t s : sizes) {
    for (std::size_t p = 0; p < 3; ++p) {
      const auto* src = aos.data() + p * kPointSize + field_at;
      out.insert(out.end(), src, src + s);
    }
    field_at += s;
  }
  return out;
}

std::vector<std::uint8_t> compressed_file(bool literal_only, std::int64_t size_delta = 0) {
  const auto soa = field_major(binary_body());
  const auto packed = lzf_compress(soa, literal_only);
  auto out = text_bytes(std::string(kBinaryHeader) + "DATA binary_compressed\n");
  put<std::uint32_t>(out, std::uint32_t(packed.size()));
  put<std::uint32_t>(out, std::uint32_t(std::int64_t(soa.size()) + size_delta));
  out.insert(out.end(), packed.begin(), packed.end());
  return out;
}

void check_binary_cloud(const PointCloud& c) {
  QCOMPARE(c.size(), std::size_t{3});
  QCOMPARE(c.xyz[2][0], 2.5);
  QCOMPARE(c.xyz[1][1], -1.25);
  QCOMPARE(c.xyz[0][2], 100.0);
  QCOMPARE(int(c.rgb[2][0]), 20);
  QCOMPARE(int(c.rgb[2][1]), 200);
  QCOMPARE(int(c.rgb[2][2]), 7);
  QCOMPARE(c.intensity, (std::vector<float>{0.0f, 0.25f, 0.5f}));
  QCOMPARE(c.field("label")->values, (std::vector<double>{60000, 60001, 60002}));
  QCOMPARE(c.field("d")->values, (std::vector<double>{1e10, 1e10 + 1, 1e10 + 2}));
  QCOMPARE(c.field("s")->values, (std::vector<double>{0, -1, -2}));
  QVERIFY(!c.field("rgba"));
  QCOMPARE(c.stored_fields,
           (std::vector<std::string>{"x", "y", "z", "rgba", "intensity", "label", "d", "s"}));
  QCOMPARE(*c.metadata.find("viewpoint"), std::string("0 0 0 1 0 0 0"));
  QCOMPARE(*c.metadata.find("nan_points_skipped"), std::string("0"));
}

} // namespace

class TestPcd : public QObject {
  Q_OBJECT

private slots:
  void readsAscii() {
    const std::string text = "# .PCD v0.7 - Point Cloud Data file format\n"
                             "VERSION 0.7\n"
                             "FIELDS x y z rgb intensity normal_x normal_y normal_z h\n"
                             "SIZE 4 4 4 4 4 4 4 4 4\n"
                             "TYPE F F F F F F F F F\n"
                             "COUNT 1 1 1 1 1 1 1 1 3\n"
                             "WIDTH 2\n"
                             "HEIGHT 1\n"
                             "POINTS 2\n"
                             "DATA ascii\n"
                             "1 2 3 4.2108e+06 0.5 0 0 1 1 2 3\n"
                             "\n"
                             "-1 -2 -3 16711935 7 1 0 0 4 5 6\n";
    QTemporaryDir dir;
    const std::string path = dir.filePath("a.pcd").toStdString();
    test::write_text(path, text);
    const PointCloud c = read_pcd(path);
    QCOMPARE(c.size(), std::size_t{2});
    QCOMPARE(c.xyz[1][2], -3.0);
    // Older PCL writes the float that shares the packed colour's bits.
    const float packed = 4.2108e+06f;
    std::uint32_t bits = 0;
    std::memcpy(&bits, &packed, 4);
    QCOMPARE(int(c.rgb[0][0]), int((bits >> 16) & 0xff));
    QCOMPARE(int(c.rgb[0][1]), int((bits >> 8) & 0xff));
    QCOMPARE(int(c.rgb[0][2]), int(bits & 0xff));
    QCOMPARE(int(c.rgb[1][0]), 255);
    QCOMPARE(int(c.rgb[1][1]), 0);
    QCOMPARE(int(c.rgb[1][2]), 255);
    QCOMPARE(c.intensity, (std::vector<float>{0.5f, 7.0f}));
    QCOMPARE(c.normals[0][2], 1.0f);
    QCOMPARE(c.normals[1][0], 1.0f);
    QCOMPARE(c.field("h_0")->values, (std::vector<double>{1, 4}));
    QCOMPARE(c.field("h_2")->values, (std::vector<double>{3, 6}));
    QCOMPARE(c.stored_fields, (std::vector<std::string>{"x", "y", "z", "rgb", "intensity",
                                                        "normal_x", "normal_y", "normal_z", "h"}));
    QCOMPARE(*c.metadata.find("encoding"), std::string("ascii"));
    QCOMPARE(*c.metadata.find("version"), std::string("0.7"));

    const FileInfo info = inspect_pcd(path);
    QCOMPARE(info.points.value(), std::uint64_t{2});
    QCOMPARE(info.fields, c.stored_fields);
    QCOMPARE(std::get<std::string>(*info.find_extra("encoding")), std::string("ascii"));
    QCOMPARE(std::get<double>(*info.find_extra("bounds_min_x")), -1.0);
    QCOMPARE(std::get<double>(*info.find_extra("bounds_max_z")), 3.0);
  }

  void readsBinary() {
    auto bytes = text_bytes(std::string(kBinaryHeader) + "DATA binary\n");
    const auto body = binary_body();
    bytes.insert(bytes.end(), body.begin(), body.end());
    check_binary_cloud(read_pcd(MemorySource("b.pcd", bytes)));
  }

  void readsBinaryCompressed_data() {
    QTest::addColumn<bool>("literalOnly");
    QTest::newRow("back references") << false;
    QTest::newRow("literal runs") << true;
  }
  void readsBinaryCompressed() {
    QFETCH(bool, literalOnly);
    QTemporaryDir dir;
    const std::string path = dir.filePath("c.pcd").toStdString();
    test::write_file(path, compressed_file(literalOnly));
    const PointCloud c = read_pcd(path);
    check_binary_cloud(c);
    QCOMPARE(*c.metadata.find("encoding"), std::string("binary_compressed"));
    const FileInfo info = inspect_pcd(path);
    QCOMPARE(std::get<std::string>(*info.find_extra("encoding")), std::string("binary_compressed"));
  }

  void compressorReallyCompresses() {
    const auto soa = field_major(binary_body());
    QVERIFY(lzf_compress(soa, false).size() < soa.size());
  }

  void organizedWithNaN() {
    std::string header = "VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\n"
                         "WIDTH 3\nHEIGHT 2\nPOINTS 6\nDATA binary\n";
    auto bytes = text_bytes(header);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (int i = 0; i < 6; ++i) {
      const bool hole = i == 1 || i == 4;
      put<float>(bytes, hole ? nan : float(i));
      put<float>(bytes, hole ? nan : float(10 * i));
      put<float>(bytes, hole ? nan : 1.0f);
    }
    QTemporaryDir dir;
    const std::string path = dir.filePath("o.pcd").toStdString();
    test::write_file(path, bytes);
    const PointCloud c = read_pcd(path);
    QCOMPARE(c.size(), std::size_t{4});
    QCOMPARE(c.xyz[1][0], 2.0);
    QCOMPARE(c.xyz[3][1], 50.0);
    QCOMPARE(*c.metadata.find("nan_points_skipped"), std::string("2"));
    QCOMPARE(*c.metadata.find("organized"), std::string("true"));
    QCOMPARE(*c.metadata.find("height"), std::string("2"));
    const FileInfo info = inspect_pcd(path);
    QCOMPARE(info.points.value(), std::uint64_t{6});
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("finite_points")), std::int64_t{4});
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("width")), std::int64_t{3});
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("height")), std::int64_t{2});
  }

  void rejectsCorrupt_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("error");
    const auto qb = [](const std::vector<std::uint8_t>& v) {
      return QByteArray(reinterpret_cast<const char*>(v.data()), int(v.size()));
    };
    const std::string xyz = "FIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n";
    QTest::newRow("POINTS lies about WIDTH x HEIGHT")
        << QByteArray::fromStdString(xyz + "WIDTH 4\nHEIGHT 1\nPOINTS 10\nDATA ascii\n1 2 3\n")
        << "bad.pcd: declares 10 points but WIDTH x HEIGHT is 4 x 1 = 4";
    QTest::newRow("POINTS beyond binary data")
        << QByteArray::fromStdString(xyz + "WIDTH 5\nHEIGHT 1\nPOINTS 5\nDATA binary\n" +
                                     std::string(24, '\0'))
        << "bad.pcd: declares 5 points of 12 bytes but the data holds only 24 bytes";
    QTest::newRow("POINTS beyond ascii data")
        << QByteArray::fromStdString(xyz + "WIDTH 3\nPOINTS 3\nDATA ascii\n1 2 3\n4 5 6\n")
        << "bad.pcd: declares 3 points but the data has only 2";
    QTest::newRow("uncompressed size lies")
        << qb(compressed_file(false, 8))
        << "bad.pcd: declares 3 points of 31 bytes but the compressed data unpacks to 101 bytes "
           "(needs 93)";
    auto bad_ref = text_bytes(xyz + "WIDTH 1\nPOINTS 1\nDATA binary_compressed\n");
    put<std::uint32_t>(bad_ref, 3);
    put<std::uint32_t>(bad_ref, 12);
    bad_ref.insert(bad_ref.end(), {0x20, 0x05, 0x00});
    QTest::newRow("back reference before start")
        << qb(bad_ref) << "bad.pcd: corrupt LZF data: back reference before the start";
    auto short_lzf = text_bytes(xyz + "WIDTH 1\nPOINTS 1\nDATA binary_compressed\n");
    put<std::uint32_t>(short_lzf, 5);
    put<std::uint32_t>(short_lzf, 12);
    short_lzf.insert(short_lzf.end(), {0x03, 1, 2, 3, 4});
    QTest::newRow("compressed data too short")
        << qb(short_lzf) << "bad.pcd: compressed data unpacks to 4 bytes, not the declared 12";
    QTest::newRow("ragged ascii row")
        << QByteArray::fromStdString(xyz + "WIDTH 2\nPOINTS 2\nDATA ascii\n1 2 3\n4 5\n")
        << "bad.pcd: data line 2 has 2 values, expected 3";
    QTest::newRow("field lists disagree")
        << QByteArray("FIELDS x y z\nSIZE 4 4\nTYPE F F F\nWIDTH 1\nDATA ascii\n1 2 3\n")
        << "bad.pcd: FIELDS, SIZE, TYPE and COUNT list different numbers of fields";
    QTest::newRow("bad type size")
        << QByteArray("FIELDS x y z\nSIZE 4 4 3\nTYPE F F F\nWIDTH 1\nDATA ascii\n1 2 3\n")
        << "bad.pcd: unsupported field type F of size 3 for 'z'";
    QTest::newRow("unknown encoding")
        << QByteArray::fromStdString(xyz + "WIDTH 1\nDATA binary_lz4\n")
        << "bad.pcd: unknown DATA encoding 'binary_lz4'";
    QTest::newRow("no DATA line") << QByteArray::fromStdString(xyz + "WIDTH 1\n")
                                  << "bad.pcd: header has no DATA line";
  }
  void rejectsCorrupt() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, error);
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.pcd").toStdString();
    test::write_file(path, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    ATELIER_VERIFY_THROWS(read_pcd(path), FormatError, qPrintable(error));
  }
};

QTEST_APPLESS_MAIN(TestPcd)
#include "test_pcd.moc"

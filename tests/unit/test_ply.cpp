// PLY reader: hand-written ASCII and binary (both byte orders) files with
// colours, normals and face lists, and corrupt variants.
#include "core/base/byte_order.h"
#include "core/base/error.h"
#include "core/formats/pointcloud/ply_reader.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <string>
#include <vector>

using namespace atelier;

namespace {

class Body {
public:
  explicit Body(Endian order) : order_(order) {}
  template <typename T>
  Body& put(T v) {
    std::uint8_t b[sizeof(T)];
    store_as(b, v, order_);
    bytes_.insert(bytes_.end(), b, b + sizeof(T));
    return *this;
  }
  std::vector<std::uint8_t> with_header(const std::string& header) const {
    std::vector<std::uint8_t> out(header.begin(), header.end());
    out.insert(out.end(), bytes_.begin(), bytes_.end());
    return out;
  }

private:
  Endian order_;
  std::vector<std::uint8_t> bytes_;
};

const char* kAsciiPly = "ply\n"
                        "format ascii 1.0\n"
                        "comment made by hand\n"
                        "obj_info test object\n"
                        "element vertex 3\n"
                        "property float x\n"
                        "property float y\n"
                        "property float z\n"
                        "property uchar red\n"
                        "property uchar green\n"
                        "property uchar blue\n"
                        "property float nx\n"
                        "property float ny\n"
                        "property float nz\n"
                        "property float quality\n"
                        "element face 2\n"
                        "property list uchar int vertex_indices\n"
                        "end_header\n"
                        "1.5 -2.25 3 255 0 10 0 0 1 0.5\n"
                        "-1e3 0 2.5 1 2 3 1 0 0 7\n"
                        "4 5 6 100 200 50 0 1 0 -3\n"
                        "3 0 1 2\n"
                        "4 0 1 2 0\n";

// Binary file with the face element first, so the reader must walk the
// lists to find the vertices.
std::vector<std::uint8_t> binary_ply(Endian order, bool truncate = false) {
  const std::string enc = order == Endian::little ? "binary_little_endian" : "binary_big_endian";
  const std::string header = "ply\r\nformat " + enc +
                             " 1.0\r\n"
                             "element face 2\r\n"
                             "property list uchar int32 vertex_indices\r\n"
                             "property uint8 flags\r\n"
                             "element vertex 2\r\n"
                             "property float64 x\r\n"
                             "property float32 y\r\n"
                             "property int16 z\r\n"
                             "property uchar red\r\n"
                             "property uchar green\r\n"
                             "property uchar blue\r\n"
                             "property uint label\r\n"
                             "property char tag\r\n"
                             "property ushort count\r\n"
                             "property list uchar float extra\r\n"
                             "element edge 1\r\n"
                             "property int a\r\n"
                             "property int b\r\n"
                             "end_header\r\n";
  Body b(order);
  b.put<std::uint8_t>(3).put<std::int32_t>(0).put<std::int32_t>(1).put<std::int32_t>(1);
  b.put<std::uint8_t>(9);
  b.put<std::uint8_t>(4).put<std::int32_t>(1).put<std::int32_t>(0).put<std::int32_t>(1);
  b.put<std::int32_t>(0).put<std::uint8_t>(8);
  b.put<double>(123456.125).put<float>(-0.5f).put<std::int16_t>(-300);
  b.put<std::uint8_t>(10).put<std::uint8_t>(20).put<std::uint8_t>(30);
  b.put<std::uint32_t>(4000000000u).put<std::int8_t>(-7).put<std::uint16_t>(65535);
  b.put<std::uint8_t>(2).put<float>(1.0f).put<float>(2.0f);
  b.put<double>(-1.0).put<float>(2.0f).put<std::int16_t>(3);
  b.put<std::uint8_t>(255).put<std::uint8_t>(128).put<std::uint8_t>(0);
  b.put<std::uint32_t>(1).put<std::int8_t>(127).put<std::uint16_t>(0);
  b.put<std::uint8_t>(0);
  b.put<std::int32_t>(0).put<std::int32_t>(1);
  auto out = b.with_header(header);
  if (truncate) out.resize(out.size() - 20);
  return out;
}

} // namespace

class TestPly : public QObject {
  Q_OBJECT

private slots:
  void readsAscii() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("a.ply").toStdString();
    test::write_text(path, kAsciiPly);
    const PointCloud c = read_ply(path);
    QCOMPARE(c.size(), std::size_t{3});
    QCOMPARE(c.xyz[0][0], 1.5);
    QCOMPARE(c.xyz[0][1], -2.25);
    QCOMPARE(c.xyz[1][0], -1000.0);
    QCOMPARE(c.xyz[2][2], 6.0);
    QVERIFY(c.has_rgb());
    QCOMPARE(int(c.rgb[0][0]), 255);
    QCOMPARE(int(c.rgb[0][2]), 10);
    QCOMPARE(int(c.rgb[2][1]), 200);
    QVERIFY(c.has_normals());
    QCOMPARE(c.normals[0][2], 1.0f);
    QCOMPARE(c.normals[2][1], 1.0f);
    QVERIFY(!c.has_intensity());
    const ScalarField* q = c.field("quality");
    QVERIFY(q);
    QCOMPARE(q->values, (std::vector<double>{0.5, 7.0, -3.0}));
    QCOMPARE(c.fields.size(), std::size_t{1});
    QCOMPARE(c.stored_fields, (std::vector<std::string>{"x", "y", "z", "red", "green", "blue", "nx",
                                                        "ny", "nz", "quality"}));
    QCOMPARE(*c.metadata.find("encoding"), std::string("ascii"));
    QCOMPARE(*c.metadata.find("version"), std::string("1.0"));
    QCOMPARE(*c.metadata.find("faces"), std::string("2"));
    QCOMPARE(*c.metadata.find("comment"), std::string("made by hand"));
    QCOMPARE(*c.metadata.find("obj_info"), std::string("test object"));
    QCOMPARE(*c.metadata.find("bounds_min_x"), std::string("-1000"));
  }

  void inspectsAscii() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("a.ply").toStdString();
    test::write_text(path, kAsciiPly);
    const FileInfo info = inspect_ply(path);
    QCOMPARE(info.points.value(), std::uint64_t{3});
    QCOMPARE(info.fields.size(), std::size_t{10});
    QCOMPARE(std::get<std::string>(*info.find_extra("encoding")), std::string("ascii"));
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("faces")), std::int64_t{2});
    QCOMPARE(std::get<double>(*info.find_extra("bounds_max_y")), 5.0);
    QCOMPARE(std::get<double>(*info.find_extra("bounds_min_z")), 2.5);
    QVERIFY(!info.stats);
  }

  void readsBinary_data() {
    QTest::addColumn<bool>("little");
    QTest::newRow("little endian") << true;
    QTest::newRow("big endian") << false;
  }
  void readsBinary() {
    QFETCH(bool, little);
    const auto bytes = binary_ply(little ? Endian::little : Endian::big);
    const MemorySource src("mem.ply", bytes);
    const PointCloud c = read_ply(src);
    QCOMPARE(c.size(), std::size_t{2});
    QCOMPARE(c.xyz[0][0], 123456.125);
    QCOMPARE(c.xyz[0][1], -0.5);
    QCOMPARE(c.xyz[0][2], -300.0);
    QCOMPARE(c.xyz[1][0], -1.0);
    QCOMPARE(c.xyz[1][2], 3.0);
    QCOMPARE(int(c.rgb[0][0]), 10);
    QCOMPARE(int(c.rgb[0][1]), 20);
    QCOMPARE(int(c.rgb[0][2]), 30);
    QCOMPARE(int(c.rgb[1][0]), 255);
    QCOMPARE(int(c.rgb[1][1]), 128);
    QCOMPARE(c.field("label")->values, (std::vector<double>{4000000000.0, 1.0}));
    QCOMPARE(c.field("tag")->values, (std::vector<double>{-7.0, 127.0}));
    QCOMPARE(c.field("count")->values, (std::vector<double>{65535.0, 0.0}));
    QVERIFY(!c.field("extra")); // list properties are not per-point scalars
    QCOMPARE(c.stored_fields, (std::vector<std::string>{"x", "y", "z", "red", "green", "blue",
                                                        "label", "tag", "count"}));
    QCOMPARE(*c.metadata.find("encoding"),
             std::string(little ? "binary_little_endian" : "binary_big_endian"));
    QCOMPARE(*c.metadata.find("faces"), std::string("2"));
    QCOMPARE(*c.metadata.find("element_edge"), std::string("1"));
  }

  void sixteenBitAndFloatColours() {
    const std::string text = "ply\nformat ascii 1.0\nelement vertex 2\n"
                             "property float x\nproperty float y\nproperty float z\n"
                             "property float red\nproperty float green\nproperty float blue\n"
                             "end_header\n0 0 0 0.5 1 0\n1 1 1 0.25 0 1\n";
    const std::vector<std::uint8_t> bytes(text.begin(), text.end());
    const PointCloud c = read_ply(MemorySource("f.ply", bytes));
    QCOMPARE(int(c.rgb[0][0]), 128);
    QCOMPARE(int(c.rgb[0][1]), 255);
    QCOMPARE(int(c.rgb[1][0]), 64);
    const std::string wide = "ply\nformat ascii 1.0\nelement vertex 1\n"
                             "property float x\nproperty float y\nproperty float z\n"
                             "property ushort r\nproperty ushort g\nproperty ushort b\n"
                             "end_header\n0 0 0 65535 256 4096\n";
    const std::vector<std::uint8_t> wbytes(wide.begin(), wide.end());
    const PointCloud w = read_ply(MemorySource("w.ply", wbytes));
    QCOMPARE(int(w.rgb[0][0]), 255);
    QCOMPARE(int(w.rgb[0][1]), 1);
    QCOMPARE(int(w.rgb[0][2]), 16);
  }

  void rejectsCorrupt_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("error");
    const auto trunc = binary_ply(Endian::little, true);
    QTest::newRow("truncated binary body")
        << QByteArray(reinterpret_cast<const char*>(trunc.data()), int(trunc.size()))
        << "bad.ply: truncated binary body";
    const std::string vertex_only = "ply\nformat binary_little_endian 1.0\nelement vertex 1000\n"
                                    "property float x\nproperty float y\nproperty float z\n"
                                    "end_header\n0123456789ab";
    QTest::newRow("vertex count beyond the body")
        << QByteArray::fromStdString(vertex_only)
        << "bad.ply: truncated binary body: 1000 vertices of 12 bytes need 12000 bytes but only "
           "12 remain";
    QTest::newRow("unknown property type")
        << QByteArray("ply\nformat ascii 1.0\nelement vertex 1\nproperty float128 x\n"
                      "end_header\n1\n")
        << "bad.ply: unknown property type 'float128'";
    QTest::newRow("unknown encoding")
        << QByteArray("ply\nformat binary_middle_endian 1.0\nend_header\n")
        << "bad.ply: unknown PLY encoding 'binary_middle_endian'";
    QTest::newRow("no end_header")
        << QByteArray("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\n")
        << "bad.ply: header has no end_header line";
    QTest::newRow("not a number")
        << QByteArray("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\n"
                      "property float y\nproperty float z\nend_header\n1 2 abc\n")
        << "bad.ply: vertex: 'abc' is not a number";
    QTest::newRow("ascii too short")
        << QByteArray("ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\n"
                      "property float y\nproperty float z\nend_header\n1 2 3\n4 5\n")
        << "bad.ply: truncated ascii body: vertex is missing";
    QTest::newRow("no xyz") << QByteArray(
                                   "ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\n"
                                   "end_header\n1\n")
                            << "bad.ply: no x, y and z fields";
    QTest::newRow("no vertex element")
        << QByteArray("ply\nformat ascii 1.0\nelement face 0\nend_header\n")
        << "bad.ply: no vertex element";
    QTest::newRow("bad magic") << QByteArray("plx\nformat ascii 1.0\nend_header\n")
                               << "bad.ply: not a PLY file";
  }
  void rejectsCorrupt() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, error);
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.ply").toStdString();
    test::write_file(path, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    ATELIER_VERIFY_THROWS(read_ply(path), FormatError, qPrintable(error));
  }
};

QTEST_APPLESS_MAIN(TestPly)
#include "test_ply.moc"

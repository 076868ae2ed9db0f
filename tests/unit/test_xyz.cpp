// XYZ / CSV reader: column layouts by count and by header line, comments,
// separators, colour ranges, and malformed rows.
#include "core/base/error.h"
#include "core/formats/pointcloud/xyz_reader.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <string>
#include <vector>

using namespace atelier;

namespace {

PointCloud read_text(const std::string& text) {
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  return read_xyz(MemorySource("mem.xyz", bytes));
}

} // namespace

class TestXyz : public QObject {
  Q_OBJECT

private slots:
  void threeColumns() {
    const PointCloud c = read_text("# a comment\n// another\n1 2 3\n\n  -4.5\t5e2 6  \n");
    QCOMPARE(c.size(), std::size_t{2});
    QCOMPARE(c.xyz[1][0], -4.5);
    QCOMPARE(c.xyz[1][1], 500.0);
    QVERIFY(!c.has_rgb());
    QVERIFY(!c.has_intensity());
    QCOMPARE(c.stored_fields, (std::vector<std::string>{"x", "y", "z"}));
  }

  void fourColumnsAreIntensity() {
    const PointCloud c = read_text("1 2 3 0.75\n4 5 6 12\n");
    QCOMPARE(c.intensity, (std::vector<float>{0.75f, 12.0f}));
    QCOMPARE(c.stored_fields, (std::vector<std::string>{"x", "y", "z", "intensity"}));
  }

  void sixColumnsAreColour_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("red");
    QTest::addColumn<int>("green");
    QTest::newRow("0-255 integers") << "1 2 3 255 128 0\n4 5 6 10 1 1\n" << 255 << 128;
    QTest::newRow("0-1 floats") << "1 2 3 1.0 0.5 0\n4 5 6 0.2 0 1\n" << 255 << 128;
    QTest::newRow("comma separated") << "1,2,3,255,128,0\n4, 5, 6, 10, 1, 1\n" << 255 << 128;
  }
  void sixColumnsAreColour() {
    QFETCH(QString, text);
    QFETCH(int, red);
    QFETCH(int, green);
    const PointCloud c = read_text(text.toStdString());
    QCOMPARE(c.size(), std::size_t{2});
    QCOMPARE(c.xyz[1][2], 6.0);
    QCOMPARE(int(c.rgb[0][0]), red);
    QCOMPARE(int(c.rgb[0][1]), green);
    QCOMPARE(int(c.rgb[0][2]), 0);
  }

  void sevenColumnsArePts() {
    // PTS: the point count on its own line, then x y z intensity r g b.
    const PointCloud c = read_text("2\n1 2 3 -100 10 20 30\n4 5 6 200 40 50 60\n");
    QCOMPARE(c.size(), std::size_t{2});
    QCOMPARE(c.intensity, (std::vector<float>{-100.0f, 200.0f}));
    QCOMPARE(int(c.rgb[1][2]), 60);
    QCOMPARE(c.stored_fields,
             (std::vector<std::string>{"x", "y", "z", "intensity", "r", "g", "b"}));
  }

  void otherCountsAreNamedColumns() {
    const PointCloud c = read_text("1 2 3 4 5\n6 7 8 9 10\n");
    QCOMPARE(c.field("col3")->values, (std::vector<double>{4, 9}));
    QCOMPARE(c.field("col4")->values, (std::vector<double>{5, 10}));
    QCOMPARE(c.stored_fields, (std::vector<std::string>{"x", "y", "z", "col3", "col4"}));
  }

  void headerNamesColumns() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("h.csv").toStdString();
    test::write_text(path, "X,Y,Z,Intensity,nx,ny,nz,label\r\n"
                           "1,2,3,0.5,0,0,1,7\r\n"
                           "4,5,6,0.25,1,0,0,9\r\n");
    const PointCloud c = read_xyz(path);
    QCOMPARE(c.size(), std::size_t{2});
    QCOMPARE(c.xyz[1][1], 5.0);
    QCOMPARE(c.intensity, (std::vector<float>{0.5f, 0.25f}));
    QCOMPARE(c.normals[0][2], 1.0f);
    QCOMPARE(c.normals[1][0], 1.0f);
    QCOMPARE(c.field("label")->values, (std::vector<double>{7, 9}));
    QCOMPARE(c.stored_fields,
             (std::vector<std::string>{"X", "Y", "Z", "Intensity", "nx", "ny", "nz", "label"}));
    const FileInfo info = inspect_xyz(path);
    QCOMPARE(info.points.value(), std::uint64_t{2});
    QCOMPARE(info.fields, c.stored_fields);
    QCOMPARE(std::get<double>(*info.find_extra("bounds_max_x")), 4.0);
  }

  void rejectsMalformed_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");
    QTest::newRow("ragged row") << "1 2 3\n# note\n4 5\n"
                                << "bad.xyz: line 3 has 2 columns, expected 3";
    QTest::newRow("ragged csv row") << "x,y,z\n1,2,3\n1,2,3,4\n"
                                    << "bad.xyz: line 3 has 4 columns, expected 3";
    QTest::newRow("not a number") << "1 2 3\n4 5 six\n"
                                  << "bad.xyz: line 2: 'six' is not a number";
    QTest::newRow("too few columns") << "1 2\n"
                                     << "bad.xyz: line 1 has 2 columns; at least x, y "
                                        "and z are needed";
    QTest::newRow("header without z") << "x y intensity\n1 2 3\n"
                                      << "bad.xyz: no x, y and z fields";
    QTest::newRow("empty") << "# nothing\n"
                           << "bad.xyz: no points";
  }
  void rejectsMalformed() {
    QFETCH(QString, text);
    QFETCH(QString, error);
    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.xyz").toStdString();
    test::write_text(path, text.toStdString());
    ATELIER_VERIFY_THROWS(read_xyz(path), FormatError, qPrintable(error));
  }
};

QTEST_APPLESS_MAIN(TestXyz)
#include "test_xyz.moc"

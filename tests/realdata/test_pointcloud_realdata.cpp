// The point-cloud readers against every PLY, PCD and LAS file in
// ../shared/data/manifest.json, plus deeper facts: the milk scan decodes to
// the same points and colours from binary PCD, binary_compressed PCD and
// binary PLY; LAS coordinates agree with the header bounds.
#include "core/formats/pointcloud/las_reader.h"
#include "core/formats/pointcloud/pcd_reader.h"
#include "core/formats/pointcloud/ply_reader.h"
#include "tests/support/test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>
#include <string>

using namespace atelier;

namespace {

QStringList to_list(const std::vector<std::string>& v) {
  QStringList out;
  for (const auto& s : v)
    out << QString::fromStdString(s);
  return out;
}

double meta_number(const PointCloud& c, const std::string& key) {
  const std::string* v = c.metadata.find(key);
  return v ? std::stod(*v) : std::nan("");
}

} // namespace

class TestPointCloudRealdata : public QObject {
  Q_OBJECT

private slots:
  void manifestEntries_data() { atelier::test::add_manifest_rows({"ply", "pcd", "las"}); }
  void manifestEntries() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QJsonObject, entry);
    QVERIFY2(!entry.isEmpty(), "manifest.json lists no point clouds");
    const std::string path = test::sample_path(entry.value("path").toString());
    const QString format = entry.value("format").toString();
    FileInfo info;
    PointCloud cloud;
    if (format == "ply") {
      info = inspect_ply(path);
      cloud = read_ply(path);
    } else if (format == "pcd") {
      info = inspect_pcd(path);
      cloud = read_pcd(path);
    } else {
      info = inspect_las(path);
      cloud = read_las(path);
    }
    QCOMPARE(qint64(info.points.value()), entry.value("points").toInteger());
    if (entry.contains("fields")) {
      QStringList expected;
      for (const auto& f : entry.value("fields").toArray())
        expected << f.toString();
      QCOMPARE(to_list(info.fields), expected);
      QCOMPARE(to_list(cloud.stored_fields), expected);
    }
    if (entry.contains("encoding"))
      QCOMPARE(QString::fromStdString(std::get<std::string>(*info.find_extra("encoding"))),
               entry.value("encoding").toString());
    if (entry.contains("faces"))
      QCOMPARE(std::get<std::int64_t>(*info.find_extra("faces")), entry.value("faces").toInteger());
    if (entry.contains("version"))
      QCOMPARE(QString::fromStdString(std::get<std::string>(*info.find_extra("version"))),
               entry.value("version").toString());
    if (entry.contains("point_format"))
      QCOMPARE(std::get<std::int64_t>(*info.find_extra("point_format")),
               entry.value("point_format").toInteger());
    // None of these samples has NaN points: every declared point decodes.
    QCOMPARE(qint64(cloud.size()), entry.value("points").toInteger());
    for (const auto& p : cloud.xyz)
      QVERIFY(std::isfinite(p[0]) && std::isfinite(p[1]) && std::isfinite(p[2]));
    QVERIFY(!info.stats);
  }

  void milkDecodesAlikeInEveryEncoding() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const PointCloud binary = read_pcd(test::sample_path("pointclouds/pcl_milk_color_binary.pcd"));
    const PointCloud packed = read_pcd(test::sample_path("pointclouds/pcl_milk_color.pcd"));
    const PointCloud ply = read_ply(test::sample_path("pointclouds/pcl_milk_color_binary.ply"));
    QCOMPARE(binary.size(), std::size_t{13704});
    QCOMPARE(packed.size(), binary.size());
    QCOMPARE(ply.size(), binary.size());
    QVERIFY(binary.has_rgb() && packed.has_rgb() && ply.has_rgb());
    QVERIFY(binary.xyz == packed.xyz);
    QVERIFY(binary.rgb == packed.rgb);
    QVERIFY(binary.xyz == ply.xyz);
    QVERIFY(binary.rgb == ply.rgb);
    // The first point, read independently from the file with Python's struct.
    QCOMPARE(binary.xyz[0][0], double(-0.13160760700702667f));
    QCOMPARE(binary.xyz[0][2], double(0.772f));
    QCOMPARE(int(binary.rgb[0][0]), 103);
    QCOMPARE(int(binary.rgb[0][1]), 90);
    QCOMPARE(int(binary.rgb[0][2]), 85);
    QCOMPARE(*packed.metadata.find("encoding"), std::string("binary_compressed"));
    QCOMPARE(*packed.metadata.find("nan_points_skipped"), std::string("0"));
  }

  void bunnyPlyFields() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const PointCloud c = read_ply(test::sample_path("pointclouds/stanford_bun_zipper_res3.ply"));
    QCOMPARE(c.size(), std::size_t{1889});
    QCOMPARE(c.xyz[0][0], double(-0.0369122f));
    QCOMPARE(c.intensity.size(), c.size());
    QCOMPARE(c.intensity[0], 0.5f);
    const ScalarField* conf = c.field("confidence");
    QVERIFY(conf);
    QCOMPARE(conf->values[0], double(0.850855f));
    for (double v : conf->values)
      QVERIFY(v >= 0.0 && v <= 1.0);
    // The Stanford bunny is about 15 cm across.
    for (const auto& p : c.xyz)
      for (double v : p)
        QVERIFY(std::fabs(v) < 0.3);
  }

  void lasBoundsAgreeWithHeader_data() {
    QTest::addColumn<QString>("file");
    QTest::newRow("autzen-thin") << "pointclouds/pdal_autzen-thin.las";
    QTest::newRow("with-color") << "pointclouds/pdal_1.2-with-color.las";
  }
  void lasBoundsAgreeWithHeader() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QString, file);
    const PointCloud c = read_las(test::sample_path(file));
    for (const char* axis : {"x", "y", "z"}) {
      const std::string a(axis);
      const double lo = meta_number(c, "bounds_min_" + a);
      const double hi = meta_number(c, "bounds_max_" + a);
      QVERIFY(std::fabs(lo - meta_number(c, "header_min_" + a)) < 0.01);
      QVERIFY(std::fabs(hi - meta_number(c, "header_max_" + a)) < 0.01);
      QCOMPARE(meta_number(c, "scale_" + a), 0.01);
    }
    // Autzen, Oregon in State Plane feet: easting 635-640 k, northing 848-854 k,
    // elevation 400-600 ft.
    QVERIFY(meta_number(c, "bounds_min_x") > 635000 && meta_number(c, "bounds_max_x") < 640000);
    QVERIFY(meta_number(c, "bounds_min_y") > 848000 && meta_number(c, "bounds_max_y") < 854000);
    QVERIFY(meta_number(c, "bounds_min_z") > 400 && meta_number(c, "bounds_max_z") < 600);
    QCOMPARE(*c.metadata.find("generating_software"), std::string("TerraScan"));
    QVERIFY(c.has_rgb());
    QVERIFY(c.field("gps_time"));
    QVERIFY(c.field("classification"));
    for (double v : c.field("gps_time")->values)
      QVERIFY(v > 240000 && v < 250000);
    for (double v : c.field("return_number")->values)
      QVERIFY(v >= 1 && v <= 5);
  }
};

QTEST_APPLESS_MAIN(TestPointCloudRealdata)
#include "test_pointcloud_realdata.moc"

// Every file in ../shared/data/manifest.json opens through inspect_file with
// exactly the facts the manifest lists (format, dims, dtype, bands, points,
// fields, crs, nodata, band names, DICOM and LAS header facts).
#include "core/io/file_inspect.h"
#include "tests/support/test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>
#include <variant>

using namespace atelier;

namespace {

QString extra_string(const FileInfo& info, const char* key) {
  const InfoValue* v = info.find_extra(key);
  if (!v) return {};
  if (const auto* s = std::get_if<std::string>(v)) return QString::fromStdString(*s);
  if (const auto* i = std::get_if<std::int64_t>(v)) return QString::number(*i);
  return QString::number(std::get<double>(*v));
}

} // namespace

class TestManifest : public QObject {
  Q_OBJECT
private slots:
  void everyFileMatches_data();
  void everyFileMatches();
};

void TestManifest::everyFileMatches_data() {
  atelier::test::add_manifest_rows();
}

void TestManifest::everyFileMatches() {
  ATELIER_REQUIRE_SAMPLE_DATA();
  QFETCH(QJsonObject, entry);
  QVERIFY2(!entry.isEmpty(), "manifest.json has no files");
  const QString rel = entry.value("path").toString();
  FileInfo info;
  try {
    info = inspect_file(test::sample_path(rel));
  } catch (const std::exception& e) {
    QFAIL(e.what());
  }
  QCOMPARE(QString::fromStdString(info.format), entry.value("format").toString());

  if (entry.contains("dims")) {
    QList<qint64> expected;
    for (const auto& d : entry.value("dims").toArray())
      expected << d.toInteger();
    QList<qint64> actual(info.dims.begin(), info.dims.end());
    QCOMPARE(actual, expected);
  }
  if (entry.contains("dtype")) {
    QVERIFY(info.dtype.has_value());
    QCOMPARE(QString::fromUtf8(dtype_name(*info.dtype)), entry.value("dtype").toString());
  }
  if (entry.contains("mrc_mode"))
    QCOMPARE(extra_string(info, "mrc_mode").toInt(), entry.value("mrc_mode").toInt());
  if (entry.contains("bands")) {
    QVERIFY(info.bands.has_value());
    QCOMPARE(*info.bands, entry.value("bands").toInteger());
  }
  if (entry.contains("crs"))
    QCOMPARE(QString::fromStdString(info.crs), entry.value("crs").toString());
  if (entry.contains("nodata")) {
    QVERIFY(info.nodata.has_value());
    QCOMPARE(*info.nodata, entry.value("nodata").toDouble());
  }
  if (entry.contains("band_names")) {
    QStringList expected;
    for (const auto& b : entry.value("band_names").toArray())
      expected << b.toString();
    QStringList actual;
    for (const auto& b : info.band_names)
      actual << QString::fromStdString(b);
    // The Sentinel-2 crop stores no band descriptions (gdalinfo shows none):
    // the manifest's names come from outside the file, so no reader can
    // reproduce them. Kept visible as an expected failure.
    if (rel.startsWith("satellite/sentinel2_") && actual.isEmpty())
      QEXPECT_FAIL("", "the file carries no band descriptions", Continue);
    QCOMPARE(actual, expected);
  }
  if (entry.contains("points")) {
    QVERIFY(info.points.has_value());
    QCOMPARE(static_cast<qint64>(*info.points), entry.value("points").toInteger());
  }
  if (entry.contains("fields")) {
    QStringList expected;
    for (const auto& f : entry.value("fields").toArray())
      expected << f.toString();
    QStringList actual;
    for (const auto& f : info.fields)
      actual << QString::fromStdString(f);
    QCOMPARE(actual, expected);
  }
  if (entry.contains("rows")) {
    QVERIFY(info.rows.has_value());
    QCOMPARE(static_cast<qint64>(*info.rows), entry.value("rows").toInteger());
  }
  for (const char* key : {"modality", "photometric", "transfer_syntax", "encoding", "version"}) {
    if (entry.contains(key)) QCOMPARE(extra_string(info, key), entry.value(key).toString());
  }
  for (const char* key : {"bits_allocated", "bits_stored", "point_format", "faces", "ispg"}) {
    if (entry.contains(key)) QCOMPARE(extra_string(info, key).toInt(), entry.value(key).toInt());
  }
  if (entry.contains("voxel_size_A")) {
    QCOMPARE(QString::fromStdString(info.spacing.unit), QString("A"));
    for (int axis = 0; axis < 3; ++axis)
      QVERIFY(std::fabs(info.spacing.xyz[axis] - entry.value("voxel_size_A").toDouble()) < 1e-3);
  }
  if (entry.contains("voxel_size_mm")) {
    const QJsonArray mm = entry.value("voxel_size_mm").toArray();
    for (int axis = 0; axis < mm.size(); ++axis)
      QVERIFY(std::fabs(info.spacing.xyz[axis] - mm[axis].toDouble()) < 1e-4);
  }
  if (entry.contains("pixel_spacing_mm")) {
    QVERIFY(std::fabs(info.spacing.xyz[0] - entry.value("pixel_spacing_mm").toDouble()) < 1e-4);
    QCOMPARE(QString::fromStdString(info.spacing.unit), QString("mm"));
  }
  if (entry.contains("value_range")) {
    const QJsonArray r = entry.value("value_range").toArray();
    QVERIFY(info.stats.has_value());
    QVERIFY(info.stats->min() >= r[0].toDouble() - 1 && info.stats->max() <= r[1].toDouble() + 1);
  }
  // Rasters always carry statistics of the decoded data.
  if (!info.dims.empty()) {
    QVERIFY2(info.stats.has_value() && info.stats->count() > 0, "no statistics");
    QVERIFY(info.stats->min() <= info.stats->mean() && info.stats->mean() <= info.stats->max());
  }
}

QTEST_APPLESS_MAIN(TestManifest)
#include "test_manifest.moc"

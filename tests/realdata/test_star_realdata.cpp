// The STAR files of ../shared/data/manifest.json: rows, star_style, pixel
// sizes, and every rlnImageName reference landing on an image that exists in
// a stack beside the STAR file. Stack depths come from the MRC header bytes
// 8..11 read here, so this test does not depend on the MRC reader.
#include "core/base/byte_order.h"
#include "core/base/error.h"
#include "core/formats/star/star_reader.h"
#include "core/formats/star/star_writer.h"
#include "tests/support/test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <map>
#include <string>

using namespace atelier;

namespace {

QJsonObject manifest_entry(const QString& path) {
  QFile f(QString::fromStdString(test::sample_path("manifest.json")));
  if (!f.open(QIODevice::ReadOnly)) return {};
  const QJsonArray files = QJsonDocument::fromJson(f.readAll()).object()["files"].toArray();
  for (const auto& v : files)
    if (v.toObject()["path"].toString() == path) return v.toObject();
  return {};
}

// nz of an MRC file: int32 at byte 8, little-endian unless the machine stamp
// (bytes 212..213) says big-endian.
std::int64_t mrc_nz(const std::string& path) {
  const std::vector<std::uint8_t> bytes = test::read_file(path);
  if (bytes.size() < 1024) return -1;
  const Endian order = bytes[212] == 0x11 ? Endian::big : Endian::little;
  return load_as<std::int32_t>(bytes.data() + 8, order);
}

} // namespace

class TestStarRealdata : public QObject {
  Q_OBJECT

private slots:
  void testManifestFiles_data() {
    QTest::addColumn<QString>("path");
    QTest::addColumn<qlonglong>("rows");
    QTest::addColumn<qlonglong>("columns");
    QTest::addColumn<QString>("blocks");
    QTest::addColumn<double>("pixel_size");
    QTest::newRow("relion 3.0") << "cryoem/empiar_10076_7.star" << 7LL << 10LL << "data_"
                                << 5.0 * 10000.0 / 38168.0;
    QTest::newRow("relion 3.1") << "cryoem/relion31.star" << 5LL << 26LL
                                << "data_optics,data_particles" << 2.806;
    QTest::newRow("tilt images") << "cryoem/sta_testing_bin8.star" << 219LL << 20LL << "data_"
                                 << 1.96;
  }
  void testManifestFiles() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QString, path);
    QFETCH(qlonglong, rows);
    QFETCH(qlonglong, columns);
    QFETCH(QString, blocks);
    QFETCH(double, pixel_size);
    const QJsonObject entry = manifest_entry(path);
    QVERIFY2(!entry.isEmpty(), qPrintable(path + " is not in the manifest"));
    QCOMPARE(entry["format"].toString(), QString("star"));
    if (entry.contains("rows")) QCOMPARE(qlonglong(entry["rows"].toInteger()), rows);
    const std::string file = test::sample_path(path);
    const FileInfo info = inspect_star(file);
    QCOMPARE(info.rows, std::optional<std::uint64_t>(std::uint64_t(rows)));
    // The manifest writes "relion3.0", "relion3.1 with data_optics" and, for a
    // file it did not classify, "relion": ours must begin with its value.
    const auto style =
        QString::fromStdString(std::get<std::string>(*info.find_extra("star_style")));
    const QString expected_style = entry["star_style"].toString();
    QVERIFY(!expected_style.isEmpty());
    if (expected_style == "relion")
      QVERIFY2(style.startsWith(expected_style), qPrintable(style));
    else
      QCOMPARE(style, expected_style);
    QCOMPARE(QString::fromStdString(std::get<std::string>(*info.find_extra("blocks"))), blocks);
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("columns")), std::int64_t(columns));
    QVERIFY(info.spacing.known());
    QVERIFY(std::abs(info.spacing.xyz[0] - pixel_size) < 1e-9);
    QCOMPARE(info.spacing.unit, std::string("A"));
    QVERIFY(info.spacing.source == PixelSizeSource::star_file);
    QVERIFY(info.dims.empty());
  }

  void testPixelSizeMatchesStackEntry() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    // The manifest's relion31.mrcs entry names its STAR file and pixel size.
    const QJsonObject stack = manifest_entry("cryoem/relion31.mrcs");
    QCOMPARE(stack["star"].toString(), QString("cryoem/relion31.star"));
    const double expected = stack["pixel_size_A_from_star"].toDouble();
    QCOMPARE(expected, 2.806);
    const StarFile f = read_star(test::sample_path("cryoem/relion31.star"));
    QCOMPARE(f.version, std::string("30001"));
    QCOMPARE(f.optics()->rows(), std::size_t(1));
    QCOMPARE(f.optics()->value(0, "rlnOpticsGroupName"), std::string("opticsGroup1"));
    QCOMPARE(f.optics()->get_int(0, "rlnImageSize"), std::int64_t(256));
    QCOMPARE(f.optics()->get_double(0, "rlnVoltage"), 300.0);
    for (std::size_t r = 0; r < f.main_table().rows(); ++r) {
      QCOMPARE(f.optics_for_row(r), std::optional<std::size_t>(0));
      QCOMPARE(f.pixel_size_A(r), std::optional<double>(expected));
    }
    // Deeper values from the rows.
    const StarTable& p = f.main_table();
    QCOMPARE(p.get_double(0, "rlnCoordinateX"), 3277.0);
    QCOMPARE(p.get_double(2, "rlnDefocusU"), 12730.825404);
    QCOMPARE(p.get_int(4, "rlnNrOfSignificantSamples"), std::int64_t(59));
    QCOMPARE(p.get_double(3, "rlnLogLikeliContribution"), 2.574574e+05);
  }

  void testImageReferencesResolve_data() {
    QTest::addColumn<QString>("star");
    QTest::addColumn<QString>("stack");
    QTest::addColumn<qlonglong>("nz");
    QTest::newRow("relion 3.0") << "cryoem/empiar_10076_7.star"
                                << "cryoem/empiar_10076_7.mrc" << 7LL;
    QTest::newRow("relion 3.1") << "cryoem/relion31.star"
                                << "cryoem/relion31.mrcs" << 5LL;
    QTest::newRow("tilt images") << "cryoem/sta_testing_bin8.star"
                                 << "cryoem/ay19102021_L3_position6_ribo_it09_bin8_1.82A.mrcs"
                                 << 220LL;
  }
  void testImageReferencesResolve() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QString, star);
    QFETCH(QString, stack);
    QFETCH(qlonglong, nz);
    // The manifest ties the stack to this STAR file and states its depth.
    const QJsonObject entry = manifest_entry(stack);
    QCOMPARE(entry["star"].toString(), star);
    QCOMPARE(qlonglong(entry["dims"].toArray()[2].toInteger()), nz);

    const std::string star_path = test::sample_path(star);
    const StarFile f = read_star(star_path);
    const StarTable& t = f.main_table();
    std::map<std::string, std::int64_t> depth; // resolved path -> nz
    std::vector<std::int64_t> seen;
    for (std::size_t r = 0; r < t.rows(); ++r) {
      const ImageRef ref = t.get_image_ref(r, "rlnImageName");
      QVERIFY(ref.index >= 1);
      const std::string resolved = resolve_relative(star_path, ref.path);
      auto it = depth.find(resolved);
      if (it == depth.end()) {
        QVERIFY2(QFile::exists(QString::fromStdString(resolved)), resolved.c_str());
        it = depth.emplace(resolved, mrc_nz(resolved)).first;
      }
      QVERIFY2(ref.index <= it->second,
               qPrintable(
                   QString("row %1: index %2 > nz %3").arg(r + 1).arg(ref.index).arg(it->second)));
      seen.push_back(ref.index);
    }
    // Every reference points at the stack the manifest names.
    QCOMPARE(depth.size(), std::size_t(1));
    QCOMPARE(depth.begin()->first, test::sample_path(stack));
    QCOMPARE(depth.begin()->second, std::int64_t(nz));
    QCOMPARE(seen.front(), std::int64_t(1));
  }

  void testRoundTrip_data() {
    QTest::addColumn<QString>("star");
    QTest::newRow("relion 3.0") << "cryoem/empiar_10076_7.star";
    QTest::newRow("relion 3.1") << "cryoem/relion31.star";
    QTest::newRow("tilt images") << "cryoem/sta_testing_bin8.star";
  }
  void testRoundTrip() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QString, star);
    const StarFile original = read_star(test::sample_path(star));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string a = dir.filePath("a.star").toStdString();
    const std::string b = dir.filePath("b.star").toStdString();
    write_star(a, original);
    const StarFile back = read_star(a);
    QCOMPARE(back, original);
    write_star(b, back);
    QCOMPARE(test::read_file(a), test::read_file(b));
  }
};

QTEST_APPLESS_MAIN(TestStarRealdata)
#include "test_star_realdata.moc"

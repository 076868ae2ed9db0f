// TIFF reader against ../shared/data: every manifest entry of format tiff
// (ImageJ cryo-EM stacks, ISBI EM volume and labels), plus the GeoTIFFs read
// as plain TIFF, with calibration and value facts beyond the manifest.
#include "core/formats/tiff/tiff_reader.h"
#include "tests/support/test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>

using namespace atelier;

namespace {

std::vector<std::int64_t> dims_of(const QJsonObject& e) {
  std::vector<std::int64_t> d;
  for (const auto& v : e.value("dims").toArray())
    d.push_back(v.toInteger());
  return d;
}

} // namespace

class TestTiffRealdata : public QObject {
  Q_OBJECT

private slots:
  void manifestEntries_data() { atelier::test::add_manifest_rows({"tiff", "geotiff"}); }

  void manifestEntries() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QJsonObject, entry);
    const std::string file = test::sample_path(entry.value("path").toString());
    const FileInfo info = inspect_tiff(file);
    QCOMPARE(info.dims, dims_of(entry));
    QCOMPARE(QString::fromUtf8(dtype_name(*info.dtype)), entry.value("dtype").toString());
    if (entry.contains("bands"))
      QCOMPARE(*info.bands, entry.value("bands").toInteger());
    else
      QVERIFY(!info.bands);
    const std::int64_t pages = info.dims.size() == 3 ? info.dims[2] : 1;
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("pages")), pages);
    QCOMPARE(tiff_page_count(file), int(pages));
    QCOMPARE(info.stats->count(),
             std::uint64_t(info.dims[0] * info.dims[1] * pages * info.bands.value_or(1)));
    QVERIFY(info.stats->min() <= info.stats->mean());
    QVERIFY(info.stats->mean() <= info.stats->max());
    QVERIFY(info.stats->max() > info.stats->min());
  }

  void cryoEmStacksCarryImageJCalibration_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("pages");
    QTest::newRow("13pf") << "cryoem/cylindra_13pf_MT.tif" << 36;
    QTest::newRow("14pf") << "cryoem/cylindra_14pf_MT.tif" << 44;
  }

  void cryoEmStacksCarryImageJCalibration() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QString, file);
    QFETCH(int, pages);
    const Volume v = read_tiff_stack(test::sample_path(file));
    QCOMPARE(v.nz(), std::int64_t{pages});
    QCOMPARE(v.dtype(), DType::u8);
    // ImageJ=... unit=nm spacing=1.052, XResolution 1/1.052 pixels per nm.
    QCOMPARE(v.spacing.unit, std::string("nm"));
    QVERIFY(std::abs(v.spacing.xyz[0] - 1.052) < 1e-6);
    QVERIFY(std::abs(v.spacing.xyz[1] - 1.052) < 1e-6);
    QCOMPARE(v.spacing.xyz[2], 1.052);
    QCOMPARE(*v.metadata.find("compression"), std::string("none"));
    // The stack equals its pages read one by one.
    const Image last = read_tiff_page(test::sample_path(file), pages - 1);
    const std::size_t page_bytes = last.byte_size();
    QVERIFY(std::memcmp(v.bytes() + (pages - 1) * page_bytes, last.bytes(), page_bytes) == 0);
  }

  void isbiLabelsAreBinary() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const std::string labels = test::sample_path("volumes/isbi2012_train_labels_slices0-11.tif");
    const Volume v = read_tiff_stack(labels);
    QCOMPARE(v.nx(), std::int64_t{512});
    QCOMPARE(v.nz(), std::int64_t{12});
    std::size_t membrane = 0, cell = 0;
    for (const std::uint8_t x : v.values<std::uint8_t>()) {
      membrane += x == 0;
      cell += x == 255;
    }
    QCOMPARE(membrane + cell, v.voxel_count()); // 0 = membrane, 255 = cell, nothing else
    QVERIFY(membrane > v.voxel_count() / 10);
    QVERIFY(cell > v.voxel_count() / 2);
    const FileInfo info = inspect_tiff(labels);
    QCOMPARE(std::get<std::string>(*info.find_extra("compression")), std::string("lzw"));
    QCOMPARE(info.stats->min(), 0.0);
    QCOMPARE(info.stats->max(), 255.0);
    QVERIFY(!info.spacing.known());

    const FileInfo volume =
        inspect_tiff(test::sample_path("volumes/isbi2012_train_volume_slices0-11.tif"));
    QCOMPARE(std::get<std::string>(*volume.find_extra("compression")), std::string("none"));
    QVERIFY(volume.stats->max() - volume.stats->min() > 150); // EM contrast spans most of 8 bits
  }

  void geotiffLayouts() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const FileInfo rio = inspect_tiff(test::sample_path("satellite/riocolor_rgb16.tif"));
    QCOMPARE(std::get<std::int64_t>(*rio.find_extra("tiled")), std::int64_t{1});
    QCOMPARE(std::get<std::string>(*rio.find_extra("compression")), std::string("lzw"));
    QCOMPARE(rio.stats->min(), 6127.0); // as gdalinfo -stats
    QCOMPARE(rio.stats->max(), 36082.0);
    const FileInfo s2 = inspect_tiff(
        test::sample_path("satellite/sentinel2_T18SVG_20160112_20m_B05-B12_512x512.tif"));
    QCOMPARE(std::get<std::string>(*s2.find_extra("compression")), std::string("deflate"));
    QCOMPARE(s2.stats->min(), 19.0);
    QCOMPARE(s2.stats->max(), 7200.0);
    const FileInfo rgb = inspect_tiff(test::sample_path("satellite/rasterio_RGB.byte.tif"));
    QCOMPARE(std::get<std::string>(*rgb.find_extra("photometric")), std::string("rgb"));
    QCOMPARE(std::get<std::int64_t>(*rgb.find_extra("tiled")), std::int64_t{0});
  }
};

QTEST_APPLESS_MAIN(TestTiffRealdata)
#include "test_tiff_realdata.moc"

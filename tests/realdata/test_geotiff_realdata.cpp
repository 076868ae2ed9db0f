// GeoTIFF reader against ../shared/data: every manifest entry of format
// geotiff (dims, type, bands, CRS, nodata) plus pixel sizes, geotransforms and
// statistics checked against gdalinfo's.
#include "core/formats/geotiff/geotiff_reader.h"
#include "tests/support/test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>

using namespace atelier;

namespace {

bool near(double a, double b, double tol) {
  return std::abs(a - b) <= tol;
}

} // namespace

class TestGeoTiffRealdata : public QObject {
  Q_OBJECT

private slots:
  void manifestEntries_data() { atelier::test::add_manifest_rows({"geotiff"}); }

  void manifestEntries() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QJsonObject, entry);
    const std::string file = test::sample_path(entry.value("path").toString());
    const FileInfo info = inspect_geotiff(file);
    std::vector<std::int64_t> dims;
    for (const auto& v : entry.value("dims").toArray())
      dims.push_back(v.toInteger());
    QCOMPARE(info.dims, dims);
    QCOMPARE(QString::fromUtf8(dtype_name(*info.dtype)), entry.value("dtype").toString());
    QCOMPARE(*info.bands, entry.value("bands").toInteger());
    QCOMPARE(QString::fromStdString(info.crs), entry.value("crs").toString());
    if (entry.contains("nodata"))
      QCOMPARE(*info.nodata, entry.value("nodata").toDouble());
    else
      QVERIFY(!info.nodata);
    if (entry.contains("band_names")) {
      // The Sentinel-2 file stores no band descriptions (no GDAL_METADATA tag;
      // gdalinfo shows none): the manifest's names come from its file name.
      // The reader reports what the file holds.
      QVERIFY(info.band_names.empty());
    }
    QCOMPARE(info.spacing.unit, std::string("m"));
    QCOMPARE(info.spacing.source, PixelSizeSource::header);
  }

  void pixelSizesAndStatistics() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const GeoRaster landsat = read_geotiff(test::sample_path("satellite/rasterio_RGB.byte.tif"));
    QVERIFY(near(landsat.image.spacing.xyz[0], 300.037926675094809, 1e-9));
    QVERIFY(near(landsat.image.spacing.xyz[1], 300.041782729804993, 1e-9));
    QCOMPARE(landsat.geotransform[5], -300.041782729804993);
    QCOMPARE(landsat.nodata, (std::vector<std::optional<double>>(3, 0.0)));
    QVERIFY(landsat.crs_wkt.find("UTM zone 18N") != std::string::npos);

    const FileInfo landsat_info =
        inspect_geotiff(test::sample_path("satellite/rasterio_RGB.byte.tif"));
    // nodata 0 pixels are left out: what remains starts above 0.
    QVERIFY(landsat_info.stats->min() >= 1.0);
    QVERIFY(landsat_info.stats->count() < std::uint64_t{791} * 718 * 3);
    QCOMPARE(landsat_info.stats->max(), 255.0);

    const FileInfo rio = inspect_geotiff(test::sample_path("satellite/riocolor_rgb16.tif"));
    QCOMPARE(rio.spacing.xyz[0], 60.0);
    QCOMPARE(rio.stats->min(), 6127.0); // gdalinfo -stats: band minima 6127, 6927, 8190
    QCOMPARE(rio.stats->max(), 36082.0);
    QCOMPARE(std::get<std::string>(*rio.find_extra("compression")), std::string("lzw"));

    const GeoRaster s2 = read_geotiff(
        test::sample_path("satellite/sentinel2_T18SVG_20160112_20m_B05-B12_512x512.tif"));
    QCOMPARE(s2.geotransform, (std::array<double, 6>{435720, 20, 0, 4179460, 0, -20}));
    QCOMPARE(s2.image.channels(), std::int64_t{6});
    // Band 4 (B8A) maximum from gdalinfo -stats: 7200; band 6 minimum 19.
    std::uint16_t b4_max = 0, b6_min = 65535;
    const auto v = s2.image.values<std::uint16_t>();
    for (std::size_t i = 0; i < s2.image.pixel_count(); ++i) {
      b4_max = std::max(b4_max, v[i * 6 + 3]);
      b6_min = std::min(b6_min, v[i * 6 + 5]);
    }
    QCOMPARE(int(b4_max), 7200);
    QCOMPARE(int(b6_min), 19);
  }
};

QTEST_APPLESS_MAIN(TestGeoTiffRealdata)
#include "test_geotiff_realdata.moc"

// The plugins' metrics through a real import of the satellite and X-ray
// samples: every GeoTIFF gets nodata_fraction (and the RGB ones a cloud
// fraction), every projection radiograph its exposure and border metrics.
#include "core/import/importer.h"
#include "core/project/project.h"
#include "plugins/builtin_plugins.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

using namespace atelier;

class TestPluginsRealdata : public QObject {
  Q_OBJECT

private slots:
  void importSatelliteAndXray() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    plugins::register_builtin_plugins(metrics::default_metric_registry());
    QTemporaryDir tmp;
    project::Project p = project::Project::create(tmp.filePath("p.atelier").toStdString());
    const std::string root = test::sample_data_dir().toStdString();
    const auto s = import::import_paths(p, {root + "/satellite", root + "/xray"}, {}, {}, nullptr);
    QCOMPARE(s.errors, std::size_t{0});

    QCOMPARE(p.count_items("format = geotiff and nodata_fraction >= 0"), std::int64_t{3});
    // rasterio's RGB.byte.tif declares nodata 0 around its rotated footprint.
    const auto rgb = p.query_items("path ~ \"RGB.byte\"");
    QCOMPARE(rgb.size(), std::size_t{1});
    const auto m = p.item_metrics(rgb[0].id);
    qInfo("RGB.byte: nodata %.3f, cloud %.4f", m.at("nodata_fraction"), m.at("cloud_fraction"));
    QVERIFY(m.at("nodata_fraction") > 0.1 && m.at("nodata_fraction") < 0.6);
    QVERIFY(m.at("cloud_fraction") >= 0 && m.at("cloud_fraction") < 0.5);
    // Six Sentinel-2 bands: no RGB, so no cloud estimate.
    QCOMPARE(p.count_items("path ~ sentinel2 and cloud_fraction >= 0"), std::int64_t{0});

    // The DICOM projection radiographs (CR/DX).
    const auto xrays = p.query_items("format = dicom", {}, -1);
    QCOMPARE(xrays.size(), std::size_t{5});
    for (const auto& x : xrays) {
      const auto xm = p.item_metrics(x.id);
      qInfo("%s: bits %g/%g, body %.2f, border %.3f, contrast %.3f", x.rel_path.c_str(),
            xm.count("bits_used") ? xm.at("bits_used") : -1.0,
            xm.count("bits_stored") ? xm.at("bits_stored") : -1.0,
            xm.count("body_fraction") ? xm.at("body_fraction") : -1.0,
            xm.count("border_fraction") ? xm.at("border_fraction") : -1.0,
            xm.count("windowed_contrast") ? xm.at("windowed_contrast") : -1.0);
      QVERIFY2(xm.count("body_fraction") && xm.count("border_fraction"), x.rel_path.c_str());
      QVERIFY(xm.at("body_fraction") > 0.05 && xm.at("body_fraction") < 0.95);
      if (xm.count("bits_stored")) QVERIFY(xm.at("bits_used") <= xm.at("bits_stored"));
    }
  }
};

QTEST_GUILESS_MAIN(TestPluginsRealdata)
#include "test_plugins_realdata.moc"

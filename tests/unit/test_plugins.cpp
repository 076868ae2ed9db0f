// The plugin API (registration, version refusal) and the remote-sensing and
// radiography metrics on synthetic images with known answers.
#include "core/base/error.h"
#include "core/metrics/metric_registry.h"
#include "core/plugin/plugin_api.h"
#include "plugins/builtin_plugins.h"
#include "plugins/radiography/radiography_metrics.h"
#include "plugins/remote_sensing/remote_sensing_metrics.h"

#include <QTest>

#include <cmath>

using namespace atelier;

namespace {

double metric(const std::vector<metrics::Metric>& m, const char* name) {
  const auto v = metrics::find_metric(m, name);
  if (!v) qFatal("no metric %s", name);
  return *v;
}

// 100 x 50 RGB u8: a 20 x 10 white cloud, a 10 x 50 nodata strip (all 0),
// the rest dark green.
Image rgb_scene() {
  Image img(100, 50, 3, DType::u8);
  auto v = img.values<std::uint8_t>();
  for (int y = 0; y < 50; ++y)
    for (int x = 0; x < 100; ++x) {
      std::uint8_t px[3] = {30, 90, 40};
      if (x >= 50 && x < 70 && y >= 20 && y < 30) px[0] = px[1] = px[2] = 240;
      if (x < 10) px[0] = px[1] = px[2] = 0;
      for (int c = 0; c < 3; ++c)
        v[static_cast<std::size_t>((y * 100 + x) * 3 + c)] = px[c];
    }
  return img;
}

// 200 x 100 u16 radiograph: a 10-pixel collimator band on the left and the
// top (constant 4000), open field 100, a body rectangle 60 x 40 at 1000 +
// a ramp (its contrast).
Image radiograph() {
  Image img(200, 100, 1, DType::u16);
  auto v = img.values<std::uint16_t>();
  for (int y = 0; y < 100; ++y)
    for (int x = 0; x < 200; ++x) {
      std::uint16_t value = 100;
      if (x >= 70 && x < 130 && y >= 40 && y < 80)
        value = static_cast<std::uint16_t>(1000 + 5 * (x - 70));
      if (x < 10 || y < 10) value = 4000;
      v[static_cast<std::size_t>(y * 200 + x)] = value;
    }
  return img;
}

} // namespace

class TestPlugins : public QObject {
  Q_OBJECT

private slots:
  void registrationAndVersions() {
    metrics::MetricRegistry registry;
    plugins::register_builtin_plugins(registry);
    QVERIFY(registry.providers().size() >= 2);
    metrics::ItemInfo geo{"geotiff", metrics::ItemKind::geo, 0.0, {{"nodata", "0"}}};
    QCOMPARE(registry.providers_for(geo).size(), std::size_t{1});
    const auto results = registry.compute(rgb_scene(), geo);
    QCOMPARE(results.at(0).provider, std::string("remote_sensing"));
    QVERIFY(metrics::find_metric(results.at(0).metrics, "cloud_fraction"));

    plugin::Plugin future{"future", plugin::kPluginApiVersion + 1, "", [](auto&) {}};
    plugin::PluginContext context{registry};
    try {
      plugin::register_plugins({future}, context);
      QFAIL("a plugin for another API version was accepted");
    } catch (const Error& e) {
      QVERIFY(std::string(e.what()).find("plugin future was built for plugin API") !=
              std::string::npos);
    }
    QVERIFY_THROWS_EXCEPTION(Error, plugin::register_plugins({{"", 1, "", {}}}, context));
  }

  void remoteSensingFractions() {
    const Image img = rgb_scene();
    QCOMPARE(plugins::nodata_fraction(img, 0.0), 0.1);
    QCOMPARE(plugins::nodata_fraction(img, std::nullopt), 0.0);
    // 200 cloud pixels among 4500 valid ones.
    QCOMPARE(*plugins::cloud_fraction(img, 0.0), 200.0 / 4500.0);
    QCOMPARE(*plugins::cloud_fraction(img, std::nullopt), 200.0 / 5000.0);
    Image six(8, 8, 6, DType::u16);
    QVERIFY(!plugins::cloud_fraction(six, std::nullopt)); // bands unknown: not estimated
    // NaN pixels are nodata whatever the declared value.
    Image f(2, 1, 3, DType::f32);
    auto v = f.values<float>();
    v[0] = std::nanf("");
    QCOMPARE(plugins::nodata_fraction(f, std::nullopt), 0.5);
  }

  void radiographyMetrics() {
    const auto m = plugins::radiography_metrics(radiograph(), {12, false});
    QCOMPARE(metric(m, "bits_stored"), 12.0);
    QCOMPARE(metric(m, "bits_used"), 12.0); // 100 .. 4000
    // Left band 10 x 100 and top band 190 x 10: 2900 of 20000 pixels.
    QCOMPARE(metric(m, "border_fraction"), 2900.0 / 20000.0);
    QCOMPARE(metric(m, "body_fraction"), 2400.0 / 20000.0);
    QVERIFY(std::abs(metric(m, "body_mean") - (1000 + 5 * 29.5)) < 1e-9);
    QVERIFY(metric(m, "body_std") > 80 && metric(m, "body_std") < 90); // 5 * 60 / sqrt(12)
    const double c = metric(m, "windowed_contrast");
    QVERIFY2(c > 0.25 && c < 0.32, qPrintable(QString::number(c))); // ~1/sqrt(12) of a ramp

    // MONOCHROME1: the same picture stored inverted gives the same body.
    Image inv = radiograph();
    for (auto& v : inv.values<std::uint16_t>())
      v = static_cast<std::uint16_t>(4095 - v);
    const auto mi = plugins::radiography_metrics(inv, {12, true});
    QCOMPARE(metric(mi, "body_fraction"), 2400.0 / 20000.0);
    QCOMPARE(metric(mi, "border_fraction"), 2900.0 / 20000.0);

    // A flat image: everything is border, nothing breaks.
    Image flat(16, 16, 1, DType::u8);
    const auto mf = plugins::radiography_metrics(flat, {});
    QCOMPARE(metric(mf, "bits_used"), 0.0);
    QCOMPARE(metric(mf, "border_fraction"), 1.0);
  }
};

QTEST_APPLESS_MAIN(TestPlugins)
#include "test_plugins.moc"

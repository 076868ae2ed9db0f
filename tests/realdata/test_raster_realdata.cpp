// The PNG reader against every PNG/JPEG file in ../shared/data/manifest.json.
#include "core/base/error.h"
#include "core/formats/raster/raster_reader.h"
#include "tests/support/test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace atelier;

class TestRasterRealdata : public QObject {
  Q_OBJECT

private slots:
  void testManifest_data() { atelier::test::add_manifest_rows({"png", "jpeg"}); }

  void testManifest() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QJsonObject, entry);
    const std::string path = atelier::test::sample_path(entry["path"].toString());
    const FileInfo info = inspect_raster(path);
    const QJsonArray dims = entry["dims"].toArray();
    QCOMPARE(info.dims, (std::vector<std::int64_t>{dims[0].toInteger(), dims[1].toInteger()}));
    QCOMPARE(QString::fromUtf8(dtype_name(*info.dtype).data()), entry["dtype"].toString());
    QCOMPARE(info.bands.value_or(1), entry.contains("bands") ? entry["bands"].toInteger() : 1);

    const auto bytes = atelier::test::read_file(path);
    const RasterHeader h = probe_raster_header(path, bytes.data(), bytes.size());
    QCOMPARE(h.width, dims[0].toInteger());
    QCOMPARE(h.height, dims[1].toInteger());

    // Chest radiographs: a full 8-bit range of grey, neither flat nor clipped.
    QCOMPARE(info.stats->count(),
             std::uint64_t(info.dims[0] * info.dims[1] * info.bands.value_or(1)));
    QVERIFY(info.stats->max() <= 255 && info.stats->max() > 200);
    QVERIFY(info.stats->min() < 30);
    QVERIFY(info.stats->std() > 20);
    QVERIFY(info.stats->mean() > 50 && info.stats->mean() < 200);
  }
};

QTEST_APPLESS_MAIN(TestRasterRealdata)
#include "test_raster_realdata.moc"

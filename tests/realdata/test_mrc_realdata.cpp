// The MRC reader against every MRC file in ../shared/data/manifest.json:
// dims, dtype, mode, value ranges, voxel sizes, and statistics compared with
// an independent double-precision pass over read_volume().
#include "core/base/error.h"
#include "core/formats/mrc/mrc_file.h"
#include "core/formats/mrc/mrc_reader.h"
#include "tests/support/test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <cmath>

using namespace atelier;

class TestMrcRealdata : public QObject {
  Q_OBJECT

private slots:
  void testManifest_data() { atelier::test::add_manifest_rows({"mrc"}); }
  void testManifest() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QJsonObject, entry);
    const std::string path = atelier::test::sample_path(entry["path"].toString());
    const MrcFile file(path);
    const QJsonArray dims = entry["dims"].toArray();
    QCOMPARE(file.width(), dims[0].toInteger());
    QCOMPARE(file.height(), dims[1].toInteger());
    QCOMPARE(file.frame_count(), dims[2].toInteger());
    QCOMPARE(file.mode(), entry["mrc_mode"].toInt());
    QCOMPARE(QString::fromUtf8(dtype_name(file.dtype()).data()), entry["dtype"].toString());
    if (entry.contains("ispg")) QCOMPARE(file.header().ispg, entry["ispg"].toInt());

    if (entry.contains("voxel_size_A")) {
      const double want = entry["voxel_size_A"].toDouble();
      QVERIFY(file.spacing().known());
      QCOMPARE(file.spacing().unit, std::string("A"));
      for (double s : file.spacing().xyz)
        QVERIFY2(std::abs(s - want) < 1e-4, qPrintable(QString::number(s)));
    }
    if (entry["note"].toString().contains("cella is 0")) {
      QCOMPARE(file.header().cella[0], 0.0f);
      QVERIFY(!file.spacing().known());
      QCOMPARE(file.spacing().source, PixelSizeSource::none);
    }

    // Independent pass in double over the whole volume.
    const Volume v = file.read_volume();
    QCOMPARE(v.dtype(), DType::f32); // every MRC in the manifest is mode 2
    const auto values = v.values<float>();
    QCOMPARE(values.size(), std::size_t(file.width() * file.height() * file.frame_count()));
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    for (float x : values) {
      QVERIFY(std::isfinite(x));
      sum += x;
      lo = std::min(lo, double(x));
      hi = std::max(hi, double(x));
    }
    const double mean = sum / double(values.size());
    double ss = 0;
    for (float x : values)
      ss += (x - mean) * (x - mean);
    const double stddev = std::sqrt(ss / double(values.size()));
    QVERIFY(stddev > 0); // real data, not a blank file

    if (entry.contains("value_range")) {
      const QJsonArray r = entry["value_range"].toArray();
      QVERIFY2(lo >= r[0].toDouble() - 1, qPrintable(QString::number(lo)));
      QVERIFY2(hi <= r[1].toDouble() + 1, qPrintable(QString::number(hi)));
    }

    const FileInfo info = inspect_mrc(path);
    QCOMPARE(info.dims,
             (std::vector<std::int64_t>{file.width(), file.height(), file.frame_count()}));
    QCOMPARE(*info.dtype, DType::f32);
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("mrc_mode")), 2);
    QVERIFY(info.stats.has_value());
    QCOMPARE(info.stats->count(), std::uint64_t(values.size()));
    QCOMPARE(info.stats->min(), lo);
    QCOMPARE(info.stats->max(), hi);
    const double scale = std::max(1.0, std::abs(mean) + stddev);
    QVERIFY2(std::abs(info.stats->mean() - mean) < 1e-9 * scale,
             qPrintable(QString("%1 vs %2").arg(info.stats->mean()).arg(mean)));
    QVERIFY2(std::abs(info.stats->std() - stddev) < 1e-7 * stddev,
             qPrintable(QString("%1 vs %2").arg(info.stats->std()).arg(stddev)));

    // Frame-by-frame reads give the same bytes as the whole volume.
    const std::int64_t last = file.frame_count() - 1;
    const Image f = file.read_frame(last);
    QCOMPARE(std::memcmp(f.bytes(), v.bytes() + std::size_t(last) * f.byte_size(), f.byte_size()),
             0);
  }

  // Deeper facts of particular files, read from their headers with other tools.
  void testHeaderFacts() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    // Machine stamp 00 00 44 44: not a stamp our first byte recognises, so the
    // order is taken from the dimensions.
    const MrcFile odd_stamp(
        atelier::test::sample_path("cryoem/leginon_08mar13e_00010gr_00004sq_v02.mrc"));
    QCOMPARE(odd_stamp.header().byte_order, Endian::little);
    QCOMPARE(odd_stamp.spacing().xyz[0], 1.0); // cella 512 over mx 512
    // No "MAP " and no stamp at all (a RELION 3.1 particle stack).
    const MrcFile relion(atelier::test::sample_path("cryoem/relion31.mrcs"));
    QCOMPARE(relion.header().byte_order, Endian::little);
    QCOMPARE(relion.frame_count(), 5);
    // EMD-3197: 228 Å cell over 20 samples, origin and labels from EMDB.
    const MrcFile emd(atelier::test::sample_path("cryoem/EMD-3197.map"));
    QCOMPARE(emd.header().cella[0], 228.0f);
    QCOMPARE(emd.header().m[0], 20);
    QCOMPARE(emd.spacing().source, PixelSizeSource::header);
    const MrcFile aspire(atelier::test::sample_path("cryoem/aspire_EMD-2660_ribosome_65px.mrc"));
    QCOMPARE(aspire.header().nversion(), 20140);
  }
};

QTEST_APPLESS_MAIN(TestMrcRealdata)
#include "test_mrc_realdata.moc"

// GeoTIFF reader tests: a hand-written AAIGrid/VRT source turned into GeoTIFF
// variants by gdal_translate (types, interleave, codecs, tiles, nodata, CRS),
// each read back value for value; corrupt files must give one-line errors.
#include "core/base/error.h"
#include "core/formats/geotiff/geotiff_reader.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace atelier;

namespace {

constexpr int kW = 7;
constexpr int kH = 5;
constexpr int kBands = 3;
constexpr double kNodata = 250;

// Band b at column x, row y (row 0 at the top, as AAIGrid lists rows).
int value(int b, int x, int y) {
  if (b == 0 && (x + y) % 5 == 0) return static_cast<int>(kNodata);
  return (b * 61 + x * 13 + y * 29) % 250;
}

std::string asc(int band, int offset) {
  std::string s = "ncols " + std::to_string(kW) + "\nnrows " + std::to_string(kH) +
                  "\nxllcorner 500000\nyllcorner 4100000\ncellsize 30\n";
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x)
      s += std::to_string(value(band, x, y) + offset) + " ";
    s += "\n";
  }
  return s;
}

const char* kBandNames[] = {"red", "nir", "swir"};

std::string vrt(const QString& dir) {
  std::string s = "<VRTDataset rasterXSize=\"7\" rasterYSize=\"5\">\n"
                  "  <SRS>EPSG:32618</SRS>\n"
                  "  <GeoTransform>500000, 30, 0, 4100150, 0, -30</GeoTransform>\n";
  for (int b = 0; b < kBands; ++b) {
    s += "  <VRTRasterBand dataType=\"Int32\" band=\"" + std::to_string(b + 1) + "\">\n";
    s += "    <Description>" + std::string(kBandNames[b]) + "</Description>\n";
    s += "    <NoDataValue>250</NoDataValue>\n";
    s += "    <SimpleSource><SourceFilename>" +
         (dir + "/band" + QString::number(b) + ".asc").toStdString() +
         "</SourceFilename><SourceBand>1</SourceBand></SimpleSource>\n";
    s += "  </VRTRasterBand>\n";
  }
  return s + "</VRTDataset>\n";
}

template <typename T>
void check_values(const Image& im, int offset = 0) {
  const auto v = im.values<T>();
  QCOMPARE(v.size(), std::size_t{kW * kH} * static_cast<std::size_t>(im.channels()));
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      for (int b = 0; b < im.channels(); ++b) {
        const auto got = v[(static_cast<std::size_t>(y) * kW + x) * im.channels() + b];
        if (got != static_cast<T>(value(b, x, y) + offset))
          QFAIL(qPrintable(QString("band %1 x %2 y %3: %4").arg(b).arg(x).arg(y).arg(double(got))));
      }
}

} // namespace

class TestGeoTiff : public QObject {
  Q_OBJECT

private:
  QTemporaryDir dir_;
  std::string path(const QString& name) { return dir_.filePath(name).toStdString(); }

  // gdal_translate SOURCE OUT args...; returns OUT.
  std::string translate(const QString& source, const QString& out, const QStringList& args) {
    QString log;
    const int rc = test::run_program(
        "gdal_translate",
        QStringList{"-q"} + args + QStringList{dir_.filePath(source), dir_.filePath(out)}, &log);
    if (rc != 0) qWarning("gdal_translate failed: %s", qPrintable(log));
    return rc == 0 ? path(out) : std::string();
  }

private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    for (int b = 0; b < kBands; ++b)
      test::write_text(path(QString("band%1.asc").arg(b)), asc(b, 0));
    test::write_text(path("signed.asc"), asc(1, -120));
    test::write_text(path("source.vrt"), vrt(dir_.path()));
  }

  void variants_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("dtype");
    QTest::addColumn<QString>("compression");
    QTest::addColumn<QString>("interleave");
    auto d = [](DType t) { return static_cast<int>(t); };
    QTest::newRow("uint16 plain") << QStringList{"-ot", "UInt16"} << d(DType::u16) << "none"
                                  << "pixel";
    QTest::newRow("byte band-interleaved")
        << QStringList{"-ot", "Byte", "-co", "INTERLEAVE=BAND"} << d(DType::u8) << "none"
        << "band";
    QTest::newRow("int16 zstd") << QStringList{"-ot", "Int16", "-co", "COMPRESS=ZSTD"}
                                << d(DType::i16) << "zstd"
                                << "pixel";
    QTest::newRow("uint16 lzw predictor")
        << QStringList{"-ot", "UInt16", "-co", "COMPRESS=LZW", "-co", "PREDICTOR=2"}
        << d(DType::u16) << "lzw"
        << "pixel";
    QTest::newRow("uint32 deflate tiled")
        << QStringList{"-ot", "UInt32",        "-co", "COMPRESS=DEFLATE", "-co", "TILED=YES",
                       "-co", "BLOCKXSIZE=16", "-co", "BLOCKYSIZE=16"}
        << d(DType::u32) << "deflate"
        << "pixel";
    QTest::newRow("int32 tiled band")
        << QStringList{"-ot", "Int32", "-co", "TILED=YES", "-co", "INTERLEAVE=BAND"}
        << d(DType::i32) << "none"
        << "band";
    QTest::newRow("float32 lzw fp predictor")
        << QStringList{"-ot", "Float32", "-co", "COMPRESS=LZW", "-co", "PREDICTOR=3"}
        << d(DType::f32) << "lzw"
        << "pixel";
    QTest::newRow("float64") << QStringList{"-ot", "Float64"} << d(DType::f64) << "none"
                             << "pixel";
  }

  void variants() {
    ATELIER_REQUIRE_PROGRAM("gdal_translate");
    QFETCH(QStringList, args);
    QFETCH(int, dtype);
    QFETCH(QString, compression);
    QFETCH(QString, interleave);
    const std::string file = translate("source.vrt", "variant.tif", args);
    QVERIFY(!file.empty());

    const GeoRaster r = read_geotiff(file);
    QCOMPARE(r.image.width(), std::int64_t{kW});
    QCOMPARE(r.image.height(), std::int64_t{kH});
    QCOMPARE(r.image.channels(), std::int64_t{kBands});
    QCOMPARE(r.image.dtype(), static_cast<DType>(dtype));
    switch (r.image.dtype()) {
    case DType::u8: check_values<std::uint8_t>(r.image); break;
    case DType::u16: check_values<std::uint16_t>(r.image); break;
    case DType::i16: check_values<std::int16_t>(r.image); break;
    case DType::u32: check_values<std::uint32_t>(r.image); break;
    case DType::i32: check_values<std::int32_t>(r.image); break;
    case DType::f32: check_values<float>(r.image); break;
    case DType::f64: check_values<double>(r.image); break;
    default: QFAIL("unexpected type");
    }
    QCOMPARE(r.geotransform, (std::array<double, 6>{500000, 30, 0, 4100150, 0, -30}));
    QVERIFY(r.has_geotransform);
    QCOMPARE(r.crs, std::string("EPSG:32618"));
    QVERIFY(r.crs_wkt.find("WGS 84 / UTM zone 18N") != std::string::npos);
    QCOMPARE(r.band_names, (std::vector<std::string>{"red", "nir", "swir"}));
    QCOMPARE(r.nodata.size(), std::size_t{3});
    for (const auto& nd : r.nodata)
      QCOMPARE(nd, std::optional<double>(kNodata));
    QCOMPARE(r.image.spacing.xyz[0], 30.0);
    QCOMPARE(r.image.spacing.xyz[1], 30.0);
    QCOMPARE(r.image.spacing.unit, std::string("m"));

    const FileInfo info = inspect_geotiff(file);
    QCOMPARE(info.dims, (std::vector<std::int64_t>{kW, kH}));
    QCOMPARE(*info.dtype, static_cast<DType>(dtype));
    QCOMPARE(*info.bands, std::int64_t{kBands});
    QCOMPARE(info.band_names, r.band_names);
    QCOMPARE(*info.nodata, kNodata);
    QCOMPARE(info.crs, std::string("EPSG:32618"));
    QCOMPARE(info.spacing.xyz[0], 30.0);
    QCOMPARE(std::get<std::string>(*info.find_extra("compression")), compression.toStdString());
    QCOMPARE(std::get<std::string>(*info.find_extra("interleave")), interleave.toStdString());
    // Statistics leave the nodata pixels (value 250, band 1 only) out.
    RunningStats expect;
    for (int b = 0; b < kBands; ++b)
      for (int y = 0; y < kH; ++y)
        for (int x = 0; x < kW; ++x)
          if (value(b, x, y) != kNodata) expect.add_value(value(b, x, y));
    QCOMPARE(info.stats->count(), expect.count());
    QVERIFY(info.stats->count() < std::uint64_t{kW * kH * kBands});
    QCOMPARE(info.stats->min(), expect.min());
    QCOMPARE(info.stats->max(), expect.max());
    QVERIFY(std::abs(info.stats->mean() - expect.mean()) < 1e-9);
  }

  void signedWithoutCrs() {
    ATELIER_REQUIRE_PROGRAM("gdal_translate");
    const std::string file = translate("signed.asc", "signed.tif", {"-ot", "Int16"});
    QVERIFY(!file.empty());
    const GeoRaster r = read_geotiff(file);
    QCOMPARE(r.image.dtype(), DType::i16);
    QCOMPARE(r.image.channels(), std::int64_t{1});
    const auto v = r.image.values<std::int16_t>();
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x)
        QCOMPARE(int(v[static_cast<std::size_t>(y) * kW + x]), value(1, x, y) - 120);
    QVERIFY(r.crs.empty());
    QVERIFY(r.crs_wkt.empty());
    QVERIFY(r.has_geotransform);
    QCOMPARE(r.geotransform, (std::array<double, 6>{500000, 30, 0, 4100150, 0, -30}));
    QVERIFY(!r.image.spacing.known()); // no CRS, so no unit to state a size in
    QVERIFY(r.band_names.empty());
    QCOMPARE(r.nodata, (std::vector<std::optional<double>>{std::nullopt}));

    const FileInfo info = inspect_geotiff(file);
    QCOMPARE(info.dims, (std::vector<std::int64_t>{kW, kH}));
    QVERIFY(!info.bands);
    QVERIFY(!info.nodata);
    QVERIFY(info.band_names.empty());
    int lowest = 1000;
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x)
        lowest = std::min(lowest, value(1, x, y) - 120);
    QCOMPARE(info.stats->min(), double(lowest));
    QVERIFY(lowest < 0);
    QCOMPARE(info.stats->count(), std::uint64_t{kW * kH});
  }

  void geographicCrsAndAssignedNodata() {
    ATELIER_REQUIRE_PROGRAM("gdal_translate");
    // (x * y) % 7: zeros along the first row and column.
    std::string text = "ncols 7\nnrows 5\nxllcorner 0\nyllcorner 0\ncellsize 1\n";
    for (int y = 0; y < kH; ++y) {
      for (int x = 0; x < kW; ++x)
        text += std::to_string((x * y) % 7) + " ";
      text += "\n";
    }
    test::write_text(path("zeros.asc"), text);
    const std::string file = translate("zeros.asc", "geo.tif",
                                       {"-ot", "Byte", "-a_srs", "EPSG:4326", "-a_ullr", "10", "50",
                                        "10.7", "49.75", "-a_nodata", "0"});
    QVERIFY(!file.empty());
    const GeoRaster r = read_geotiff(file);
    QCOMPARE(r.crs, std::string("EPSG:4326"));
    QCOMPARE(r.image.spacing.unit, std::string("deg"));
    QVERIFY(std::abs(r.image.spacing.xyz[0] - 0.1) < 1e-12);
    QVERIFY(std::abs(r.image.spacing.xyz[1] - 0.05) < 1e-12);
    QCOMPARE(r.nodata, (std::vector<std::optional<double>>{0.0}));
    int zeros = 0;
    for (int y = 0; y < kH; ++y)
      for (int x = 0; x < kW; ++x)
        zeros += (x * y) % 7 == 0;
    QCOMPARE(zeros, 11);
    const FileInfo info = inspect_geotiff(file);
    QCOMPARE(*info.nodata, 0.0);
    QCOMPARE(info.stats->count(), std::uint64_t(kW * kH - zeros));
    QVERIFY(info.stats->min() > 0);
  }

  void corruptFiles_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    QTest::newRow("text") << QByteArray("this is not a raster at all\n")
                          << "GDAL cannot open it as a GeoTIFF";
    QTest::newRow("garbage after magic") << QByteArray("II*\0", 4) + QByteArray(200, '\x7f')
                                         << "GDAL cannot open it as a GeoTIFF (GDAL: ";
    QByteArray bad_ifd("II*\0\x00\x00\x10\x00", 8);
    bad_ifd += QByteArray(100, '\0');
    QTest::newRow("bad IFD offset") << bad_ifd << "GDAL cannot open it as a GeoTIFF (GDAL: ";
  }

  void corruptFiles() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    const std::string file = path("corrupt.tif");
    test::write_file(file, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    const std::string err = atelier::test::capture_stderr([&] {
      ATELIER_VERIFY_THROWS(read_geotiff(file), FormatError, qPrintable(reason));
      ATELIER_VERIFY_THROWS(inspect_geotiff(file), FormatError, (file + ": ").c_str());
    });
    QCOMPARE(QString::fromStdString(err), QString());
  }

  void truncatedFile() {
    ATELIER_REQUIRE_PROGRAM("gdal_translate");
    // A bigger raster so the cut lands inside the pixel data, after the header.
    std::string big = "ncols 300\nnrows 200\nxllcorner 0\nyllcorner 0\ncellsize 1\n";
    for (int y = 0; y < 200; ++y) {
      for (int x = 0; x < 300; ++x)
        big += std::to_string((x * 7 + y * 3) % 1000) + " ";
      big += "\n";
    }
    test::write_text(path("big.asc"), big);
    const std::string file = translate("big.asc", "big.tif", {"-ot", "UInt16"});
    QVERIFY(!file.empty());
    auto bytes = test::read_file(file);
    QVERIFY(bytes.size() > 120000);
    bytes.resize(bytes.size() / 2);
    const std::string cut = path("cut.tif");
    test::write_file(cut, bytes);
    const std::string err = atelier::test::capture_stderr([&] {
      ATELIER_VERIFY_THROWS(read_geotiff(cut), FormatError,
                            (cut + ": cannot read the pixels (GDAL: ").c_str());
    });
    QCOMPARE(QString::fromStdString(err), QString());
  }

  void otherFormatsAreRefused() {
    // GDAL reads AAIGrid, but this reader only lets the GTiff driver open files.
    ATELIER_VERIFY_THROWS(read_geotiff(path("band0.asc")), FormatError,
                          "GDAL cannot open it as a GeoTIFF");
    ATELIER_VERIFY_THROWS(read_geotiff(path("absent.tif")), FormatError, "absent.tif: ");
  }
};

QTEST_APPLESS_MAIN(TestGeoTiff)
#include "test_geotiff.moc"

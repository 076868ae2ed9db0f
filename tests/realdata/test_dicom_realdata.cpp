// The DICOM reader against every DICOM file in ../shared/data/manifest.json,
// plus value checks against DCMTK's independent decoder (dcmdjpeg).
#include "core/base/error.h"
#include "core/formats/dicom/dicom_reader.h"
#include "tests/support/test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>

using namespace atelier;

namespace {

std::string extra_string(const FileInfo& info, const std::string& key) {
  const InfoValue* v = info.find_extra(key);
  return v && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : std::string();
}
std::int64_t extra_int(const FileInfo& info, const std::string& key) {
  const InfoValue* v = info.find_extra(key);
  return v && std::holds_alternative<std::int64_t>(*v) ? std::get<std::int64_t>(*v) : -1;
}

} // namespace

class TestDicomRealdata : public QObject {
  Q_OBJECT

private slots:
  void testManifest_data() { atelier::test::add_manifest_rows({"dicom"}); }

  void testManifest() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QJsonObject, entry);
    const std::string path = atelier::test::sample_path(entry["path"].toString());
    const FileInfo info = inspect_dicom(path);
    const QJsonArray dims = entry["dims"].toArray();
    QCOMPARE(info.dims.size(), std::size_t(dims.size()));
    for (qsizetype i = 0; i < dims.size(); ++i)
      QCOMPARE(info.dims[i], dims[i].toInteger());
    const int bits = entry["bits_allocated"].toInt();
    QCOMPARE(extra_int(info, "bits_allocated"), std::int64_t{bits});
    QCOMPARE(*info.dtype, bits == 8 ? DType::u8 : DType::u16);
    const int stored = entry.contains("bits_stored") ? entry["bits_stored"].toInt() : bits;
    QCOMPARE(extra_int(info, "bits_stored"), std::int64_t{stored});
    QCOMPARE(QString::fromStdString(extra_string(info, "photometric")),
             entry["photometric"].toString());
    QCOMPARE(QString::fromStdString(extra_string(info, "modality")), entry["modality"].toString());
    QCOMPARE(QString::fromStdString(extra_string(info, "transfer_syntax")),
             entry["transfer_syntax"].toString());
    if (entry.contains("pixel_spacing_mm")) {
      const double want = entry["pixel_spacing_mm"].toDouble();
      QCOMPARE(info.spacing.unit, std::string("mm"));
      QVERIFY(std::abs(info.spacing.xyz[0] - want) < 1e-9);
      QVERIFY(std::abs(info.spacing.xyz[1] - want) < 1e-9);
    }
    // Stored values fit in BitsStored and are not constant.
    QCOMPARE(info.stats->count(), std::uint64_t(info.dims[0] * info.dims[1]));
    QVERIFY(info.stats->min() >= 0);
    QVERIFY(info.stats->max() < std::ldexp(1.0, stored));
    QVERIFY(info.stats->max() > info.stats->min());
    QVERIFY(info.stats->std() > 0);

    const DicomImage d = read_dicom(path);
    QCOMPARE(d.invert_for_display, entry["photometric"].toString() == "MONOCHROME1");
  }

  // JPEG Lossless decoded by DCMTK must equal our decode bit for bit.
  void lossless_matches_dcmtk() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    ATELIER_REQUIRE_PROGRAM("dcmdjpeg");
    QTemporaryDir dir;
    const std::string src = atelier::test::sample_path("xray/fodicom_CR-ModalitySequenceLUT.dcm");
    const QString raw = dir.filePath("raw.dcm");
    QCOMPARE(atelier::test::run_program("dcmdjpeg", {QString::fromStdString(src), raw}), 0);
    const DicomImage a = read_dicom(src);
    const DicomImage b = read_dicom(raw.toStdString());
    QCOMPARE(b.transfer_syntax, std::string("Explicit VR Little Endian"));
    QCOMPARE(a.image.byte_size(), b.image.byte_size());
    QVERIFY(std::memcmp(a.image.bytes(), b.image.bytes(), a.image.byte_size()) == 0);
    QCOMPARE(a.image.spacing.xyz[0], 0.15);
    QVERIFY(a.has_rescale);
    QCOMPARE(a.rescale_slope, 1.0);
    QVERIFY(a.image.values<std::uint16_t>()[0] < 1024);
  }

  // The derived uncompressed copy holds the same picture as the JPEG one.
  void baseline_close_to_uncompressed() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const DicomImage j =
        read_dicom(atelier::test::sample_path("xray/siim_cr_chest_850819_jpegbaseline.dcm"));
    const DicomImage u =
        read_dicom(atelier::test::sample_path("xray/siim_cr_chest_850819_uncompressed.dcm"));
    const auto a = j.image.values<std::uint8_t>();
    const auto b = u.image.values<std::uint8_t>();
    QCOMPARE(a.size(), b.size());
    double sum = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
      sum += std::abs(int(a[i]) - int(b[i]));
    QVERIFY2(sum / double(a.size()) < 1.0, qPrintable(QString::number(sum / double(a.size()))));
  }

  void window_and_spacing_details() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const DicomImage dx = read_dicom(atelier::test::sample_path("xray/highdicom_dx_image.dcm"));
    QCOMPARE(dx.window_center.value_or(0), 128.0);
    QCOMPARE(dx.window_width.value_or(0), 256.0);
    QCOMPARE(dx.image.spacing.xyz[1], 1.2);
    QVERIFY(std::abs(dx.image.spacing.xyz[0] - 1.2012) < 1e-6);
    QVERIFY(dx.invert_for_display);
    const DicomImage j2k =
        read_dicom(atelier::test::sample_path("xray/nema_RG1_J2KI_cr_chest.dcm"));
    QCOMPARE(j2k.window_center.value_or(0), 15000.0);
    QCOMPARE(j2k.window_width.value_or(0), 30000.0);
    QVERIFY(!j2k.image.spacing.known()); // PixelSpacing is 0.000\0.000
    QVERIFY(!j2k.has_rescale);
  }
};

QTEST_APPLESS_MAIN(TestDicomRealdata)
#include "test_dicom_realdata.moc"

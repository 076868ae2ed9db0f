// The NIfTI reader against every NIfTI file in ../shared/data/manifest.json,
// with the voxels compared to an independent decode (zlib's gzread and
// hand-swapped bytes at vox_offset).
#include "core/base/byte_order.h"
#include "core/base/error.h"
#include "core/formats/nifti/nifti_reader.h"
#include "tests/support/test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace atelier;

namespace {

std::vector<std::uint8_t> whole_file(const std::string& path) {
  if (!path.ends_with(".gz")) return atelier::test::read_file(path);
  gzFile f = gzopen(path.c_str(), "rb");
  std::vector<std::uint8_t> out;
  std::uint8_t buf[65536];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0)
    out.insert(out.end(), buf, buf + n);
  gzclose(f);
  return out;
}

} // namespace

class TestNiftiRealdata : public QObject {
  Q_OBJECT

private slots:
  void testManifest_data() { atelier::test::add_manifest_rows({"nifti"}); }

  void testManifest() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QFETCH(QJsonObject, entry);
    const std::string path = atelier::test::sample_path(entry["path"].toString());
    const FileInfo info = inspect_nifti(path);
    const QJsonArray dims = entry["dims"].toArray();
    QCOMPARE(info.dims.size(), std::size_t(dims.size()));
    for (qsizetype i = 0; i < dims.size(); ++i)
      QCOMPARE(info.dims[i], dims[i].toInteger());
    QCOMPARE(QString::fromUtf8(dtype_name(*info.dtype).data()), entry["dtype"].toString());
    if (entry.contains("voxel_size_mm")) {
      const QJsonArray vs = entry["voxel_size_mm"].toArray();
      QCOMPARE(info.spacing.unit, std::string("mm"));
      for (int i = 0; i < 3; ++i)
        QVERIFY2(std::abs(info.spacing.xyz[i] - vs[i].toDouble()) < 1e-5,
                 qPrintable(QString::number(info.spacing.xyz[i])));
    }
    const std::string endian =
        entry.contains("endianness") ? entry["endianness"].toString().toStdString() : "little";
    QCOMPARE(std::get<std::string>(*info.find_extra("endianness")), endian);
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("nifti_version")), std::int64_t{1});

    // Independent decode: the raw bytes at vox_offset, swapped by hand.
    const Volume v = read_nifti(path);
    const auto raw = whole_file(path);
    const MemorySource mem("raw", raw);
    const NiftiHeader h = read_nifti_header(mem);
    const std::size_t es = dtype_size(v.dtype());
    QVERIFY(raw.size() >= std::size_t(h.vox_offset) + v.byte_size());
    std::vector<std::uint8_t> expect(raw.begin() + h.vox_offset,
                                     raw.begin() + h.vox_offset + std::ptrdiff_t(v.byte_size()));
    if (endian == "big")
      for (std::size_t i = 0; i < expect.size(); i += es)
        std::reverse(expect.begin() + i, expect.begin() + i + es);
    QVERIFY(std::memcmp(expect.data(), v.bytes(), expect.size()) == 0);

    QCOMPARE(info.stats->count(), std::uint64_t(v.voxel_count()));
    QVERIFY(info.stats->max() > info.stats->min());
    QVERIFY(info.stats->std() > 0);
  }

  void details() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const Volume anat = read_nifti(atelier::test::sample_path("volumes/nibabel_anatomical.nii"));
    QCOMPARE(anat.nt(), std::int64_t{1});
    QCOMPARE(*anat.metadata.find("endianness"), std::string("big"));
    // T1 intensities (values from Python's struct module on the raw bytes):
    // a wrong swap would scatter them over the whole int16 range.
    const auto vals = anat.values<std::int16_t>();
    QCOMPARE(*std::min_element(vals.begin(), vals.end()), std::int16_t{-610});
    QCOMPARE(*std::max_element(vals.begin(), vals.end()), std::int16_t{30393});
    QCOMPARE(std::count_if(vals.begin(), vals.end(), [](std::int16_t x) { return x < 0; }), 26);
    const Volume ex4d = read_nifti(atelier::test::sample_path("volumes/nibabel_example4d.nii.gz"));
    QCOMPARE(ex4d.nt(), std::int64_t{2});
    QCOMPARE(ex4d.nz(), std::int64_t{24});
    const Volume dipy = read_nifti(atelier::test::sample_path("volumes/dipy_S0_10slices.nii.gz"));
    QCOMPARE(dipy.dtype(), DType::u16);
    QCOMPARE(dipy.nt(), std::int64_t{1});
  }
};

QTEST_APPLESS_MAIN(TestNiftiRealdata)
#include "test_nifti_realdata.moc"

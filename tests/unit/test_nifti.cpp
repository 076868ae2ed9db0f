// NIfTI reader tests: NIfTI-1 and NIfTI-2 headers written byte by byte here
// (independent of the reader) in both byte orders, 2D/3D/4D, every supported
// datatype, gzip through zlib's gzwrite, and damaged files.
#include "core/base/error.h"
#include "core/formats/nifti/nifti_reader.h"
#include "core/import/preview_image.h"
#include "core/io/byte_source.h"
#include "core/io/file_inspect.h"
#include "core/spatial/volume_float.h"
#include "core/spatial/volume_load.h"
#include "core/spatial/volume_slice.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

using namespace atelier;
using atelier::test::read_file;
using atelier::test::write_file;

namespace {

struct Spec {
  int version = 1;
  bool big = false;
  std::vector<std::int64_t> dims{5, 4, 3};
  int datatype = 4; // int16
  int bitpix = 16;
  double pixdim[4] = {1.0, 1.5, 2.0, 2.5};
  int xyzt_units = 2;
  double slope = 0.0, inter = 0.0;
  int sform_code = 0, qform_code = 0;
  double quatern[3] = {0, 0, 0};
  double srow[3][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}};
  std::int64_t vox_offset = -1; // -1: right after the header (+4 extension bytes)
  std::string magic;            // empty: "n+1" / "n+2"
  bool override_dim0 = false;
  std::int64_t dim0 = 0;
};

class Writer {
public:
  Writer(std::size_t size, bool big) : b(size, 0), big_(big) {}
  template <typename T>
  void put(std::size_t at, T v) {
    std::uint8_t raw[sizeof(T)];
    std::memcpy(raw, &v, sizeof(T));
    for (std::size_t i = 0; i < sizeof(T); ++i)
      b[at + i] = raw[big_ ? sizeof(T) - 1 - i : i];
  }
  std::vector<std::uint8_t> b;

private:
  bool big_;
};

std::int64_t vox_offset_of(const Spec& s) {
  return s.vox_offset >= 0 ? s.vox_offset : (s.version == 1 ? 352 : 544);
}

// Header + 4 extension bytes (all zero: no extensions) + data. Data values
// are given natively with elem_size bytes each and swapped for big-endian.
std::vector<std::uint8_t> make_nifti(const Spec& s, const std::vector<std::uint8_t>& native,
                                     std::size_t elem_size) {
  const std::int64_t off = vox_offset_of(s);
  const std::size_t hsize = s.version == 1 ? 348 : 540;
  Writer w(static_cast<std::size_t>(std::max<std::int64_t>(off, std::int64_t(hsize))), s.big);
  const std::int64_t dim0 = s.override_dim0 ? s.dim0 : std::int64_t(s.dims.size());
  if (s.version == 1) {
    w.put<std::int32_t>(0, 348);
    w.put<std::int16_t>(40, std::int16_t(dim0));
    for (std::size_t i = 0; i < 7; ++i)
      w.put<std::int16_t>(42 + 2 * i,
                          i < s.dims.size() ? std::int16_t(s.dims[i]) : std::int16_t(1));
    w.put<std::int16_t>(70, std::int16_t(s.datatype));
    w.put<std::int16_t>(72, std::int16_t(s.bitpix));
    for (int i = 0; i < 4; ++i)
      w.put<float>(76 + 4 * i, float(s.pixdim[i]));
    w.put<float>(108, float(off));
    w.put<float>(112, float(s.slope));
    w.put<float>(116, float(s.inter));
    w.b[123] = std::uint8_t(s.xyzt_units);
    w.put<std::int16_t>(254, std::int16_t(s.sform_code));
    w.put<std::int16_t>(252, std::int16_t(s.qform_code));
    for (int i = 0; i < 3; ++i)
      w.put<float>(std::size_t(256 + 4 * i), float(s.quatern[i]));
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c)
        w.put<float>(std::size_t(280 + 16 * r + 4 * c), float(s.srow[r][c]));
    const std::string m = s.magic.empty() ? std::string("n+1\0", 4) : s.magic;
    std::memcpy(w.b.data() + 344, m.data(), 4);
  } else {
    w.put<std::int32_t>(0, 540);
    const std::string m = s.magic.empty() ? std::string("n+2\0\r\n\032\n", 8) : s.magic;
    std::memcpy(w.b.data() + 4, m.data(), 8);
    w.put<std::int16_t>(12, std::int16_t(s.datatype));
    w.put<std::int16_t>(14, std::int16_t(s.bitpix));
    w.put<std::int64_t>(16, dim0);
    for (std::size_t i = 0; i < 7; ++i)
      w.put<std::int64_t>(24 + 8 * i, i < s.dims.size() ? s.dims[i] : 1);
    for (int i = 0; i < 4; ++i)
      w.put<double>(104 + 8 * i, s.pixdim[i]);
    w.put<std::int64_t>(168, off);
    w.put<double>(176, s.slope);
    w.put<double>(184, s.inter);
    w.put<std::int32_t>(500, s.xyzt_units);
    w.put<std::int32_t>(348, s.sform_code);
    w.put<std::int32_t>(344, s.qform_code);
    for (int i = 0; i < 3; ++i)
      w.put<double>(std::size_t(352 + 8 * i), s.quatern[i]);
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c)
        w.put<double>(std::size_t(400 + 32 * r + 8 * c), s.srow[r][c]);
  }
  std::vector<std::uint8_t> out = w.b;
  const std::size_t start = out.size();
  out.insert(out.end(), native.begin(), native.end());
  if (s.big && elem_size > 1)
    for (std::size_t i = start; i + elem_size <= out.size(); i += elem_size)
      std::reverse(out.begin() + std::ptrdiff_t(i), out.begin() + std::ptrdiff_t(i + elem_size));
  return out;
}

template <typename T>
std::vector<std::uint8_t> ramp(std::size_t n, double scale, double offset) {
  std::vector<T> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<T>(double(i) * scale + offset);
  std::vector<std::uint8_t> b(n * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::size_t product(const std::vector<std::int64_t>& d) {
  std::size_t n = 1;
  for (auto x : d)
    n *= std::size_t(x);
  return n;
}

std::string write_gz(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("gzopen failed");
  gzwrite(f, bytes.data(), unsigned(bytes.size()));
  gzclose(f);
  return path;
}

} // namespace

class TestNifti : public QObject {
  Q_OBJECT

private slots:
  void roundtrip_data() {
    QTest::addColumn<int>("version");
    QTest::addColumn<bool>("big");
    QTest::addColumn<QString>("type");
    QTest::addColumn<QList<qint64>>("dims");
    QTest::addColumn<bool>("gz");
    using L = QList<qint64>;
    QTest::newRow("v1 le int16 3D") << 1 << false << "int16" << L{5, 4, 3} << false;
    QTest::newRow("v1 be int16 3D") << 1 << true << "int16" << L{5, 4, 3} << false;
    QTest::newRow("v1 be float64 3D") << 1 << true << "float64" << L{3, 3, 2} << false;
    QTest::newRow("v1 le uint8 2D") << 1 << false << "uint8" << L{7, 6} << false;
    QTest::newRow("v1 le uint32 4D") << 1 << false << "uint32" << L{4, 3, 2, 3} << false;
    QTest::newRow("v1 be uint16 4D gz") << 1 << true << "uint16" << L{4, 3, 2, 3} << true;
    QTest::newRow("v2 le float32 4D") << 2 << false << "float32" << L{4, 3, 2, 2} << false;
    QTest::newRow("v2 be int32 3D") << 2 << true << "int32" << L{5, 4, 3} << false;
    QTest::newRow("v2 le int8 3D gz") << 2 << false << "int8" << L{5, 4, 3} << true;
    QTest::newRow("v2 be int16 4D gz") << 2 << true << "int16" << L{6, 5, 4, 2} << true;
  }

  void roundtrip() {
    QFETCH(int, version);
    QFETCH(bool, big);
    QFETCH(QString, type);
    QFETCH(QList<qint64>, dims);
    QFETCH(bool, gz);
    Spec s;
    s.version = version;
    s.big = big;
    s.dims.assign(dims.begin(), dims.end());
    const std::size_t n = product(s.dims);
    std::vector<std::uint8_t> data;
    std::size_t esize = 0;
    DType dt{};
    if (type == "int16")
      data = ramp<std::int16_t>(n, -7, 300), esize = 2, s.datatype = 4, dt = DType::i16;
    if (type == "uint16")
      data = ramp<std::uint16_t>(n, 1000, 3), esize = 2, s.datatype = 512, dt = DType::u16;
    if (type == "uint8")
      data = ramp<std::uint8_t>(n, 3, 1), esize = 1, s.datatype = 2, dt = DType::u8;
    if (type == "int8")
      data = ramp<std::int8_t>(n, -2, 50), esize = 1, s.datatype = 256, dt = DType::i8;
    if (type == "int32")
      data = ramp<std::int32_t>(n, -100000, 7), esize = 4, s.datatype = 8, dt = DType::i32;
    if (type == "uint32")
      data = ramp<std::uint32_t>(n, 3000000, 1), esize = 4, s.datatype = 768, dt = DType::u32;
    if (type == "float32")
      data = ramp<float>(n, 0.25, -3.5), esize = 4, s.datatype = 16, dt = DType::f32;
    if (type == "float64")
      data = ramp<double>(n, -1.125, 1e6), esize = 8, s.datatype = 64, dt = DType::f64;
    s.bitpix = int(esize * 8);
    const auto file = make_nifti(s, data, esize);
    QCOMPARE(int(file[0] == 0 ? 1 : 0), big ? 1 : 0); // sizeof_hdr stored in the chosen order

    QTemporaryDir dir;
    const std::string path = dir.filePath(gz ? "v.nii.gz" : "v.nii").toStdString();
    if (gz)
      write_gz(path, file);
    else
      write_file(path, file);

    const Volume v = read_nifti(path);
    QCOMPARE(v.dtype(), dt);
    QCOMPARE(v.nx(), s.dims[0]);
    QCOMPARE(v.ny(), s.dims.size() > 1 ? s.dims[1] : 1);
    QCOMPARE(v.nz(), s.dims.size() > 2 ? s.dims[2] : 1);
    QCOMPARE(v.nt(), s.dims.size() > 3 ? s.dims[3] : 1);
    QCOMPARE(v.byte_size(), data.size());
    QVERIFY(std::memcmp(v.bytes(), data.data(), data.size()) == 0); // native order
    QCOMPARE(v.spacing.xyz[0], 1.5);
    QCOMPARE(v.spacing.xyz[1], 2.0);
    QCOMPARE(v.spacing.xyz[2], 2.5);
    QCOMPARE(v.spacing.unit, std::string("mm"));

    const FileInfo info = inspect_nifti(path);
    QCOMPARE(info.dims, s.dims);
    QCOMPARE(*info.dtype, dt);
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("nifti_version")), std::int64_t{version});
    QCOMPARE(std::get<std::string>(*info.find_extra("endianness")),
             std::string(big ? "big" : "little"));
    QVERIFY(!info.find_extra("scl_slope"));
    QCOMPARE(info.stats->count(), std::uint64_t(n));
    if (type == "int16") {
      QCOMPARE(info.stats->max(), 300.0);
      QCOMPARE(info.stats->min(), 300.0 - 7.0 * double(n - 1));
    }
    if (type == "float64") QCOMPARE(info.stats->min(), 1e6 - 1.125 * double(n - 1));
  }

  void units_and_scaling() {
    Spec s;
    s.xyzt_units = 3; // micron
    s.slope = 2.0;
    s.inter = -5.0;
    const auto file = make_nifti(s, ramp<std::int16_t>(60, 1, 0), 2);
    QTemporaryDir dir;
    const std::string path = dir.filePath("u.nii").toStdString();
    write_file(path, file);
    const FileInfo info = inspect_nifti(path);
    QCOMPARE(info.spacing.unit, std::string("um"));
    QCOMPARE(info.spacing.source, PixelSizeSource::header);
    QCOMPARE(std::get<double>(*info.find_extra("scl_slope")), 2.0);
    QCOMPARE(std::get<double>(*info.find_extra("scl_inter")), -5.0);
    // The views show physical values: stored * 2 - 5, in 3D and in slices,
    // and a scaled float32 map is not shown in place (it needs a copy).
    const Volume v = read_nifti(path);
    QCOMPARE(v.value_scale.slope, 2.0);
    QCOMPARE(v.value_scale.offset, -5.0);
    std::vector<float> widened(60);
    const VolumeStats stats = widen_volume_frame(v, 0, widened.data());
    QCOMPARE(widened[7], 9.0f);
    QCOMPARE(stats.min, -5.0);
    QCOMPARE(stats.max, 113.0);
    const Image slice = volume_slice(v, 2, 1); // z = 1: stored 20..39
    QCOMPARE(slice.dtype(), DType::f32);
    QCOMPARE(slice.values<float>()[0], 35.0f);
    const VolumeShape shape = probe_volume(path);
    QVERIFY(shape.scaled);
    QCOMPARE(shape.view_bytes(), std::uint64_t(60 * 2 + 60 * 4));
    s.slope = 0.0; // 0: not scaled, per the standard
    write_file(path, make_nifti(s, ramp<std::int16_t>(60, 1, 0), 2));
    QVERIFY(read_nifti(path).value_scale.identity());
    QVERIFY(!probe_volume(path).scaled);
    QCOMPARE(volume_slice(read_nifti(path), 2, 1).dtype(), DType::i16);
    s.xyzt_units = 1 | 8; // metres, seconds
    write_file(path, make_nifti(s, ramp<std::int16_t>(60, 1, 0), 2));
    QCOMPARE(read_nifti(path).spacing.unit, std::string("m"));
    s.xyzt_units = 0;
    write_file(path, make_nifti(s, ramp<std::int16_t>(60, 1, 0), 2));
    QCOMPARE(read_nifti(path).spacing.unit, std::string("mm"));
  }

  void oriented_volumes_are_shown_in_lps_order() {
    // A coronal acquisition: voxel i runs toward the patient's left, j
    // toward superior, k toward anterior ("LSA"). Shown in LPS order: x = i,
    // y = k reversed, z = j. Voxel (i, j, k) holds i + 10 j + 100 k.
    for (const int version : {1, 2}) {
      Spec s;
      s.version = version;
      s.dims = {4, 3, 2};
      s.sform_code = 1;
      const double srow[3][4] = {{-1.5, 0, 0, 10}, {0, 0, 2.5, -20}, {0, 2.0, 0, 30}};
      std::memcpy(s.srow, srow, sizeof srow);
      s.pixdim[1] = 1.5, s.pixdim[2] = 2.0, s.pixdim[3] = 2.5;
      std::vector<std::uint8_t> data(24 * 2);
      for (int k = 0; k < 2; ++k)
        for (int j = 0; j < 3; ++j)
          for (int i = 0; i < 4; ++i) {
            const auto v = std::int16_t(i + 10 * j + 100 * k);
            std::memcpy(data.data() + 2 * ((k * 3 + j) * 4 + i), &v, 2);
          }
      QTemporaryDir dir;
      const std::string path = dir.filePath("coronal.nii").toStdString();
      write_file(path, make_nifti(s, data, 2));
      QVERIFY(read_nifti_header(FileSource(path)).orientation().has_value());
      const VolumeShape shape = probe_volume(path);
      QCOMPARE(shape.nx, 4);
      QCOMPARE(shape.ny, 2);
      QCOMPARE(shape.nz, 3);
      const Volume v = load_volume(path);
      QCOMPARE(v.nx(), 4);
      QCOMPARE(v.ny(), 2);
      QCOMPARE(v.nz(), 3);
      const auto values = v.values<std::int16_t>();
      for (int z = 0; z < 3; ++z)
        for (int y = 0; y < 2; ++y)
          for (int x = 0; x < 4; ++x)
            QCOMPARE(int(values[std::size_t((z * 2 + y) * 4 + x)]), x + 10 * z + 100 * (1 - y));
      QCOMPARE(v.spacing.xyz[0], 1.5);
      QCOMPARE(v.spacing.xyz[1], 2.5);
      QCOMPARE(v.spacing.xyz[2], 2.0);
      QCOMPARE(*v.metadata.find("stored_orientation"), std::string("LSA"));
      QCOMPARE(*v.metadata.find("shown_orientation"), std::string("LPS"));
      // The 2D viewer draws a stored (coronal) section as the 3D viewer's
      // XZ view does: x right, superior (z) up; section k is y = 1 - k.
      const FileInfo info = inspect_file(path);
      const Image section = import::read_item_frame(path, info, 1);
      QCOMPARE(section.width(), std::int64_t(4));
      QCOMPARE(section.height(), std::int64_t(3));
      QCOMPARE(section.dtype(), DType::i16);
      QCOMPARE(int(section.values<std::int16_t>()[0]), 0 + 10 * 2 + 100);
      QCOMPARE(int(section.values<std::int16_t>()[2 * 4 + 3]), 3 + 100);
      QCOMPARE(section.spacing.xyz[1], 2.0);
      QCOMPARE(int(import::read_item_frame(path, info, 0).values<std::int16_t>()[0]), 0 + 20);
      // Sections come from the volume read once; a file changed since is read anew.
      {
        std::vector<std::uint8_t> changed = data;
        changed[2 * ((0 * 3 + 2) * 4 + 0)] = 77; // voxel (0, 2, 0): row 0, column 0
        const auto stamp = std::filesystem::last_write_time(path);
        write_file(path, make_nifti(s, changed, 2));
        std::filesystem::last_write_time(path, stamp + std::chrono::seconds(1));
        QCOMPARE(int(import::read_item_frame(path, info, 0).values<std::int16_t>()[0]), 77);
        write_file(path, make_nifti(s, data, 2));
      }
      // A label volume with no orientation (a TIFF stack written from the
      // same array) is reordered to line up with the volume.
      Volume stored_labels(4, 3, 2, DType::i32);
      for (std::size_t i = 0; i < 24; ++i)
        stored_labels.values<std::int32_t>()[i] =
            std::int32_t(i % 4 + 10 * (i / 4 % 3) + 100 * (i / 12));
      const Volume labels = labels_in_shown_order(stored_labels, v);
      QCOMPARE(labels.nx(), v.nx());
      QCOMPARE(labels.ny(), v.ny());
      QCOMPARE(labels.nz(), v.nz());
      for (std::size_t i = 0; i < 24; ++i)
        QCOMPARE(int(labels.values<std::int32_t>()[i]), int(values[i]));
      // Labels with their own orientation are already in shown order.
      QCOMPARE(labels_in_shown_order(v, v).values<std::int16_t>()[5], values[5]);
      // Reoriented as read, with no second copy: 48 bytes stored and 96 of
      // floats to show.
      QCOMPARE(shape.view_bytes(), std::uint64_t(48 + 96));
      // Gzipped and big-endian files are read a section at a time alike.
      const std::vector<std::uint8_t> expected(v.bytes(), v.bytes() + v.byte_size());
      Spec big = s;
      big.big = true;
      const std::string gz = dir.filePath("coronal.nii.gz").toStdString();
      for (const Spec& variant : {s, big}) {
        write_gz(gz, make_nifti(variant, data, 2));
        const Volume z = load_volume(gz);
        QCOMPARE(std::vector<std::uint8_t>(z.bytes(), z.bytes() + z.byte_size()), expected);
        QCOMPARE(z.spacing.xyz[1], 2.5);
      }
      // A qform: the identity rotation is RAS (x and y reversed); a half
      // turn about z is LPS already, kept as stored, and qfac -1 makes it
      // LPI (z reversed).
      s.sform_code = 0;
      s.qform_code = 1;
      write_file(path, make_nifti(s, data, 2));
      const Volume ras = load_volume(path);
      QCOMPARE(*ras.metadata.find("stored_orientation"), std::string("RAS"));
      QCOMPARE(int(ras.values<std::int16_t>()[0]), 3 + 10 * 2);
      s.quatern[2] = 1.0;
      write_file(path, make_nifti(s, data, 2));
      QVERIFY(probe_volume(path).axis_order.identity());
      QCOMPARE(*load_volume(path).metadata.find("stored_orientation"), std::string("LPS"));
      s.pixdim[0] = -1.0;
      write_file(path, make_nifti(s, data, 2));
      QCOMPARE(*load_volume(path).metadata.find("stored_orientation"), std::string("LPI"));
      QCOMPARE(int(load_volume(path).values<std::int16_t>()[0]), 100);
      s.quatern[2] = 0.0;
      s.pixdim[0] = 1.0;
      // No orientation in the header: the stored order.
      s.qform_code = 0;
      write_file(path, make_nifti(s, data, 2));
      QCOMPARE(load_volume(path).ny(), 3);
      QVERIFY(!load_volume(path).metadata.find("shown_orientation"));
    }
  }

  void larger_vox_offset_and_memory() {
    Spec s;
    s.version = 2;
    s.vox_offset = 1024;
    const auto data = ramp<std::int16_t>(60, 5, -20);
    const auto file = make_nifti(s, data, 2);
    QCOMPARE(file.size(), std::size_t{1024 + 120});
    const MemorySource mem("mem.nii", file);
    const Volume v = read_nifti(mem);
    QVERIFY(std::memcmp(v.bytes(), data.data(), data.size()) == 0);
    const NiftiHeader h = read_nifti_header(mem);
    QCOMPARE(h.version, 2);
    QCOMPARE(h.vox_offset, std::int64_t{1024});
  }

  void multi_member_gzip() {
    Spec s;
    const auto data = ramp<std::int16_t>(60, 3, 1);
    const auto file = make_nifti(s, data, 2);
    QTemporaryDir dir;
    const std::string a = dir.filePath("a.gz").toStdString();
    const std::string b = dir.filePath("b.gz").toStdString();
    write_gz(a, std::vector<std::uint8_t>(file.begin(), file.begin() + 400));
    write_gz(b, std::vector<std::uint8_t>(file.begin() + 400, file.end()));
    auto joined = read_file(a);
    const auto second = read_file(b);
    joined.insert(joined.end(), second.begin(), second.end());
    const std::string path = dir.filePath("m.nii.gz").toStdString();
    write_file(path, joined);
    const Volume v = read_nifti(path);
    QVERIFY(std::memcmp(v.bytes(), data.data(), data.size()) == 0);
  }

  void corrupt_data() {
    QTest::addColumn<QString>("variant");
    QTest::addColumn<QString>("needle");
    QTest::newRow("truncated data") << "trunc"
                                    << "truncated: voxel data needs 120 bytes";
    QTest::newRow("truncated header") << "trunc-header"
                                      << "truncated";
    QTest::newRow("gz truncated mid-stream") << "gz-trunc"
                                             << "truncated gzip stream";
    QTest::newRow("gz corrupt") << "gz-corrupt"
                                << "corrupt gzip stream";
    QTest::newRow("gz too short for data") << "gz-short"
                                           << "gzip stream ends before";
    QTest::newRow("gz huge dims") << "gz-huge"
                                  << "more than a gzip file";
    QTest::newRow("bad sizeof_hdr") << "sizeof"
                                    << "sizeof_hdr is neither 348 nor 540";
    QTest::newRow("bad magic") << "magic"
                               << "bad NIfTI-1 magic";
    QTest::newRow("two-file") << "ni1"
                              << "two-file NIfTI";
    QTest::newRow("dim0 zero") << "dim0"
                               << "invalid number of dimensions dim[0] = 0";
    QTest::newRow("negative dim") << "negdim"
                                  << "dim[2] = -4 is not positive";
    QTest::newRow("5D") << "5d"
                        << "more than four dimensions";
    QTest::newRow("complex") << "complex"
                             << "unsupported NIfTI datatype complex64 (32)";
    QTest::newRow("rgb") << "rgb"
                         << "unsupported NIfTI datatype RGB24 (128)";
    QTest::newRow("unknown type") << "type"
                                  << "unknown NIfTI datatype 99";
    QTest::newRow("vox_offset in header") << "voxoff"
                                          << "lies inside the header";
    QTest::newRow("v2 overflowing dims") << "overflow"
                                         << "data size overflows";
    QTest::newRow("v2 huge dims") << "huge"
                                  << "truncated: voxel data needs";
    QTest::newRow("empty") << "empty"
                           << "truncated";
  }

  void corrupt() {
    QFETCH(QString, variant);
    QFETCH(QString, needle);
    Spec s;
    std::vector<std::uint8_t> data = ramp<std::int16_t>(60, 1, 0);
    if (variant == "sizeof") s.magic = std::string("n+1\0", 4);
    if (variant == "magic") s.magic = std::string("xyz\0", 4);
    if (variant == "ni1") s.magic = std::string("ni1\0", 4);
    if (variant == "dim0") s.override_dim0 = true, s.dim0 = 0;
    if (variant == "negdim") s.dims = {5, -4, 3};
    if (variant == "5d") s.dims = {5, 4, 3, 1, 2};
    if (variant == "complex") s.datatype = 32;
    if (variant == "rgb") s.datatype = 128;
    if (variant == "type") s.datatype = 99;
    if (variant == "voxoff") s.vox_offset = 100;
    if (variant == "overflow")
      s.version = 2, s.dims = {std::int64_t(1) << 40, std::int64_t(1) << 40, 1 << 20};
    if (variant == "huge" || variant == "gz-huge") s.version = 2, s.dims = {100000, 100000, 1000};
    std::vector<std::uint8_t> file = make_nifti(s, data, 2);
    if (variant == "sizeof") file[0] = 99;
    if (variant == "trunc") file.resize(file.size() - 1);
    if (variant == "trunc-header") file.resize(200);
    if (variant == "empty") file.clear();

    QTemporaryDir dir;
    const std::string path = dir.filePath("bad.nii").toStdString();
    if (variant.startsWith("gz")) {
      std::vector<std::uint8_t> raw = file;
      if (variant == "gz-short") raw.resize(raw.size() - 10);
      // Incompressible filler so truncation falls inside the deflate data.
      if (variant == "gz-trunc" || variant == "gz-corrupt") {
        std::uint32_t x = 1;
        for (auto& b : std::span(raw).subspan(352))
          b = std::uint8_t((x = x * 1664525u + 1013904223u) >> 24);
      }
      write_gz(path, raw);
      file = read_file(path);
      if (variant == "gz-trunc") file.resize(file.size() / 2);
      if (variant == "gz-corrupt")
        for (std::size_t i = 20; i < 60; ++i)
          file[i] ^= 0x5a;
    }
    write_file(path, file);
    try {
      (void)read_nifti(path);
      QFAIL("expected FormatError");
    } catch (const FormatError& e) {
      QCOMPARE(e.path(), path);
      QVERIFY2(std::string(e.what()).find(needle.toStdString()) != std::string::npos, e.what());
    }
    ATELIER_VERIFY_THROWS(inspect_nifti(path), FormatError, path.c_str());
  }
};

QTEST_APPLESS_MAIN(TestNifti)
#include "test_nifti.moc"

// Unit tests of the MRC reader and writer. Input files are assembled byte by
// byte here (independently of mrc_header.cpp and mrc_writer.cpp) for every
// mode in both byte orders, plus corrupt variants; the writer is checked by
// round trips and by reading its header bytes directly.
#include "core/base/error.h"
#include "core/base/half.h"
#include "core/formats/mrc/mrc_file.h"
#include "core/formats/mrc/mrc_reader.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/io/byte_source.h"
#include "tests/support/test_support.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace atelier;
using atelier::test::read_file;
using atelier::test::write_file;

namespace {

// What the hand-made header holds; offsets follow the MRC2014 table.
struct Spec {
  std::int32_t nx = 5, ny = 3, nz = 2, mode = 2;
  std::int32_t mx = -1, my = -1, mz = -1; // -1: same as nx, ny, nz
  float cella[3] = {0, 0, 0};
  std::int32_t ispg = 1;
  std::int32_t nsymbt = 0;
  const char* exttyp = nullptr;
  bool big = false;
  int stamp = -1; // -1: the right stamp for the order; otherwise byte 212
};

void put_bytes(std::vector<std::uint8_t>& b, std::size_t at, const void* v, std::size_t n,
               bool big) {
  const auto* p = static_cast<const std::uint8_t*>(v);
  for (std::size_t i = 0; i < n; ++i)
    b[at + i] = big ? p[n - 1 - i] : p[i];
}
void put_i32(std::vector<std::uint8_t>& b, std::size_t at, std::int32_t v, bool big) {
  put_bytes(b, at, &v, 4, big);
}
void put_f32(std::vector<std::uint8_t>& b, std::size_t at, float v, bool big) {
  put_bytes(b, at, &v, 4, big);
}

std::vector<std::uint8_t> make_header(const Spec& s) {
  std::vector<std::uint8_t> b(1024, 0);
  put_i32(b, 0, s.nx, s.big);
  put_i32(b, 4, s.ny, s.big);
  put_i32(b, 8, s.nz, s.big);
  put_i32(b, 12, s.mode, s.big);
  put_i32(b, 28, s.mx < 0 ? s.nx : s.mx, s.big);
  put_i32(b, 32, s.my < 0 ? s.ny : s.my, s.big);
  put_i32(b, 36, s.mz < 0 ? s.nz : s.mz, s.big);
  for (int i = 0; i < 3; ++i)
    put_f32(b, 40 + 4 * i, s.cella[i], s.big);
  for (int i = 0; i < 3; ++i)
    put_f32(b, 52 + 4 * i, 90.0f, s.big);
  for (int i = 0; i < 3; ++i)
    put_i32(b, 64 + 4 * i, i + 1, s.big);
  put_i32(b, 88, s.ispg, s.big);
  put_i32(b, 92, s.nsymbt, s.big);
  if (s.exttyp) std::memcpy(b.data() + 104, s.exttyp, 4);
  put_i32(b, 108, 20140, s.big);
  std::memcpy(b.data() + 208, "MAP ", 4);
  const int stamp = s.stamp >= 0 ? s.stamp : (s.big ? 0x11 : 0x44);
  b[212] = static_cast<std::uint8_t>(stamp);
  b[213] = static_cast<std::uint8_t>(s.stamp >= 0 ? s.stamp : stamp);
  return b;
}

// Half-precision bit patterns with their exact float values.
constexpr std::uint16_t kHalfBits[] = {0x3C00, 0xC000, 0x3800, 0x0000, 0x7BFF, 0x0001, 0xBC00};

// Expected decoded value i of a mode (as double), the stored element bytes in
// little-endian order, and the element size.
double expected_value(std::int32_t mode, std::size_t i) {
  switch (mode) {
  case 0: return static_cast<double>(static_cast<int>((i * 37) % 256) - 128);
  case 1: return static_cast<double>(static_cast<int>(i) * 1000 - 15000);
  case 2: return static_cast<double>(i) * 0.25 - 3.5;
  case 6: return static_cast<double>(i * 2000 + 7);
  case 12: return half_to_float(kHalfBits[i % 7]);
  case 101: return static_cast<double>((i * 7) % 16);
  default: return 0;
  }
}

// Data bytes of nx*ny*nz values of a mode, stored in the given order.
std::vector<std::uint8_t> make_data(const Spec& s) {
  if (s.nx <= 0 || s.ny <= 0 || s.nz <= 0) return std::vector<std::uint8_t>(120, 0);
  const std::size_t n = std::size_t(s.nx) * s.ny * s.nz;
  std::vector<std::uint8_t> out;
  if (s.mode == 101) {
    const std::size_t row = (std::size_t(s.nx) + 1) / 2;
    out.assign(row * s.ny * s.nz, 0);
    for (std::size_t r = 0; r < std::size_t(s.ny) * s.nz; ++r)
      for (std::size_t x = 0; x < std::size_t(s.nx); ++x) {
        const auto v = static_cast<std::uint8_t>(expected_value(101, r * s.nx + x));
        out[r * row + x / 2] |= static_cast<std::uint8_t>((x % 2) ? v << 4 : v);
      }
    return out;
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::uint8_t e[4] = {};
    std::size_t size = 0;
    const double v = expected_value(s.mode, i);
    switch (s.mode) {
    case 0: {
      const auto x = static_cast<std::int8_t>(v);
      std::memcpy(e, &x, size = 1);
      break;
    }
    case 1: {
      const auto x = static_cast<std::int16_t>(v);
      std::memcpy(e, &x, size = 2);
      break;
    }
    case 2: {
      const auto x = static_cast<float>(v);
      std::memcpy(e, &x, size = 4);
      break;
    }
    case 6: {
      const auto x = static_cast<std::uint16_t>(v);
      std::memcpy(e, &x, size = 2);
      break;
    }
    case 12: std::memcpy(e, &kHalfBits[i % 7], size = 2); break;
    }
    std::vector<std::uint8_t> elem(size);
    put_bytes(elem, 0, e, size, s.big);
    out.insert(out.end(), elem.begin(), elem.end());
  }
  return out;
}

std::vector<std::uint8_t> make_file(const Spec& s) {
  auto b = make_header(s);
  b.resize(1024 + std::size_t(std::max(s.nsymbt, 0)), 0xAB); // extended header: junk
  const auto data = make_data(s);
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

double value_at(const std::uint8_t* p, DType t, std::size_t i) {
  switch (t) {
  case DType::i8: return reinterpret_cast<const std::int8_t*>(p)[i];
  case DType::u8: return p[i];
  case DType::i16: return reinterpret_cast<const std::int16_t*>(p)[i];
  case DType::u16: return reinterpret_cast<const std::uint16_t*>(p)[i];
  case DType::f32: return reinterpret_cast<const float*>(p)[i];
  case DType::f16: return half_to_float(reinterpret_cast<const std::uint16_t*>(p)[i]);
  default: return std::nan("");
  }
}

DType mode_dtype(int mode) {
  switch (mode) {
  case 0: return DType::i8;
  case 1: return DType::i16;
  case 2: return DType::f32;
  case 6: return DType::u16;
  case 12: return DType::f16;
  default: return DType::u8;
  }
}

// A source that counts the bytes read through it, to prove frame reads are lazy.
class CountingSource final : public ByteSource {
public:
  explicit CountingSource(std::vector<std::uint8_t> bytes)
      : inner_("counting.mrc", std::move(bytes)) {}
  const std::string& name() const override { return inner_.name(); }
  std::uint64_t size() const override { return inner_.size(); }
  void read_at(std::uint64_t offset, void* dst, std::size_t n) const override {
    bytes_read += n;
    inner_.read_at(offset, dst, n);
  }
  mutable std::uint64_t bytes_read = 0;

private:
  MemorySource inner_;
};

} // namespace

class TestMrc : public QObject {
  Q_OBJECT

private:
  QTemporaryDir dir_;
  std::string path(const char* name) const {
    return QDir(dir_.path()).filePath(name).toStdString();
  }

private slots:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void testModes_data() {
    QTest::addColumn<int>("mode");
    QTest::addColumn<bool>("big");
    QTest::addColumn<int>("stamp");
    for (int mode : {0, 1, 2, 6, 12, 101}) {
      for (bool big : {false, true}) {
        const QByteArray tag = QByteArray::number(mode) + (big ? "_big" : "_little");
        QTest::newRow(tag + "_stamped") << mode << big << -1;
        // No stamp at all: the order comes from which reading of nx..mode is sane.
        QTest::newRow(tag + "_nostamp") << mode << big << 0;
        // A stamp contradicting the data is overruled the same way (mode 0
        // cannot tell the orders apart by its mode, so it relies on the dims).
        QTest::newRow(tag + "_wrongstamp") << mode << big << (big ? 0x44 : 0x11);
      }
    }
  }
  void testModes() {
    QFETCH(int, mode);
    QFETCH(bool, big);
    QFETCH(int, stamp);
    Spec s;
    s.mode = mode;
    s.big = big;
    s.stamp = stamp;
    const std::string p = path("modes.mrc");
    write_file(p, make_file(s));

    const MrcFile file(p);
    QCOMPARE(file.dtype(), mode_dtype(mode));
    QCOMPARE(file.width(), 5);
    QCOMPARE(file.height(), 3);
    QCOMPARE(file.frame_count(), 2);
    QCOMPARE(file.header().byte_order, big ? Endian::big : Endian::little);
    const Volume v = file.read_volume();
    QCOMPARE(v.nx(), 5);
    QCOMPARE(v.nz(), 2);
    QCOMPARE(v.dtype(), mode_dtype(mode));
    for (std::size_t i = 0; i < 30; ++i)
      QCOMPARE(value_at(v.bytes(), v.dtype(), i), expected_value(mode, i));
    const Image f1 = file.read_frame(1);
    QCOMPARE(f1.width(), 5);
    QCOMPARE(f1.height(), 3);
    for (std::size_t i = 0; i < 15; ++i)
      QCOMPARE(value_at(f1.bytes(), f1.dtype(), i), expected_value(mode, 15 + i));
  }

  void testPacked4OddWidths_data() {
    QTest::addColumn<int>("nx");
    for (int nx : {1, 2, 3, 4, 7, 9, 33})
      QTest::newRow(QByteArray::number(nx)) << nx;
  }
  void testPacked4OddWidths() {
    QFETCH(int, nx);
    Spec s;
    s.mode = 101;
    s.nx = nx;
    s.ny = 4;
    s.nz = 3;
    const auto bytes = make_file(s);
    // Rows padded to whole bytes: the data is exactly ceil(nx/2) * ny * nz bytes.
    QCOMPARE(bytes.size(), std::size_t(1024 + (nx + 1) / 2 * 4 * 3));
    const MrcFile file(std::make_unique<MemorySource>("p.mrc", bytes));
    QCOMPARE(file.dtype(), DType::u8);
    const Volume v = file.read_volume();
    for (std::size_t i = 0; i < std::size_t(nx) * 12; ++i)
      QCOMPARE(double(v.bytes()[i]), expected_value(101, i));
    const Image f = file.read_frame(2);
    for (std::size_t i = 0; i < std::size_t(nx) * 4; ++i)
      QCOMPARE(double(f.bytes()[i]), expected_value(101, std::size_t(nx) * 8 + i));
    // A file one byte short of the padded size is truncated.
    auto cut = bytes;
    cut.pop_back();
    QVERIFY_THROWS_EXCEPTION(FormatError, MrcFile(std::make_unique<MemorySource>("p.mrc", cut)));
  }

  void testSpacing_data() {
    QTest::addColumn<float>("cx");
    QTest::addColumn<float>("cy");
    QTest::addColumn<float>("cz");
    QTest::addColumn<int>("mx");
    QTest::addColumn<double>("sx");
    QTest::addColumn<double>("sy");
    QTest::addColumn<double>("sz");
    QTest::addColumn<bool>("known");
    // nx=5 ny=3 nz=2 unless mx overrides; my=4 mz=3 below.
    QTest::newRow("anisotropic") << 10.f << 20.f << 45.f << 5 << 2.0 << 5.0 << 15.0 << true;
    QTest::newRow("cella_zero") << 0.f << 0.f << 0.f << 5 << 0.0 << 0.0 << 0.0 << false;
    QTest::newRow("mx_zero") << 10.f << 20.f << 45.f << 0 << 0.0 << 0.0 << 0.0 << false;
    QTest::newRow("z_unknown") << 11.f << 20.f << 0.f << 5 << 2.2 << 5.0 << 0.0 << true;
  }
  void testSpacing() {
    QFETCH(float, cx);
    QFETCH(float, cy);
    QFETCH(float, cz);
    QFETCH(int, mx);
    QFETCH(double, sx);
    QFETCH(double, sy);
    QFETCH(double, sz);
    QFETCH(bool, known);
    Spec s;
    s.cella[0] = cx;
    s.cella[1] = cy;
    s.cella[2] = cz;
    s.mx = mx;
    s.my = 4;
    s.mz = 3;
    const MrcFile file(std::make_unique<MemorySource>("s.mrc", make_file(s)));
    const Spacing& sp = file.spacing();
    QCOMPARE(sp.known(), known);
    QCOMPARE(sp.xyz[0], sx);
    QCOMPARE(sp.xyz[1], sy);
    QCOMPARE(sp.xyz[2], sz);
    if (known) {
      QCOMPARE(sp.unit, std::string("A"));
      QCOMPARE(sp.source, PixelSizeSource::header);
    }
    QCOMPARE(file.read_volume().spacing.xyz[0], sx);
  }

  void testExtendedHeaderSkipped() {
    Spec s;
    s.nsymbt = 131072 + 3; // an odd size: the data starts right after it
    s.exttyp = "FEI1";
    s.big = true;
    const std::string p = path("ext.mrc");
    write_file(p, make_file(s));
    const MrcFile file(p);
    QCOMPARE(file.data_offset(), std::uint64_t(1024 + 131075));
    QCOMPARE(file.header().exttyp(), std::string("FEI1"));
    QCOMPARE(file.header().nversion(), 20140);
    const Volume v = file.read_volume();
    for (std::size_t i = 0; i < 30; ++i)
      QCOMPARE(double(v.values<float>()[i]), expected_value(2, i));
    const FileInfo info = inspect_mrc(p);
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("nsymbt")), 131075);
    QCOMPARE(std::get<std::string>(*info.find_extra("exttyp")), std::string("FEI1"));
    QCOMPARE(*file.metadata().find("exttyp"), std::string("FEI1"));
  }

  void testCorrupt_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason");
    auto qb = [](const std::vector<std::uint8_t>& v) {
      return QByteArray(reinterpret_cast<const char*>(v.data()), qsizetype(v.size()));
    };
    Spec ok; // 5x3x2 float32: 120 data bytes
    auto truncated = make_file(ok);
    truncated.resize(1024 + 100);
    QTest::newRow("truncated_data")
        << qb(truncated) << "truncated: header describes 120 bytes of data but the file has 100";
    auto short_header = make_file(ok);
    short_header.resize(500);
    QTest::newRow("truncated_header")
        << qb(short_header) << "truncated: file has 500 bytes, less than the 1024-byte MRC header";
    QTest::newRow("empty") << QByteArray() << "truncated: file has 0 bytes";
    Spec neg = ok;
    neg.nx = -5;
    QTest::newRow("negative_nx") << qb(make_file(neg))
                                 << "invalid dimensions nx=-5 ny=3 nz=2 (must be positive)";
    Spec zero = ok;
    zero.nz = 0;
    QTest::newRow("zero_nz") << qb(make_header(zero))
                             << "invalid dimensions nx=5 ny=3 nz=0 (must be positive)";
    Spec huge = ok;
    huge.nx = huge.ny = huge.nz = 1 << 30;
    QTest::newRow("dims_overflow") << qb(make_header(huge))
                                   << "dimensions overflow: nx=1073741824 ny=1073741824 "
                                      "nz=1073741824 mode 2";
    Spec big = ok; // no overflow, but far more data than the file holds
    big.nx = big.ny = 1 << 20;
    big.nz = 1;
    QTest::newRow("dims_absurd")
        << qb(make_header(big))
        << "truncated: header describes 4398046511104 bytes of data but the file has 0";
    for (int mode : {3, 4, 7, 16, -1}) {
      Spec m = ok;
      m.mode = mode;
      QTest::newRow(("mode_" + std::to_string(mode)).c_str())
          << qb(make_header(m)) << "unsupported MRC mode " + QString::number(mode);
    }
    Spec ext = ok;
    ext.nsymbt = 100000;
    auto ext_bytes = make_header(ext);
    ext_bytes.resize(2048, 0);
    QTest::newRow("nsymbt_past_end")
        << qb(ext_bytes)
        << "extended header of 100000 bytes (nsymbt) runs past the end of the file (2048 bytes)";
    Spec negext = ok;
    negext.nsymbt = -4;
    QTest::newRow("nsymbt_negative")
        << qb(make_header(negext)) << "negative extended header size nsymbt=-4";
  }
  void testCorrupt() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    const std::string p = path("corrupt.mrc");
    write_file(p, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    const std::string expected = p + ": " + reason.toStdString();
    ATELIER_VERIFY_THROWS(MrcFile{p}, FormatError, expected.c_str());
    ATELIER_VERIFY_THROWS(inspect_mrc(p), FormatError, expected.c_str());
    // From memory too (the fuzzer's path), with the same reason.
    const std::vector<std::uint8_t> v(bytes.begin(), bytes.end());
    ATELIER_VERIFY_THROWS(MrcFile(std::make_unique<MemorySource>("m", v)), FormatError,
                          ("m: " + reason.toStdString()).c_str());
  }

  void testLazyFrameRead() {
    Spec s;
    s.nx = 64;
    s.ny = 32;
    s.nz = 9;
    s.mode = 1;
    auto bytes = make_file(s);
    auto counting = std::make_unique<CountingSource>(bytes);
    CountingSource* counter = counting.get();
    const MrcFile file(std::move(counting));
    QCOMPARE(counter->bytes_read, std::uint64_t(1024)); // the header only
    const std::size_t frame = 64 * 32;
    for (std::int64_t k : {7, 0, 8, 3}) {
      counter->bytes_read = 0;
      const Image img = file.read_frame(k);
      QCOMPARE(counter->bytes_read, std::uint64_t(frame * 2));
      QCOMPARE(img.dtype(), DType::i16);
      for (std::size_t i = 0; i < frame; i += 97)
        QCOMPARE(double(img.values<std::int16_t>()[i]),
                 static_cast<double>(static_cast<std::int16_t>(
                     static_cast<int>(std::size_t(k) * frame + i) * 1000 - 15000)));
    }
    ATELIER_VERIFY_THROWS(file.read_frame(9), Error, "frame 9 out of range");
    ATELIER_VERIFY_THROWS(file.read_frame(-1), Error, "frame -1 out of range");
  }

  void testLargeFramesReadInPlace_data() {
    QTest::addColumn<bool>("big");
    QTest::addColumn<int>("nsymbt");
    QTest::newRow("native order: mapped") << false << 0;
    QTest::newRow("odd extended header: unaligned, read") << false << 3;
    QTest::newRow("big-endian: swapped copy") << true << 0;
  }
  void testLargeFramesReadInPlace() {
    // read_frame_in_place maps frames of 1 MiB and more when they are stored
    // as held; whichever way they are read, the pixels are the same.
    QFETCH(bool, big);
    QFETCH(int, nsymbt);
    Spec s;
    s.nx = 640;
    s.ny = 512;
    s.nz = 3;
    s.mode = 2;
    s.big = big;
    s.nsymbt = nsymbt;
    const std::string p = path("large.mrc");
    write_file(p, make_file(s));
    const MrcFile file(p);
    const std::size_t frame = std::size_t(s.nx) * std::size_t(s.ny);
    std::vector<float> direct(frame);
    for (std::int64_t k : {2, 0}) {
      const Image img = file.read_frame_in_place(k);
      QVERIFY(img.intact());
      QCOMPARE(img.byte_size(), frame * sizeof(float));
      file.read_frame_into(k, direct.data());
      QVERIFY(std::memcmp(img.bytes(), direct.data(), img.byte_size()) == 0);
      const auto v = img.values<float>();
      QCOMPARE(double(v[frame - 1]), value_at(reinterpret_cast<const std::uint8_t*>(direct.data()),
                                              DType::f32, frame - 1));
    }
    // Only a mapped frame notices the file being cut short under it; a frame
    // read the ordinary way is a copy.
    const Image kept = file.read_frame_in_place(1);
    const Image copy = file.read_frame(1);
    write_file(p, {});
    double sum = 0;
    for (const float x : kept.values<float>())
      sum += x;
    const bool mapped = !big && nsymbt == 0;
    QCOMPARE(kept.intact(), !mapped);
    QCOMPARE(sum == 0.0, mapped);
    QVERIFY(copy.intact());
    QVERIFY(copy.values<float>()[frame - 1] != 0.0f);
  }

  void testInspect() {
    Spec s;
    s.mode = 6;
    s.cella[0] = 7.5f;
    s.cella[1] = 4.5f;
    s.cella[2] = 3.0f;
    s.ispg = 0;
    const std::string p = path("inspect.mrcs");
    write_file(p, make_file(s));
    const FileInfo info = inspect_mrc(p);
    QCOMPARE(info.dims, (std::vector<std::int64_t>{5, 3, 2}));
    QCOMPARE(*info.dtype, DType::u16);
    QCOMPARE(info.spacing.xyz[0], 1.5);
    QCOMPARE(info.spacing.xyz[2], 1.5);
    QCOMPARE(info.spacing.unit, std::string("A"));
    QVERIFY(info.stats.has_value());
    QCOMPARE(info.stats->count(), std::uint64_t(30));
    QCOMPARE(info.stats->min(), 7.0);
    QCOMPARE(info.stats->max(), 29.0 * 2000 + 7);
    QCOMPARE(info.stats->mean(), 14.5 * 2000 + 7);
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("mrc_mode")), 6);
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("ispg")), 0);
    QVERIFY(info.find_extra("nsymbt") == nullptr);
    QVERIFY(info.find_extra("exttyp") == nullptr);
  }

  void testWriterRoundTrip_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<int>("requested");
    QTest::addColumn<int>("mode");
    QTest::newRow("int8") << int(DType::i8) << -1 << 0;
    QTest::newRow("int16") << int(DType::i16) << -1 << 1;
    QTest::newRow("float32") << int(DType::f32) << -1 << 2;
    QTest::newRow("uint16") << int(DType::u16) << -1 << 6;
    QTest::newRow("float16") << int(DType::f16) << -1 << 12;
    QTest::newRow("uint8_as_6") << int(DType::u8) << -1 << 6;
    QTest::newRow("uint8_as_101") << int(DType::u8) << 101 << 101;
  }
  void testWriterRoundTrip() {
    QFETCH(int, dtype);
    QFETCH(int, requested);
    QFETCH(int, mode);
    const auto type = static_cast<DType>(dtype);
    Volume v(7, 5, 3, type);
    v.spacing.xyz = {1.25, 1.25, 2.5};
    v.spacing.unit = "A";
    v.spacing.source = PixelSizeSource::user;
    // Deterministic bytes covering each type's range (bounded to 0..15 for 101).
    std::uint32_t state = 12345;
    for (std::size_t i = 0; i < v.byte_size(); ++i) {
      state = state * 1103515245u + 12345u;
      v.bytes()[i] = static_cast<std::uint8_t>(state >> 16);
    }
    if (type == DType::f32) // keep the floats finite and printable
      for (std::size_t i = 0; i < v.voxel_count(); ++i)
        v.values<float>()[i] = static_cast<float>(i % 17) * 0.375f - 2.0f;
    if (type == DType::f16)
      for (std::size_t i = 0; i < v.voxel_count(); ++i)
        v.values<std::uint16_t>()[i] &= 0x7bff;
    if (requested == 101)
      for (std::size_t i = 0; i < v.byte_size(); ++i)
        v.bytes()[i] &= 0x0f;

    const std::string p = path("round.mrc");
    MrcWriteOptions opt;
    if (requested >= 0) opt.mode = requested;
    opt.labels = {"written by test_mrc"};
    write_mrc(p, v, opt);
    QCOMPARE(QDir(dir_.path()).entryList(QStringList{"round.mrc*"}, QDir::Files).size(), 1);

    // Header bytes, read directly.
    const auto raw = read_file(p);
    auto i32 = [&](std::size_t at) {
      std::int32_t x;
      std::memcpy(&x, raw.data() + at, 4);
      return x;
    };
    auto f32 = [&](std::size_t at) {
      float x;
      std::memcpy(&x, raw.data() + at, 4);
      return x;
    };
    QCOMPARE(i32(12), mode);
    QCOMPARE(i32(88), 1);      // ispg: a volume
    QCOMPARE(i32(108), 20140); // NVERSION
    QCOMPARE(std::memcmp(raw.data() + 208, "MAP ", 4), 0);
    QCOMPARE(raw[212], std::uint8_t(0x44));
    QCOMPARE(raw[213], std::uint8_t(0x44));
    QCOMPARE(f32(40), 7 * 1.25f);
    QCOMPARE(f32(48), 3 * 2.5f);
    QCOMPARE(i32(220), 1);
    QCOMPARE(std::string(reinterpret_cast<const char*>(raw.data() + 224), 19),
             std::string("written by test_mrc"));
    RunningStats stats;
    stats.add(v.bytes(), type, v.voxel_count());
    QCOMPARE(f32(76), float(stats.min()));
    QCOMPARE(f32(80), float(stats.max()));
    QCOMPARE(f32(84), float(stats.mean()));
    QCOMPARE(f32(216), float(stats.std()));

    const MrcFile file(p);
    const Volume back = file.read_volume();
    QCOMPARE(back.nx(), 7);
    QCOMPARE(back.ny(), 5);
    QCOMPARE(back.nz(), 3);
    QCOMPARE(back.spacing.xyz[0], 1.25);
    QCOMPARE(back.spacing.xyz[2], 2.5);
    if (type == DType::u8 && mode == 6) {
      QCOMPARE(back.dtype(), DType::u16);
      for (std::size_t i = 0; i < v.voxel_count(); ++i)
        QCOMPARE(back.values<std::uint16_t>()[i], std::uint16_t(v.bytes()[i]));
    } else {
      QCOMPARE(back.dtype(), type);
      QCOMPARE(back.byte_size(), v.byte_size());
      QCOMPARE(std::memcmp(back.bytes(), v.bytes(), v.byte_size()), 0);
    }
  }

  void testWriterImagesAndStacks() {
    std::vector<Image> frames;
    for (int k = 0; k < 4; ++k) {
      Image img(6, 4, 1, DType::f32);
      for (std::size_t i = 0; i < img.value_count(); ++i)
        img.values<float>()[i] = float(k * 100 + int(i));
      img.spacing.xyz = {0.5, 0.5, 0};
      img.spacing.unit = "nm"; // written as Å
      frames.push_back(std::move(img));
    }
    const std::string p = path("stack.mrcs");
    write_mrc_stack(p, frames);
    const MrcFile file(p);
    QCOMPARE(file.frame_count(), 4);
    QCOMPARE(file.header().ispg, 0);
    QCOMPARE(file.header().m[2], 1);
    QCOMPARE(file.spacing().xyz[0], 5.0);
    QCOMPARE(file.spacing().xyz[2], 5.0);
    for (int k = 0; k < 4; ++k) {
      const Image f = file.read_frame(k);
      QCOMPARE(std::memcmp(f.bytes(), frames[std::size_t(k)].bytes(), f.byte_size()), 0);
    }
    const std::string single = path("single.mrc");
    write_mrc(single, frames[2]);
    const MrcFile one(single);
    QCOMPARE(one.frame_count(), 1);
    QCOMPARE(double(one.read_frame(0).values<float>()[5]), 205.0);
  }

  void testWriterVolumeStack() {
    Volume v(4, 3, 2, DType::i16, 3);
    for (std::size_t i = 0; i < v.voxel_count(); ++i)
      v.values<std::int16_t>()[i] = std::int16_t(int(i) * 3 - 50);
    const std::string p = path("vstack.mrc");
    write_mrc(p, v);
    const MrcFile file(p);
    QCOMPARE(file.header().ispg, 401);
    QCOMPARE(file.frame_count(), 6);
    const Volume back = file.read_volume();
    QCOMPARE(back.nz(), 2);
    QCOMPARE(back.nt(), 3);
    QCOMPARE(std::memcmp(back.bytes(), v.bytes(), v.byte_size()), 0);
  }

  void testWriterRefuses() {
    const std::string p = path("refused.mrc");
    ATELIER_VERIFY_THROWS(write_mrc(p, Volume(2, 2, 2, DType::u32)), FormatError,
                          (p + ": MRC has no mode for uint32 data").c_str());
    MrcWriteOptions as_float;
    as_float.mode = 2;
    ATELIER_VERIFY_THROWS(write_mrc(p, Volume(2, 2, 2, DType::i16), as_float), FormatError,
                          "int16 data cannot be written as MRC mode 2 without loss");
    MrcWriteOptions as_int8;
    as_int8.mode = 0;
    ATELIER_VERIFY_THROWS(write_mrc(p, Volume(2, 2, 2, DType::u8), as_int8), FormatError,
                          "uint8 data cannot be written as MRC mode 0 without loss");
    MrcWriteOptions packed;
    packed.mode = 101;
    Volume sixteen(2, 2, 1, DType::u8);
    sixteen.bytes()[3] = 16;
    ATELIER_VERIFY_THROWS(write_mrc(p, sixteen, packed), FormatError,
                          "mode 101 stores values 0..15 but the data holds 16");
    ATELIER_VERIFY_THROWS(write_mrc(p, Image(2, 2, 3, DType::u8)), FormatError,
                          "MRC stores one channel per pixel but the image has 3");
    QVERIFY(!QFileInfo::exists(QString::fromStdString(p)));
    QCOMPARE(QDir(dir_.path()).entryList(QStringList{"refused*"}, QDir::Files).size(), 0);
  }
};

QTEST_APPLESS_MAIN(TestMrc)
#include "test_mrc.moc"

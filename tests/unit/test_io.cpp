// core/io: byte sources, JSON writer, format detection, FileInfo JSON.
#include "core/base/error.h"
#include "core/io/byte_source.h"
#include "core/io/file_info_json.h"
#include "core/io/file_inspect.h"
#include "core/io/file_mapping.h"
#include "core/io/json_writer.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>

#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <unistd.h>

using namespace atelier;

class TestIo : public QObject {
  Q_OBJECT
private slots:
  void fileSourceReadsAtOffsets();
  void fileSourceRejectsReadsPastEnd();
  void fileSourceNamesMissingFile();
  void memorySource();
  void fileMappingReadsInPlace();
  void fileMappingSurvivesTruncation();
  void borrowedImageCopiesOnWrite();
  void jsonWriterCompactAndPretty();
  void jsonQuoteEscapesAndRepairsUtf8();
  void jsonNumbers();
  void detectByMagic_data();
  void detectByMagic();
  void detectUnknownNamesFile();
  void fileInfoJsonKeys();

private:
  QTemporaryDir dir_;
  std::string path(const char* name) { return (dir_.path() + "/" + name).toStdString(); }
};

void TestIo::fileSourceReadsAtOffsets() {
  const std::string p = path("bytes.bin");
  test::write_file(p, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  FileSource src(p);
  QCOMPARE(src.size(), std::uint64_t{10});
  std::uint8_t b[3];
  src.read_at(7, b, 3);
  QCOMPARE(b[0], std::uint8_t{7});
  QCOMPARE(b[2], std::uint8_t{9});
  QCOMPARE(src.read_rest(8).size(), std::size_t{2});
}

void TestIo::fileSourceRejectsReadsPastEnd() {
  const std::string p = path("short.bin");
  test::write_file(p, {1, 2, 3});
  FileSource src(p);
  std::uint8_t b[4];
  ATELIER_VERIFY_THROWS(src.read_at(0, b, 4), FormatError, "truncated");
  ATELIER_VERIFY_THROWS(src.read_at(std::numeric_limits<std::uint64_t>::max(), b, 1), FormatError,
                        "short.bin");
  // An absurd length is refused before anything is allocated.
  ATELIER_VERIFY_THROWS(src.read_vector(1, std::size_t{1} << 60), FormatError, "truncated");
}

void TestIo::fileSourceNamesMissingFile() {
  ATELIER_VERIFY_THROWS(FileSource(path("nope.mrc")), FormatError, "nope.mrc: cannot open");
  ATELIER_VERIFY_THROWS(FileSource(dir_.path().toStdString()), FormatError, "not a regular file");
}

void TestIo::memorySource() {
  MemorySource src("mem", std::vector<std::uint8_t>{9, 8, 7});
  std::uint8_t b = 0;
  src.read_at(2, &b, 1);
  QCOMPARE(b, std::uint8_t{7});
  ATELIER_VERIFY_THROWS(src.read_at(3, &b, 1), FormatError, "mem: truncated");
}

void TestIo::fileMappingReadsInPlace() {
  const std::string p = path("mapped.bin");
  std::vector<std::uint8_t> bytes(3 * 4096 + 100);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<std::uint8_t>(i * 7);
  test::write_file(p, bytes);
  FileSource src(p);
  // An offset inside a page: the view starts exactly there.
  const auto m = src.map(4100, 5000);
  QVERIFY(m);
  QCOMPARE(m->size(), std::size_t{5000});
  QVERIFY(std::memcmp(m->data(), bytes.data() + 4100, 5000) == 0);
  QVERIFY(m->intact());
  ATELIER_VERIFY_THROWS(src.map(4100, bytes.size()), FormatError, "truncated");
  MemorySource mem("mem", std::vector<std::uint8_t>{1, 2});
  QVERIFY(!mem.map(0, 2)); // not a file: callers read instead
}

void TestIo::fileMappingSurvivesTruncation() {
  // Another writer truncating a mapped file would raise SIGBUS on the lost
  // pages; they read as zeros instead and the mapping says it is damaged.
  const std::string p = path("shrinks.bin");
  test::write_file(p, std::vector<std::uint8_t>(8 * 4096, 0xab));
  FileSource src(p);
  const auto m = src.map(0, 8 * 4096);
  QVERIFY(m);
  const Image image = Image::borrowing(8 * 4096, 1, 1, DType::u8, m->data(), m);
  const int fd = ::open(p.c_str(), O_WRONLY | O_TRUNC);
  QVERIFY(fd >= 0);
  ::close(fd);
  std::uint64_t sum = 0;
  for (const std::uint8_t v : image.values<std::uint8_t>())
    sum += v;
  QCOMPARE(sum, std::uint64_t{0});
  QVERIFY(!m->intact());
  QVERIFY(!image.intact());
  // A copy made now keeps the verdict.
  Image owned = image;
  owned.bytes();
  QVERIFY(!owned.intact());
  // New mappings start intact.
  test::write_file(p, std::vector<std::uint8_t>(4096, 1));
  FileSource again(p);
  QVERIFY(again.map(0, 4096)->intact());
}

void TestIo::borrowedImageCopiesOnWrite() {
  const std::string p = path("pixels.bin");
  std::vector<std::uint8_t> bytes(4 * 3 * sizeof(float));
  for (std::size_t i = 0; i < 12; ++i) {
    const float f = static_cast<float>(i) + 0.5f;
    std::memcpy(bytes.data() + i * sizeof f, &f, sizeof f);
  }
  test::write_file(p, bytes);
  FileSource src(p);
  const auto m = src.map(0, bytes.size());
  QVERIFY(m);
  const Image a = Image::borrowing(4, 3, 1, DType::f32, m->data(), m);
  QCOMPARE(a.byte_size(), bytes.size());
  QCOMPARE(a.values<float>()[5], 5.5f);
  QVERIFY(a.bytes() == m->data()); // read in place
  Image b = a;                     // shares the borrowed pixels
  QVERIFY(static_cast<const Image&>(b).bytes() == m->data());
  b.values<float>()[5] = -1.0f; // the first write copies
  QVERIFY(static_cast<const Image&>(b).bytes() != m->data());
  QCOMPARE(a.values<float>()[5], 5.5f);
  QCOMPARE(b.values<float>()[5], -1.0f);
  QCOMPARE(b.values<float>()[11], 11.5f);
  QCOMPARE(FileSource(p).read_vector(0, bytes.size()), bytes); // the file is untouched
  // A move takes the borrowed pixels along and leaves none behind.
  Image d = a;
  const Image e = std::move(d);
  QVERIFY(e.bytes() == m->data());
  QCOMPARE(d.byte_size(), std::size_t{0}); // NOLINT(bugprone-use-after-move): checked on purpose
  ATELIER_VERIFY_THROWS(Image::borrowing(4, 3, 1, DType::f32, nullptr, m), Error, "borrow");
}

void TestIo::jsonWriterCompactAndPretty() {
  JsonWriter w;
  w.begin_object().key("a").value(1).key("b").begin_array().value("x").value(2.5).end_array();
  w.key("c").begin_object().end_object().key("d").null().end_object();
  QCOMPARE(w.str(), std::string(R"({"a":1,"b":["x",2.5],"c":{},"d":null})"));
  JsonWriter p(1);
  p.begin_object().key("a").begin_array().value(1).end_array().end_object();
  QCOMPARE(p.str(), std::string("{\n \"a\": [\n  1\n ]\n}"));
}

void TestIo::jsonQuoteEscapesAndRepairsUtf8() {
  QCOMPARE(json_quote("a\"b\\c\n\x01"), std::string(R"("a\"b\\c\n\u0001")"));
  QCOMPARE(json_quote("\xc3\xa5"), std::string("\"\xc3\xa5\""));                 // å kept
  QCOMPARE(json_quote("x\xff"), std::string("\"x\xef\xbf\xbd\""));               // invalid byte
  QCOMPARE(json_quote("\xe2\x82"), std::string("\"\xef\xbf\xbd\xef\xbf\xbd\"")); // cut sequence
}

void TestIo::jsonNumbers() {
  JsonWriter w;
  w.begin_array().value(0.1).value(11.4).value(1e300).value(std::nan("")).value(-0.0);
  w.value(std::int64_t{-9007199254740993}).end_array();
  QCOMPARE(w.str(), std::string("[0.1,11.4,1e+300,null,-0,-9007199254740993]"));
}

void TestIo::detectByMagic_data() {
  QTest::addColumn<QByteArray>("bytes");
  QTest::addColumn<QString>("name");
  QTest::addColumn<QString>("format");
  QByteArray dicom(128, '\0');
  dicom += "DICM";
  QByteArray mrc(1024, '\0');
  mrc.replace(208, 4, "MAP ");
  QByteArray nifti(352, '\0');
  nifti[0] = char(92); // 348 little endian
  nifti[1] = char(1);
  nifti.replace(344, 4, QByteArray("n+1\0", 4));
  QTest::newRow("dicom") << dicom << "x.bin"
                         << "dicom";
  QTest::newRow("png") << QByteArray("\x89PNG\r\n\x1a\n0000", 12) << "a"
                       << "png";
  QTest::newRow("jpeg") << QByteArray("\xff\xd8\xff\xe0", 4) << "a"
                        << "jpeg";
  QTest::newRow("tiff le") << QByteArray("II*\0\x08\0\0\0\0\0", 10) << "a"
                           << "tiff";
  QTest::newRow("tiff be") << QByteArray("MM\0*\0\0\0\x08\0\0", 10) << "a"
                           << "tiff";
  QTest::newRow("ply") << QByteArray("ply\nformat ascii 1.0\n") << "a"
                       << "ply";
  QTest::newRow("las") << QByteArray("LASF0000") << "a"
                       << "las";
  QTest::newRow("pcd") << QByteArray("# .PCD v0.7\nVERSION 0.7\n") << "a"
                       << "pcd";
  QTest::newRow("mrc magic") << mrc << "a.bin"
                             << "mrc";
  QTest::newRow("mrc ext") << QByteArray(16, '\0') << "a.mrcs"
                           << "mrc";
  QTest::newRow("nifti") << nifti << "a"
                         << "nifti";
  QTest::newRow("nifti gz") << QByteArray("\x1f\x8b\x08\0", 4) << "a.nii.gz"
                            << "nifti";
  QTest::newRow("star") << QByteArray("data_\n") << "a.star"
                        << "star";
  QTest::newRow("xyz") << QByteArray("1 2 3\n") << "a.xyz"
                       << "xyz";
}

void TestIo::detectByMagic() {
  QFETCH(QByteArray, bytes);
  QFETCH(QString, name);
  QFETCH(QString, format);
  const std::string p = (dir_.path() + "/" + name).toStdString();
  test::write_file(p, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
  QCOMPARE(QString::fromStdString(detect_format(p)), format);
}

void TestIo::detectUnknownNamesFile() {
  const std::string p = path("notes.md");
  test::write_text(p, "# hello\n");
  ATELIER_VERIFY_THROWS(detect_format(p), FormatError, "notes.md: unrecognised format");
}

void TestIo::fileInfoJsonKeys() {
  FileInfo info;
  info.path = "a.mrc";
  info.format = "mrc";
  info.dims = {4, 5, 1};
  info.dtype = DType::f32;
  info.spacing.xyz = {1.5, 1.5, 2.0};
  info.spacing.unit = "A";
  info.spacing.source = PixelSizeSource::header;
  RunningStats s;
  const float v[2] = {1.0f, 3.0f};
  s.add(v, DType::f32, 2);
  info.stats = s;
  info.set_extra("mrc_mode", std::int64_t{2});
  QCOMPARE(file_info_to_json(info, -1),
           std::string(R"({"path":"a.mrc","format":"mrc","dims":[4,5,1],"dtype":"float32",)"
                       R"("pixel_size":[1.5,1.5,2],"pixel_size_unit":"A","pixel_size_source":)"
                       R"("header","min":1,"max":3,"mean":2,"std":1,"mrc_mode":2})"));
}

QTEST_APPLESS_MAIN(TestIo)
#include "test_io.moc"

// Unit tests of the STAR reader and writer on hand-written RELION 3.0 / 3.1
// text: tables, key-value blocks, quoting, comments, image references, typed
// accessors, corrupt files (exact messages with line numbers), round trips.
#include "core/base/error.h"
#include "core/formats/star/star_reader.h"
#include "core/formats/star/star_writer.h"
#include "tests/support/test_support.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <string>

using namespace atelier;

namespace {

StarFile parse(const std::string& text, const std::string& name = "mem.star") {
  return read_star(
      MemorySource(name, reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

const char* kRelion30 = "data_\n"
                        "\n"
                        "loop_\n"
                        "_rlnImageName #1\n"
                        "_rlnMicrographName #2\n"
                        "_rlnDefocusU #3\n"
                        "_rlnMagnification #4\n"
                        "_rlnDetectorPixelSize #5\n"
                        "1@stack.mrcs mic1.mrc 15301.1 38168 5\n"
                        "2@stack.mrcs mic1.mrc 15303.0 38168 5\n"
                        "3@stack.mrcs mic2.mrc 15150.7 38168 5\n";

const char* kRelion31 = "\n"
                        "# version 30001\n"
                        "\n"
                        "data_optics\n"
                        "\n"
                        "loop_ \n"
                        "_rlnOpticsGroup #1 \n"
                        "_rlnOpticsGroupName #2 \n"
                        "_rlnImagePixelSize #3 \n"
                        "_rlnMicrographOriginalPixelSize #4 \n"
                        "           1 opticsGroup1     2.806000     1.403000 \n"
                        "           2 opticsGroup2     1.100000     0.550000 \n"
                        " \n"
                        "\n"
                        "# version 30001\n"
                        "\n"
                        "data_particles\n"
                        "\n"
                        "loop_ \n"
                        "_rlnImageName #1 \n"
                        "_rlnDefocusU #2 \n"
                        "_rlnOpticsGroup #3 \n"
                        "000001@Particles/a.mrcs 13108.082418 1 \n"
                        "000002@Particles/a.mrcs 12906.018499 2 \n"
                        "000003@Particles/b.mrcs abc 1 \n"
                        "000004@Particles/b.mrcs 1.5 7 \n";

} // namespace

class TestStar : public QObject {
  Q_OBJECT

private slots:
  void testRelion30() {
    const StarFile f = parse(kRelion30);
    QCOMPARE(f.blocks.size(), std::size_t(1));
    QCOMPARE(f.version, std::string());
    const StarTable& t = f.main_table();
    QCOMPARE(t.name(), std::string());
    QVERIFY(t.is_loop());
    QCOMPARE(t.rows(), std::size_t(3));
    QCOMPARE(t.columns(), std::size_t(5));
    QCOMPARE(t.labels()[2], std::string("rlnDefocusU"));
    QCOMPARE(t.value(1, "rlnMicrographName"), std::string("mic1.mrc"));
    QCOMPARE(t.get_double(2, "rlnDefocusU"), 15150.7);
    QCOMPARE(t.get_int(0, "rlnMagnification"), std::int64_t(38168));
    QCOMPARE(f.star_style(), std::string("relion3.0"));
    QVERIFY(!f.optics());
    QVERIFY(!f.optics_for_row(0));
    const auto px = f.pixel_size_A(0);
    QVERIFY(px.has_value());
    QCOMPARE(*px, 5.0 * 10000.0 / 38168.0);
    QCOMPARE(t.get_image_ref(2, "rlnImageName"), (ImageRef{3, "stack.mrcs"}));
  }

  void testRelion31() {
    const StarFile f = parse(kRelion31);
    QCOMPARE(f.version, std::string("30001"));
    QCOMPARE(f.blocks.size(), std::size_t(2));
    QCOMPARE(f.star_style(), std::string("relion3.1 with data_optics"));
    const StarTable& main = f.main_table();
    QCOMPARE(main.name(), std::string("particles"));
    QCOMPARE(main.rows(), std::size_t(4));
    QCOMPARE(f.optics()->rows(), std::size_t(2));
    QCOMPARE(f.optics()->value(1, "rlnOpticsGroupName"), std::string("opticsGroup2"));
    QCOMPARE(f.optics_for_row(0), std::optional<std::size_t>(0));
    QCOMPARE(f.optics_for_row(1), std::optional<std::size_t>(1));
    // rlnImagePixelSize of the row's optics group, not rlnMicrographOriginalPixelSize.
    QCOMPARE(f.pixel_size_A(0), std::optional<double>(2.806));
    QCOMPARE(f.pixel_size_A(1), std::optional<double>(1.1));
    ATELIER_VERIFY_THROWS(f.optics_for_row(3), FormatError,
                          "mem.star: data_particles, row 4: optics group 7 is not in data_optics");
  }

  void testOpticsWithoutGroupColumn() {
    const StarFile one = parse("data_optics\nloop_\n_rlnOpticsGroup\n_rlnMicrographPixelSize\n"
                               "1 0.85\n"
                               "data_micrographs\nloop_\n_rlnMicrographName\nm1.mrc\n");
    QCOMPARE(one.optics_for_row(0), std::optional<std::size_t>(0));
    QCOMPARE(one.pixel_size_A(0), std::optional<double>(0.85));
    const StarFile two = parse("data_optics\nloop_\n_rlnOpticsGroup\n_rlnMicrographPixelSize\n"
                               "1 0.85\n2 0.9\n"
                               "data_movies\nloop_\n_rlnMicrographMovieName\nm1.tif\n");
    QCOMPARE(two.main_table().name(), std::string("movies"));
    ATELIER_VERIFY_THROWS(two.optics_for_row(0), FormatError,
                          "mem.star: data_movies has no column _rlnOpticsGroup but data_optics "
                          "has 2 groups");
  }

  void testPixelSizeSources_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<double>("expected"); // 0: none
    QTest::newRow("row rlnPixelSize") << "data_\nloop_\n_rlnPixelSize\n_rlnX\n1.5 2\n" << 1.5;
    QTest::newRow("row image size wins")
        << "data_\nloop_\n_rlnPixelSize\n_rlnImagePixelSize\n1.5 2.5\n"
        << 2.5;
    QTest::newRow("detector / magnification")
        << "data_\nloop_\n_rlnDetectorPixelSize\n_rlnMagnification\n14 100000\n"
        << 1.4;
    QTest::newRow("negative is absent") << "data_\nloop_\n_rlnPixelSize\n-1\n" << 0.0;
    QTest::newRow("none") << "data_\nloop_\n_rlnVoltage\n300\n" << 0.0;
    QTest::newRow("micrograph original")
        << "data_optics\nloop_\n_rlnOpticsGroup\n_rlnMicrographOriginalPixelSize\n1 0.5\n"
           "data_movies\nloop_\n_rlnMicrographMovieName\n_rlnOpticsGroup\nm.tif 1\n"
        << 0.5;
  }
  void testPixelSizeSources() {
    QFETCH(QString, text);
    QFETCH(double, expected);
    const StarFile f = parse(text.toStdString());
    const auto px = f.pixel_size_A(0);
    if (expected == 0.0) {
      QVERIFY(!px.has_value());
    } else {
      QVERIFY(px.has_value());
      QVERIFY(std::abs(*px - expected) < 1e-12);
    }
  }

  void testKeyValueBlocks() {
    const StarFile f = parse("data_model_general\n"
                             "_rlnReferenceDimensionality   3\n"
                             "_rlnFinalResolution  4.25 # a comment\n"
                             "_rlnComment 'two words'\n"
                             "\n"
                             "data_model_classes\n"
                             "loop_\n"
                             "_rlnReferenceImage #1\n"
                             "_rlnClassDistribution #2\n"
                             "1@ref.mrcs 0.5\n"
                             "2@ref.mrcs 0.5\n");
    QCOMPARE(f.blocks.size(), std::size_t(2));
    const StarTable& general = *f.find_block("model_general");
    QVERIFY(!general.is_loop());
    QCOMPARE(general.rows(), std::size_t(1));
    QCOMPARE(general.columns(), std::size_t(3));
    QCOMPARE(general.get_int(0, "rlnReferenceDimensionality"), std::int64_t(3));
    QCOMPARE(general.get_double(0, "_rlnFinalResolution"), 4.25);
    QCOMPARE(general.value("rlnComment"), std::string("two words"));
    QCOMPARE(f.main_table().name(), std::string("model_classes"));
    QCOMPARE(f.main_table().rows(), std::size_t(2));
    QCOMPARE(f.star_style(), std::string("relion3.0"));
  }

  void testQuotedValues_data() {
    QTest::addColumn<QString>("cell");
    QTest::addColumn<QString>("value");
    QTest::newRow("single") << "'a b'"
                            << "a b";
    QTest::newRow("double") << "\"x  y\""
                            << "x  y";
    QTest::newRow("empty single") << "''"
                                  << "";
    QTest::newRow("empty double") << "\"\""
                                  << "";
    QTest::newRow("apostrophe inside") << "'it's'"
                                       << "it's";
    QTest::newRow("double inside double") << "\"say \"hi\"\""
                                          << "say \"hi\"";
    QTest::newRow("hash inside") << "'# not a comment'"
                                 << "# not a comment";
    QTest::newRow("underscore") << "'_rlnX'"
                                << "_rlnX";
    QTest::newRow("keyword") << "'data_x'"
                             << "data_x";
    QTest::newRow("plain with quote") << "ab'c"
                                      << "ab'c";
    QTest::newRow("plain with hash") << "a#b"
                                     << "a#b";
  }
  void testQuotedValues() {
    QFETCH(QString, cell);
    QFETCH(QString, value);
    const StarFile f =
        parse("data_t\nloop_\n_rlnA\n_rlnB\n" + cell.toStdString() + " 7 # trailing\n");
    QCOMPARE(f.main_table().rows(), std::size_t(1));
    QCOMPARE(f.main_table().value(0, std::size_t(0)), value.toStdString());
    QCOMPARE(f.main_table().get_int(0, "rlnB"), std::int64_t(7));
  }

  void testCommentsBlankLinesCrlf() {
    const StarFile f = parse("# leading comment\r\n"
                             "\r\n"
                             "data_t   # block comment\r\n"
                             "\t\r\n"
                             "loop_\r\n"
                             "_rlnA #1\r\n"
                             "# between labels\r\n"
                             "_rlnB\t#2\r\n"
                             "1\t2\r\n"
                             "   # between rows\r\n"
                             "\r\n"
                             "3 4 #trailing\r\n");
    const StarTable& t = f.main_table();
    QCOMPARE(t.name(), std::string("t"));
    QCOMPARE(t.columns(), std::size_t(2));
    QCOMPARE(t.rows(), std::size_t(2));
    QCOMPARE(t.value(1, "rlnB"), std::string("4"));
    QCOMPARE(f.version, std::string());
  }

  void testDoubleUnderscoreLabels() {
    // Exactly one underscore is the STAR marker; a second belongs to the name.
    const std::string text = "data_t\nloop_\n_x #1\n__x #2\n1 2\ndata_k\n_a 1\n__a 2\n";
    const StarFile f = parse(text);
    QCOMPARE(f.blocks[0].labels(), (std::vector<std::string>{"x", "_x"}));
    QCOMPARE(f.blocks[0].value(0, "__x"), std::string("2"));
    QCOMPARE(f.blocks[1].value("a"), std::string("1"));
    QCOMPARE(f.blocks[1].value("__a"), std::string("2"));
    const std::string written = format_star(f);
    QCOMPARE(parse(written), f);
    QCOMPARE(format_star(parse(written)), written);
  }

  void testEmptyLoop() {
    const StarFile f = parse("data_particles\nloop_\n_rlnImageName #1\n_rlnX #2\n");
    QCOMPARE(f.main_table().rows(), std::size_t(0));
    QCOMPARE(f.main_table().columns(), std::size_t(2));
  }

  void testWideAndLongTables() {
    // Label lookups are indexed: 50k columns or keys must not take quadratic time.
    std::string wide = "data_w\nloop_\n";
    std::string row;
    std::string pairs = "data_k\n";
    for (int i = 0; i < 50000; ++i) {
      wide += "_c" + std::to_string(i) + "\n";
      row += std::to_string(i) + " ";
      pairs += "_k" + std::to_string(i) + " " + std::to_string(i) + "\n";
    }
    const StarFile w = parse(wide + row + "\n" + row + "\n");
    QCOMPARE(w.main_table().columns(), std::size_t(50000));
    QCOMPARE(w.main_table().rows(), std::size_t(2));
    QCOMPARE(w.main_table().get_int(1, "c49999"), std::int64_t(49999));
    const StarFile k = parse(pairs);
    QCOMPARE(k.blocks[0].columns(), std::size_t(50000));
    QCOMPARE(k.blocks[0].get_int(0, "_k12345"), std::int64_t(12345));
  }

  void testColumnLookup() {
    const StarFile f = parse(kRelion30);
    const StarTable& t = f.main_table();
    QCOMPARE(t.find_column("rlnDefocusU"), std::optional<std::size_t>(2));
    QCOMPARE(t.find_column("_rlnDefocusU"), std::optional<std::size_t>(2));
    QVERIFY(!t.find_column("DefocusU"));
    QVERIFY(!t.find_column("rlndefocusu"));
    QCOMPARE(t.find_column_relaxed("DefocusU"), std::optional<std::size_t>(2));
    QCOMPARE(t.find_column_relaxed("_DefocusU"), std::optional<std::size_t>(2));
    QCOMPARE(t.find_column_relaxed("rlnDefocusU"), std::optional<std::size_t>(2));
    QVERIFY(!t.find_column_relaxed("DefocusV"));
  }

  void testTypedAccessorErrors() {
    const StarFile f = parse(kRelion31);
    const StarTable& t = f.main_table();
    QCOMPARE(t.get_double(3, "rlnDefocusU"), 1.5);
    ATELIER_VERIFY_THROWS(t.get_double(2, "rlnDefocusU"), FormatError,
                          "mem.star: data_particles, row 3, column _rlnDefocusU: 'abc' is not a "
                          "number");
    ATELIER_VERIFY_THROWS(t.get_int(3, "rlnDefocusU"), FormatError,
                          "mem.star: data_particles, row 4, column _rlnDefocusU: '1.5' is not an "
                          "integer");
    ATELIER_VERIFY_THROWS(t.get_double(0, "rlnDefocusV"), FormatError,
                          "mem.star: data_particles has no column _rlnDefocusV");
    ATELIER_VERIFY_THROWS(t.value(4, std::size_t(0)), FormatError,
                          "mem.star: data_particles: row 5 is past the last row (4)");
    ATELIER_VERIFY_THROWS(t.value(0, std::size_t(3)), FormatError,
                          "mem.star: data_particles: column index 3 is past the last column (3 "
                          "columns)");
    const StarFile big = parse("data_\nloop_\n_rlnA\n_rlnB\n99999999999999999999 +2.5\n");
    ATELIER_VERIFY_THROWS(big.main_table().get_int(0, "rlnA"), FormatError,
                          "mem.star: data_, row 1, column _rlnA: '99999999999999999999' is out of "
                          "the range of a 64-bit integer");
    QCOMPARE(big.main_table().get_double(0, "rlnB"), 2.5);
    const StarFile badref = parse("data_\nloop_\n_rlnImageName\nx@a.mrcs\n");
    ATELIER_VERIFY_THROWS(badref.main_table().get_image_ref(0, "rlnImageName"), FormatError,
                          "mem.star: data_, row 1, column _rlnImageName: image reference "
                          "'x@a.mrcs': 'x' is not a positive image index");
    const StarFile kv = parse("data_g\n_rlnA abc\n");
    ATELIER_VERIFY_THROWS(kv.find_block("g")->get_double(0, "rlnA"), FormatError,
                          "mem.star: data_g, column _rlnA: 'abc' is not a number");
  }

  void testImageRefs_data() {
    QTest::addColumn<QString>("ref");
    QTest::addColumn<qlonglong>("index");
    QTest::addColumn<QString>("path");
    QTest::newRow("padded") << "000012@Particles/a.mrcs" << 12LL << "Particles/a.mrcs";
    QTest::newRow("plain") << "7@s.mrcs" << 7LL << "s.mrcs";
    QTest::newRow("whole file") << "mic.mrc" << 0LL << "mic.mrc";
    QTest::newRow("absolute") << "3@/data/s.mrcs" << 3LL << "/data/s.mrcs";
    QTest::newRow("at in path") << "2@dir@x/s.mrcs" << 2LL << "dir@x/s.mrcs";
  }
  void testImageRefs() {
    QFETCH(QString, ref);
    QFETCH(qlonglong, index);
    QFETCH(QString, path);
    const ImageRef r = parse_image_ref(ref.toStdString());
    QCOMPARE(r.index, std::int64_t(index));
    QCOMPARE(r.path, path.toStdString());
  }

  void testImageRefErrors_data() {
    QTest::addColumn<QString>("ref");
    QTest::addColumn<QString>("message");
    QTest::newRow("zero") << "0@a.mrcs"
                          << "image reference '0@a.mrcs': '0' is not a positive image index";
    QTest::newRow("negative") << "-1@a.mrcs"
                              << "'-1' is not a positive image index";
    QTest::newRow("empty index") << "@a.mrcs"
                                 << "'' is not a positive image index";
    QTest::newRow("letters") << "1x@a.mrcs"
                             << "'1x' is not a positive image index";
    QTest::newRow("overflow") << "99999999999999999999@a.mrcs"
                              << "'99999999999999999999' is not a positive image index";
    QTest::newRow("no path") << "5@"
                             << "image reference '5@' names no file";
    QTest::newRow("empty") << ""
                           << "image reference '' names no file";
  }
  void testImageRefErrors() {
    QFETCH(QString, ref);
    QFETCH(QString, message);
    const std::string expected = message.toStdString();
    ATELIER_VERIFY_THROWS(parse_image_ref(ref.toStdString()), Error, expected.c_str());
  }

  void testResolveRelative() {
    QCOMPARE(resolve_relative("/data/job1/particles.star", "stack.mrcs"),
             std::string("/data/job1/stack.mrcs"));
    QCOMPARE(resolve_relative("/data/job1/particles.star", "Extract/s.mrcs"),
             std::string("/data/job1/Extract/s.mrcs"));
    QCOMPARE(resolve_relative("/data/job1/particles.star", "/abs/s.mrcs"),
             std::string("/abs/s.mrcs"));
    QCOMPARE(resolve_relative("particles.star", "s.mrcs"), std::string("s.mrcs"));
    QCOMPARE(resolve_relative("rel/particles.star", "s.mrcs"), std::string("rel/s.mrcs"));
  }

  void testCorrupt_data() {
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("reason"); // after "<path>: "
    QTest::newRow("ragged short") << QByteArray("data_\nloop_\n_rlnA\n_rlnB\n_rlnC\n1 2 3\n4 5\n")
                                  << "line 7: row has 2 values, the loop has 3 columns";
    QTest::newRow("ragged long") << QByteArray("data_\n\nloop_\n_rlnA #1\n_rlnB #2\n1 2 3\n")
                                 << "line 6: row has 3 values, the loop has 2 columns";
    QTest::newRow("unterminated single")
        << QByteArray("data_\nloop_\n_rlnA\n_rlnB\n'a b 2\n") << "line 5: unterminated ' quote";
    QTest::newRow("unterminated double")
        << QByteArray("data_k\n_rlnA \"oops\n") << "line 2: unterminated \" quote";
    QTest::newRow("loop without columns, row")
        << QByteArray("data_\n\nloop_\n1 2 3\n") << "line 3: loop_ in data_ has no column labels";
    QTest::newRow("loop without columns, eof")
        << QByteArray("data_x\nloop_\n\n") << "line 2: loop_ in data_x has no column labels";
    QTest::newRow("loop without columns, next block")
        << QByteArray("data_x\nloop_\ndata_y\n") << "line 2: loop_ in data_x has no column labels";
    QTest::newRow("binary garbage") << QByteArray("\x7f"
                                                  "ELF\x02\x01\x01\x00\x00",
                                                  9)
                                    << "line 1: binary data (byte 0x7f)";
    QTest::newRow("nul in row") << QByteArray("data_\nloop_\n_rlnA\n1\x00\n", 21)
                                << "line 4: binary data (byte 0x00)";
    QTest::newRow("text garbage") << QByteArray("hello world\n")
                                  << "line 1: expected a data_ block, found 'hello'";
    QTest::newRow("empty") << QByteArray("") << "no data_ block found";
    QTest::newRow("only comments") << QByteArray("# nothing\n\n") << "no data_ block found";
    QTest::newRow("text field") << QByteArray("data_\n_rlnA\n;\nlong text\n;\n")
                                << "line 2: _rlnA has no value";
    QTest::newRow("text field start") << QByteArray("data_\nloop_\n_rlnA\n;text\n")
                                      << "line 4: multi-line ';' text fields are not supported";
    QTest::newRow("key with two values")
        << QByteArray("data_\n_rlnA 1 2\n") << "line 2: _rlnA has 2 values (expected one)";
    QTest::newRow("pairs then loop")
        << QByteArray("data_g\n_rlnA 1\nloop_\n_rlnB\n")
        << "line 3: loop_ in data_g, which holds key-value pairs (a block holds pairs or one "
           "loop, not both)";
    QTest::newRow("loop then pair")
        << QByteArray("data_g\nloop_\n_rlnB\n1\n_rlnA 1\n")
        << "line 5: _rlnA after the rows of the loop in data_g (a block holds pairs or one loop, "
           "not both)";
    QTest::newRow("second loop")
        << QByteArray("data_g\nloop_\n_rlnB\n1\nloop_\n_rlnC\n")
        << "line 5: second loop_ in data_g (one loop per data block is supported)";
    QTest::newRow("duplicate label") << QByteArray("data_g\nloop_\n_rlnB #1\n_rlnB #2\n")
                                     << "line 4: duplicate column label _rlnB in data_g";
    QTest::newRow("duplicate key")
        << QByteArray("data_g\n_rlnB 1\n_rlnB 2\n") << "line 3: duplicate key _rlnB in data_g";
    QTest::newRow("label followed by value") << QByteArray("data_g\nloop_\n_rlnB 5\n")
                                             << "line 3: column label _rlnB is followed by '5'";
    QTest::newRow("value in pairs block")
        << QByteArray("data_g\n\n12 13\n")
        << "line 3: unexpected '12' in data_g (expected loop_ or _key value)";
    QTest::newRow("save frame") << QByteArray("data_g\nsave_frame\n")
                                << "line 2: unsupported STAR keyword 'save_frame'";
    QTest::newRow("loop before block")
        << QByteArray("loop_\n_rlnA\n") << "line 1: loop_ before any data_ block";
    QTest::newRow("junk after data_")
        << QByteArray("data_a b\n") << "line 1: unexpected 'b' after data_a";
    QTest::newRow("bare underscore")
        << QByteArray("data_a\nloop_\n_\n") << "line 3: empty label '_'";
  }
  void testCorrupt() {
    QFETCH(QByteArray, bytes);
    QFETCH(QString, reason);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("bad.star").toStdString();
    test::write_file(path, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    const std::string expected = path + ": " + reason.toStdString();
    ATELIER_VERIFY_THROWS(read_star(path), FormatError, expected.c_str());
    ATELIER_VERIFY_THROWS(inspect_star(path), FormatError, expected.c_str());
  }

  void testMissingFile() {
    ATELIER_VERIFY_THROWS(read_star(std::string("/nonexistent/x.star")), FormatError,
                          "/nonexistent/x.star: cannot open");
  }

  void testInspect() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("p.star").toStdString();
    test::write_text(path, kRelion31);
    const FileInfo info = inspect_star(path);
    QCOMPARE(info.rows, std::optional<std::uint64_t>(4));
    QCOMPARE(std::get<std::string>(*info.find_extra("star_style")),
             std::string("relion3.1 with data_optics"));
    QCOMPARE(std::get<std::string>(*info.find_extra("blocks")),
             std::string("data_optics,data_particles"));
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("columns")), std::int64_t(3));
    QCOMPARE(std::get<std::int64_t>(*info.find_extra("optics_groups")), std::int64_t(2));
    QCOMPARE(std::get<double>(*info.find_extra("pixel_size_A")), 2.806);
    QVERIFY(info.spacing.known());
    QCOMPARE(info.spacing.xyz[0], 2.806);
    QCOMPARE(info.spacing.xyz[1], 2.806);
    QCOMPARE(info.spacing.unit, std::string("A"));
    QVERIFY(info.spacing.source == PixelSizeSource::star_file);
    QVERIFY(info.dims.empty());
    QVERIFY(!info.stats.has_value());

    const std::string p30 = dir.filePath("p30.star").toStdString();
    test::write_text(p30, "data_\nloop_\n_rlnImageName\n_rlnVoltage\n1@s.mrcs 300\n");
    const FileInfo i30 = inspect_star(p30);
    QCOMPARE(i30.rows, std::optional<std::uint64_t>(1));
    QCOMPARE(std::get<std::string>(*i30.find_extra("star_style")), std::string("relion3.0"));
    QCOMPARE(std::get<std::string>(*i30.find_extra("blocks")), std::string("data_"));
    QVERIFY(!i30.find_extra("optics_groups"));
    QVERIFY(!i30.find_extra("pixel_size_A"));
    QVERIFY(!i30.spacing.known());
  }

  void testWriterGolden() {
    StarFile f;
    f.version = "30001";
    StarTable& opt = f.add_block("optics", true);
    opt.add_column("rlnOpticsGroup");
    opt.add_column("_rlnOpticsGroupName");
    opt.add_column("rlnImagePixelSize");
    opt.add_row({"1", "opticsGroup1", "2.806"});
    opt.add_row({"12", "g2", "0.5"});
    StarTable& gen = f.add_block("general", false);
    gen.set("rlnA", "1");
    gen.set("_rlnLonger", "two words");
    StarTable& p = f.add_block("particles", true);
    p.add_column("rlnImageName");
    p.add_column("rlnComment");
    p.add_row({"1@s.mrcs", ""});
    p.add_row({"10@s.mrcs", "it's ok"});
    const std::string expected = "# version 30001\n"
                                 "\n"
                                 "data_optics\n"
                                 "\n"
                                 "loop_\n"
                                 "_rlnOpticsGroup #1\n"
                                 "_rlnOpticsGroupName #2\n"
                                 "_rlnImagePixelSize #3\n"
                                 " 1 opticsGroup1 2.806\n"
                                 "12 g2             0.5\n"
                                 "\n"
                                 "# version 30001\n"
                                 "\n"
                                 "data_general\n"
                                 "\n"
                                 "_rlnA      1\n"
                                 "_rlnLonger 'two words'\n"
                                 "\n"
                                 "# version 30001\n"
                                 "\n"
                                 "data_particles\n"
                                 "\n"
                                 "loop_\n"
                                 "_rlnImageName #1\n"
                                 "_rlnComment #2\n"
                                 "1@s.mrcs  ''\n"
                                 "10@s.mrcs 'it's ok'\n";
    QCOMPARE(format_star(f), expected);
    QCOMPARE(parse(expected), f);
  }

  void testRoundTripTrickyValues() {
    StarFile f;
    StarTable& t = f.add_block("t", true);
    t.add_column("rlnV");
    t.add_column("rlnW");
    const std::vector<std::string> tricky = {
        "",       " ",         "a b",    "it's",      "it' s",   "say \" hi",
        "'",      "\"",        "'\"",    "' \"",      "#x",      "_rlnX",
        "data_x", "loop_",     "save_a", "stop_",     "global_", ";semi",
        "a;b",    "tab\there", "x#y",    "12@a",      "-1.5e3",  "\xc3\xa9t\xc3\xa9",
        "''",     "\"\"",      "a''",    "trailing ",
    };
    for (const auto& v : tricky)
      t.add_row({v, v});
    StarTable& kv = f.add_block("", false);
    for (std::size_t i = 0; i < tricky.size(); ++i)
      kv.set("rlnK" + std::to_string(i), tricky[i]);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string a = dir.filePath("a.star").toStdString();
    const std::string b = dir.filePath("b.star").toStdString();
    write_star(a, f);
    const StarFile back = read_star(a);
    QCOMPARE(back, f);
    for (std::size_t i = 0; i < tricky.size(); ++i)
      QCOMPARE(back.blocks[0].value(i, std::size_t(0)), tricky[i]);
    write_star(b, back);
    QCOMPARE(test::read_file(a), test::read_file(b));
    // No temporary files left behind.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);
  }

  void testRoundTripHandWritten_data() {
    QTest::addColumn<QString>("text");
    QTest::newRow("3.0") << QString(kRelion30);
    QTest::newRow("3.1") << QString(kRelion31);
    QTest::newRow("pairs") << "data_g\n_rlnA 1\n_rlnB 'x y'\ndata_\nloop_\n_rlnC\n";
  }
  void testRoundTripHandWritten() {
    QFETCH(QString, text);
    const StarFile first = parse(text.toStdString());
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string a = dir.filePath("a.star").toStdString();
    const std::string b = dir.filePath("b.star").toStdString();
    write_star(a, first);
    const StarFile second = read_star(a);
    QCOMPARE(second, first);
    QCOMPARE(second.source, a);
    write_star(b, second);
    QCOMPARE(test::read_file(a), test::read_file(b));
    // Overwriting an existing file replaces it.
    write_star(a, parse("data_x\n_rlnA 1\n"));
    QCOMPARE(read_star(a).blocks.size(), std::size_t(1));
  }

  void testWriterRejects() {
    StarFile nl;
    nl.add_block("t", true).add_column("rlnA");
    nl.blocks[0].add_row({"two\nlines"});
    ATELIER_VERIFY_THROWS(format_star(nl), Error,
                          "data_t, row 1, column _rlnA: the value holds a newline or control "
                          "byte, which STAR cannot hold");
    QTemporaryDir dir;
    const std::string path = dir.filePath("x.star").toStdString();
    const std::string expected = path + ": data_t, row 1";
    ATELIER_VERIFY_THROWS(write_star(path, nl), FormatError, expected.c_str());
    QVERIFY(!QFile::exists(QString::fromStdString(path)));
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 0);

    StarFile both;
    both.add_block("k", false).set("rlnA", "a' b\" c");
    ATELIER_VERIFY_THROWS(format_star(both), Error,
                          "data_k, _rlnA: the value holds both ' and \" before a blank");
    StarFile nocols;
    nocols.add_block("e", true);
    ATELIER_VERIFY_THROWS(format_star(nocols), Error, "data_e: a loop needs at least one column");
    StarFile badname;
    badname.add_block("a b", false);
    ATELIER_VERIFY_THROWS(format_star(badname), Error,
                          "block name 'a b' holds whitespace or a control byte");
    ATELIER_VERIFY_THROWS(write_star("/nonexistent/dir/x.star", nl), FormatError,
                          "/nonexistent/dir/x.star: data_t");
    StarFile ok;
    ok.add_block("e", false);
    ATELIER_VERIFY_THROWS(write_star("/nonexistent/dir/x.star", ok), FormatError,
                          "/nonexistent/dir/x.star: cannot create");
  }

  void testModelMisuse() {
    StarTable t("t", true);
    t.add_column("rlnA");
    ATELIER_VERIFY_THROWS(t.add_column("_rlnA"), Error, "data_t: duplicate column label _rlnA");
    ATELIER_VERIFY_THROWS(t.add_row({"1", "2"}), Error,
                          "data_t: row has 2 values, the loop has 1 columns");
    t.add_row({"1"});
    ATELIER_VERIFY_THROWS(t.add_column("rlnB"), Error,
                          "data_t: cannot add column _rlnB to a loop that has rows");
    ATELIER_VERIFY_THROWS(t.set("rlnA", "2"), Error, "data_t: set() on a loop");
    StarTable kv("g", false);
    kv.set("rlnA", "1");
    kv.set("_rlnA", "2"); // replaces
    QCOMPARE(kv.columns(), std::size_t(1));
    QCOMPARE(kv.value("rlnA"), std::string("2"));
    ATELIER_VERIFY_THROWS(kv.add_row({"x"}), Error, "data_g: add_row() on a key-value block");
    ATELIER_VERIFY_THROWS(kv.add_column("rlnB"), Error,
                          "data_g: add_column() on a key-value block (use set())");
    StarFile none;
    none.add_block("g", false).set("rlnA", "1");
    QVERIFY(!none.find_main_table());
    ATELIER_VERIFY_THROWS(none.main_table(), FormatError, "no data table (loop_) in the file");
    QCOMPARE(none.star_style(), std::string("relion3.0"));
    StarFile plain;
    plain.add_block("x", true).add_column("a");
    QCOMPARE(plain.star_style(), std::string("star"));
  }
};

QTEST_APPLESS_MAIN(TestStar)
#include "test_star.moc"

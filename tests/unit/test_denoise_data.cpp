// Unit tests of the denoise recipe's data side: pair lists and the split,
// micrograph loading and normalisation, crop / flip / rot90 geometry on
// hand-made images, counter-based sampling, the loader pool (batches, cache,
// prefetch, errors), the stand-in simulator and PSNR.
#include "core/base/error.h"
#include "core/data/image.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/recipes/denoise/crop_sampler.h"
#include "core/recipes/denoise/image_quality.h"
#include "core/recipes/denoise/pair_image.h"
#include "core/recipes/denoise/pair_list.h"
#include "core/recipes/denoise/pair_loader.h"
#include "core/recipes/denoise/run_normalisation.h"
#include "core/recipes/denoise/simulate_pairs.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <tuple>

using namespace atelier;
using namespace atelier::denoise;
using atelier::test::write_text;

namespace {

Image float_image(std::int64_t w, std::int64_t h, const std::vector<float>& v,
                  double pixel_A = 0.0) {
  Image img(w, h, 1, DType::f32);
  std::memcpy(img.bytes(), v.data(), v.size() * sizeof(float));
  if (pixel_A > 0) {
    img.spacing.xyz = {pixel_A, pixel_A, pixel_A};
    img.spacing.unit = "A";
  }
  return img;
}

// h x w image with value y * 10 + x (y * 100 + x when wide).
std::vector<float> coordinate_image(int h, int w, int row_factor = 10) {
  std::vector<float> v(static_cast<std::size_t>(h * w));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      v[static_cast<std::size_t>(y * w + x)] = float(y * row_factor + x);
  return v;
}

using Grid = std::vector<std::vector<float>>;

Grid to_grid(const std::vector<float>& v, int n) {
  Grid g(static_cast<std::size_t>(n), std::vector<float>(static_cast<std::size_t>(n)));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      g[i][j] = v[static_cast<std::size_t>(i * n + j)];
  return g;
}

// Reference transforms on grids, built from single steps (numpy semantics).
Grid mirror_lr(const Grid& m) {
  Grid o = m;
  for (auto& row : o)
    std::reverse(row.begin(), row.end());
  return o;
}
Grid mirror_ud(const Grid& m) {
  return Grid(m.rbegin(), m.rend());
}
Grid rot90_once(const Grid& m) { // numpy.rot90(m, 1): counter-clockwise
  const std::size_t n = m.size();
  Grid o(n, std::vector<float>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      o[i][j] = m[j][n - 1 - i];
  return o;
}

std::vector<float> crop_of(const std::vector<float>& img, int h, int w, const CropDraw& d) {
  std::vector<float> out(static_cast<std::size_t>(d.size * d.size), -1.0f);
  cut_crop(img.data(), h, w, d, out.data());
  return out;
}

double stddev(const std::vector<float>& v) {
  return image_statistics(v).std;
}

} // namespace

class TestDenoiseData : public QObject {
  Q_OBJECT

private:
  QTemporaryDir dir_;
  std::string path(const std::string& name) const {
    return (std::filesystem::path(dir_.path().toStdString()) / name).string();
  }
  // A small valid MRC (the pair list only checks that files exist).
  void touch_mrc(const std::string& p) {
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    write_mrc(p, float_image(4, 4, std::vector<float>(16, 1.0f)));
  }

private slots:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  // ---- pair lists ---------------------------------------------------------

  void pairListValid() {
    touch_mrc(path("pl/odd_0.mrc"));
    touch_mrc(path("pl/even_0.mrc"));
    touch_mrc(path("pl/with space/odd 1.mrc"));
    touch_mrc(path("pl/with space/even 1.mrc"));
    touch_mrc(path("pl/sub/o#2.mrc"));
    touch_mrc(path("abs_even.mrc"));
    const std::string list = path("pl/pairs.txt");
    write_text(list, "# header comment\n"
                     "\n"
                     "odd_0.mrc   even_0.mrc\n"
                     "   \t  \n"
                     "\"with space/odd 1.mrc\"\t\"with space/even 1.mrc\"  # trailing comment\r\n"
                     "sub/o#2.mrc " +
                         path("abs_even.mrc") +
                         "\n"
                         "  # indented comment\n"
                         "\"with space\"/\"odd 1.mrc\" ./sub/../even_0.mrc"); // no final newline
    const auto pairs = read_pair_list(list);
    QCOMPARE(pairs.size(), std::size_t(4));
    QCOMPARE(pairs[0].odd_path, path("pl/odd_0.mrc"));
    QCOMPARE(pairs[0].even_path, path("pl/even_0.mrc"));
    QCOMPARE(pairs[1].odd_path, path("pl/with space/odd 1.mrc"));
    QCOMPARE(pairs[1].even_path, path("pl/with space/even 1.mrc"));
    QCOMPARE(pairs[2].odd_path, path("pl/sub/o#2.mrc")); // '#' inside a token is part of it
    QCOMPARE(pairs[2].even_path, path("abs_even.mrc"));  // absolute path kept
    QCOMPARE(pairs[3].odd_path, path("pl/with space/odd 1.mrc"));
    QCOMPARE(pairs[3].even_path, path("pl/even_0.mrc")); // normalised
  }

  void pairListErrors_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("names_list"); // error path: the list (true) or an image
    QTest::addColumn<QString>("image");   // the image named when names_list is false
    QTest::addColumn<QString>("reason");
    QTest::newRow("one path") << "a.mrc b.mrc\nc.mrc\n"
                              << true << ""
                              << "line 2: expected 2 paths (odd even), found 1";
    QTest::newRow("three paths") << "# c\n\na.mrc b.mrc a.mrc\n"
                                 << true << ""
                                 << "line 3: expected 2 paths (odd even), found 3";
    QTest::newRow("unterminated quote") << "a.mrc \"b.mrc\n"
                                        << true << ""
                                        << "line 1: unterminated quote";
    QTest::newRow("empty quoted path") << "a.mrc \"\"\n"
                                       << true << ""
                                       << "line 1: empty path \"\"";
    QTest::newRow("nul byte") << QString("a.mrc b") + QChar(0) + ".mrc\n"
                              << true << ""
                              << "line 1: NUL byte in a path";
    QTest::newRow("only comments") << "# nothing\n\n   \n"
                                   << true << ""
                                   << "no image pairs listed";
    QTest::newRow("missing odd") << "a.mrc b.mrc\nmissing.mrc b.mrc\n"
                                 << false << "missing.mrc"
                                 << "image file not found (line 2 of ";
    QTest::newRow("missing even") << "a.mrc b.mrc\n\na.mrc gone.mrc\n"
                                  << false << "gone.mrc"
                                  << "image file not found (line 3 of ";
    QTest::newRow("one file as both") << "a.mrc b.mrc\nb.mrc ./b.mrc\n"
                                      << true << ""
                                      << "line 2: odd and even are the same file ";
    QTest::newRow("folder as image") << "a.mrc sub\n"
                                     << false << "sub"
                                     << "not a regular file (line 1 of ";
  }
  void pairListErrors() {
    QFETCH(QString, text);
    QFETCH(bool, names_list);
    QFETCH(QString, image);
    QFETCH(QString, reason);
    touch_mrc(path("pe/a.mrc"));
    touch_mrc(path("pe/b.mrc"));
    std::filesystem::create_directories(path("pe/sub"));
    const std::string list = path("pe/list.txt");
    const QByteArray bytes = text.toUtf8();
    atelier::test::write_file(list, std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    try {
      (void)read_pair_list(list);
      QFAIL("expected FormatError");
    } catch (const FormatError& e) {
      const std::string expected_path = names_list ? list : path("pe/" + image.toStdString());
      QCOMPARE(e.path(), expected_path);
      QVERIFY2(e.reason().find(reason.toStdString()) != std::string::npos, e.what());
      if (!names_list) QVERIFY2(e.reason().find(list) != std::string::npos, e.what());
      QVERIFY(std::string(e.what()).find('\n') == std::string::npos);
    }
  }

  void pairListByteOrderMarks() {
    touch_mrc(path("bom/a.mrc"));
    touch_mrc(path("bom/b.mrc"));
    const std::string list = path("bom/list.txt");
    // UTF-8 with a byte-order mark (Windows editors): the first path reads whole.
    atelier::test::write_file(list, {0xEF, 0xBB, 0xBF, 'a', '.', 'm', 'r', 'c', ' ', 'b', '.', 'm',
                                     'r', 'c', '\r', '\n'});
    const auto pairs = read_pair_list(list);
    QCOMPARE(pairs.size(), std::size_t(1));
    QCOMPARE(pairs[0].odd_path, path("bom/a.mrc"));
    // UTF-16 is refused by name, not read as paths full of NULs.
    atelier::test::write_file(list, {0xFF, 0xFE, 'a', 0, '.', 0, 'm', 0, 'r', 0, 'c', 0});
    ATELIER_VERIFY_THROWS(read_pair_list(list), FormatError,
                          "is UTF-16 text; save the pair list as UTF-8");
  }

  void pairListUnreadable() {
    ATELIER_VERIFY_THROWS(read_pair_list(path("no_such_list.txt")), FormatError,
                          "no_such_list.txt: cannot open pair list");
    ATELIER_VERIFY_THROWS(read_pair_list(dir_.path().toStdString()), FormatError,
                          "is a folder, not a pair list");
  }

  void splitPairs() {
    std::vector<ImagePair> pairs;
    for (int i = 0; i < 20; ++i)
      pairs.push_back({"o" + std::to_string(i), "e" + std::to_string(i)});
    const auto a = split_pairs(pairs, 0.2, 7);
    const auto b = split_pairs(pairs, 0.2, 7);
    QCOMPARE(a.first.size(), std::size_t(16));
    QCOMPARE(a.second.size(), std::size_t(4));
    std::vector<std::string> va, vb;
    for (const auto& p : a.second)
      va.push_back(p.odd_path);
    for (const auto& p : b.second)
      vb.push_back(p.odd_path);
    QCOMPARE(va, vb); // same seed, same split

    // Each part keeps list order; together they are the whole list.
    std::set<std::string> all;
    for (const auto* part : {&a.first, &a.second}) {
      for (std::size_t i = 1; i < part->size(); ++i)
        QVERIFY(std::stoi((*part)[i - 1].odd_path.substr(1)) <
                std::stoi((*part)[i].odd_path.substr(1)));
      for (const auto& p : *part) {
        QCOMPARE(p.even_path, "e" + p.odd_path.substr(1));
        all.insert(p.odd_path);
      }
    }
    QCOMPARE(all.size(), std::size_t(20));

    // Another seed picks another validation set.
    bool differs = false;
    for (std::uint64_t seed = 8; seed < 12 && !differs; ++seed) {
      std::vector<std::string> vc;
      for (const auto& p : split_pairs(pairs, 0.2, seed).second)
        vc.push_back(p.odd_path);
      differs = vc != va;
    }
    QVERIFY(differs);

    QCOMPARE(split_pairs(pairs, 0.0, 1).second.size(), std::size_t(0));
    QCOMPARE(split_pairs(pairs, 0.01, 1).second.size(), std::size_t(1)); // at least one
    QCOMPARE(split_pairs(pairs, 1.0, 1).second.size(), std::size_t(19)); // one left to train
    const std::vector<ImagePair> two(pairs.begin(), pairs.begin() + 2);
    QCOMPARE(split_pairs(two, 0.1, 1).second.size(), std::size_t(1));
    const std::vector<ImagePair> one(pairs.begin(), pairs.begin() + 1);
    QCOMPARE(split_pairs(one, 0.5, 1).second.size(), std::size_t(0));
    QCOMPARE(split_pairs(one, 0.5, 1).first.size(), std::size_t(1));
    ATELIER_VERIFY_THROWS(split_pairs(pairs, 1.5, 1), Error, "outside [0, 1]");
    ATELIER_VERIFY_THROWS(split_pairs(pairs, std::nan(""), 1), Error, "outside [0, 1]");
  }

  // ---- loading and normalisation -------------------------------------------

  void normalization() {
    const std::vector<float> v{1, 2, 3, 4};
    const NormalizationRecord r = image_statistics(v);
    QCOMPARE(r.mean, 2.5);
    QVERIFY(std::abs(r.std - std::sqrt(1.25)) < 1e-12);
    std::vector<float> n = v;
    apply_normalization(n, r);
    const double s = std::sqrt(1.25);
    for (std::size_t i = 0; i < 4; ++i)
      QVERIFY(std::abs(n[i] - float((v[i] - 2.5) / s)) < 1e-6f);
    QVERIFY(std::abs(n[0] + 1.3416408f) < 1e-6f);

    // A constant image: std 0 is floored, so zeros rather than NaN.
    std::vector<float> c(9, 5.0f);
    const NormalizationRecord rc = image_statistics(c);
    QCOMPARE(rc.mean, 5.0);
    QCOMPARE(rc.std, 0.0);
    apply_normalization(c, rc);
    for (const float x : c)
      QCOMPARE(x, 0.0f);

    // normalize_pair: each half by its own statistics, or by one record.
    LoadedPair p;
    p.width = 2;
    p.height = 2;
    p.odd = {1, 2, 3, 4};
    p.even = {10, 20, 30, 40};
    LoadedPair q = p;
    normalize_pair(p);
    QCOMPARE(p.odd_record.mean, 2.5);
    QCOMPARE(p.even_record.mean, 25.0);
    QVERIFY(std::abs(p.even_record.std - 10 * std::sqrt(1.25)) < 1e-9);
    for (std::size_t i = 0; i < 4; ++i)
      QVERIFY(std::abs(p.odd[i] - p.even[i]) < 1e-6f);
    normalize_pair(q, NormalizationRecord{20.0, 4.0});
    QCOMPARE(q.odd[0], -4.75f);
    QCOMPARE(q.even[3], 5.0f);
    QCOMPARE(q.odd_record.mean, 20.0);
    QCOMPARE(q.even_record.std, 4.0);
  }

  void loadMicrograph() {
    // int16 and uint8 (stored as mode 6) widen exactly; the pixel size stays.
    Image i16(3, 2, 1, DType::i16);
    const std::int16_t vals[6] = {-300, 0, 7, 32767, -32768, 12};
    std::memcpy(i16.bytes(), vals, sizeof vals);
    i16.spacing.xyz = {1.25, 1.25, 1.25};
    i16.spacing.unit = "A";
    write_mrc(path("i16.mrc"), i16);
    const Image a = load_micrograph(path("i16.mrc"));
    QCOMPARE(a.dtype(), DType::f32);
    QCOMPARE(a.width(), std::int64_t(3));
    QCOMPARE(a.height(), std::int64_t(2));
    for (int i = 0; i < 6; ++i)
      QCOMPARE(a.values<float>()[i], float(vals[i]));
    QVERIFY(std::abs(a.spacing.xyz[0] - 1.25) < 1e-6);
    QCOMPARE(a.spacing.unit, std::string("A"));

    Image u8(2, 2, 1, DType::u8);
    const std::uint8_t b[4] = {0, 1, 200, 255};
    std::memcpy(u8.bytes(), b, 4);
    write_mrc(path("u8.mrc"), u8);
    const Image c = load_micrograph(path("u8.mrc"));
    QCOMPARE(c.values<float>()[2], 200.0f);
    QCOMPARE(c.values<float>()[3], 255.0f);

    // A stack is refused, not cut to its first section.
    std::vector<Image> frames{float_image(2, 2, {1, 2, 3, 4}), float_image(2, 2, {5, 6, 7, 8})};
    write_mrc_stack(path("stack.mrcs"), frames);
    ATELIER_VERIFY_THROWS(load_micrograph(path("stack.mrcs")), FormatError,
                          "stack.mrcs: is a stack of 2 sections");

    write_mrc(path("nan.mrc"),
              float_image(2, 2, {0, 1, std::numeric_limits<float>::quiet_NaN(), 3}));
    ATELIER_VERIFY_THROWS(load_micrograph(path("nan.mrc")), FormatError,
                          "nan.mrc: non-finite pixel value (NaN or Inf) at x=0 y=1");
    write_text(path("notes.star"), "data_\n");
    ATELIER_VERIFY_THROWS(load_micrograph(path("notes.star")), FormatError,
                          "is star, not a micrograph format");
  }

  void loadPair() {
    write_mrc(path("lp_odd.mrc"), float_image(3, 2, {1, 2, 3, 4, 5, 6}, 0.8));
    write_mrc(path("lp_even.mrc"), float_image(3, 2, {6, 5, 4, 3, 2, 1}, 0.8));
    write_mrc(path("lp_wide.mrc"), float_image(2, 3, {1, 2, 3, 4, 5, 6}, 0.8));
    const LoadedPair p = load_pair({path("lp_odd.mrc"), path("lp_even.mrc")});
    QCOMPARE(p.width, std::int64_t(3));
    QCOMPARE(p.height, std::int64_t(2));
    QCOMPARE(p.odd, (std::vector<float>{1, 2, 3, 4, 5, 6}));
    QCOMPARE(p.even, (std::vector<float>{6, 5, 4, 3, 2, 1}));
    QVERIFY(std::abs(p.spacing.xyz[0] - 0.8) < 1e-6);
    QCOMPARE(p.byte_size(), std::size_t(48));
    try {
      (void)load_pair({path("lp_odd.mrc"), path("lp_wide.mrc")});
      QFAIL("expected FormatError");
    } catch (const FormatError& e) {
      QCOMPARE(e.path(), path("lp_odd.mrc"));
      QCOMPARE(e.reason(), "size 3x2 differs from its even half " + path("lp_wide.mrc") + " (2x3)");
    }
    // A copy of the odd half as the even one: refused, naming both.
    write_mrc(path("lp_copy.mrc"), float_image(3, 2, {1, 2, 3, 4, 5, 6}, 0.8));
    ATELIER_VERIFY_THROWS(load_pair({path("lp_odd.mrc"), path("lp_copy.mrc")}), FormatError,
                          ("is identical to its even half " + path("lp_copy.mrc")).c_str());
  }

  void pairsStatisticsPoolEveryPixel() {
    // Three pairs of different sizes and scales (a large offset, as raw
    // counts have): the pooled record equals the statistics of all pixels
    // laid end to end, whatever the thread count.
    std::vector<ImagePair> pairs;
    std::vector<float> all;
    for (int i = 0; i < 3; ++i) {
      const int w = 5 + i, h = 4 + 2 * i;
      for (const char* half : {"odd", "even"}) {
        std::vector<float> v(static_cast<std::size_t>(w * h));
        for (std::size_t k = 0; k < v.size(); ++k)
          v[k] = float(1000.0 * (i + 1) + std::sin(double(k) * 0.7 + i) * (i + 2) +
                       (half[0] == 'e' ? 0.25 : 0.0));
        all.insert(all.end(), v.begin(), v.end());
        write_mrc(path("ps_" + std::string(half) + std::to_string(i) + ".mrc"),
                  float_image(w, h, v));
      }
      pairs.push_back({path("ps_odd" + std::to_string(i) + ".mrc"),
                       path("ps_even" + std::to_string(i) + ".mrc")});
    }
    const NormalizationRecord whole = image_statistics(all);
    std::size_t calls = 0, last = 0;
    const NormalizationRecord one = pairs_statistics(pairs, 1, [&](std::size_t d, std::size_t n) {
      ++calls;
      last = d;
      QCOMPARE(n, std::size_t(3));
    });
    QCOMPARE(calls, std::size_t(3));
    QCOMPARE(last, std::size_t(3));
    QVERIFY(std::abs(one.mean - whole.mean) < 1e-12 * whole.mean);
    QVERIFY(std::abs(one.std - whole.std) < 1e-10 * whole.std);
    const NormalizationRecord three = pairs_statistics(pairs, 3);
    QCOMPARE(three.mean, one.mean); // merged in list order: bit for bit
    QCOMPARE(three.std, one.std);

    // An unreadable pair names its file: the first of several in list order,
    // whatever the threads; no pairs is an error.
    std::vector<ImagePair> bad = {pairs[0],
                                  {path("ps_missing1.mrc"), path("ps_even0.mrc")},
                                  pairs[1],
                                  {path("ps_missing2.mrc"), path("ps_even0.mrc")},
                                  pairs[2]};
    for (int threads : {1, 2, 5}) {
      try {
        (void)pairs_statistics(bad, threads);
        QFAIL("expected an error");
      } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("ps_missing1.mrc") != std::string::npos, e.what());
      }
    }
    ATELIER_VERIFY_THROWS(pairs_statistics({}, 1), Error, "no pairs");
  }

  void normalisationJsonRoundTrip() {
    RunNormalisation n;
    n.scheme = NormalisationScheme::dataset;
    n.record = {1234.5678901234567, 0.1 + 1e-17};
    n.source = "the training pairs";
    JsonWriter j(0);
    j.begin_object();
    j.key("normalisation");
    write_normalisation_json(j, n);
    j.end_object();
    const RunNormalisation back = normalisation_of_recipe(j.str(), "run.json");
    QVERIFY(back.scheme == NormalisationScheme::dataset);
    QCOMPARE(back.record.mean, n.record.mean); // exact: numbers round-trip
    QCOMPARE(back.record.std, n.record.std);
    QCOMPARE(back.source, n.source);

    JsonWriter k(0);
    k.begin_object();
    k.key("normalisation");
    write_normalisation_json(k, RunNormalisation{});
    k.end_object();
    QVERIFY(normalisation_of_recipe(k.str(), "r").scheme == NormalisationScheme::per_image);
    // Runs and checkpoints from before the record normalised per image.
    QVERIFY(normalisation_of_recipe("", "r").scheme == NormalisationScheme::per_image);
    QVERIFY(normalisation_of_recipe(R"({"recipe":"denoise"})", "r").scheme ==
            NormalisationScheme::per_image);
    ATELIER_VERIFY_THROWS(normalisation_of_recipe(R"({"normalisation":{"scheme":"x"}})", "r"),
                          FormatError, "unknown normalisation scheme");
    ATELIER_VERIFY_THROWS(
        normalisation_of_recipe(R"({"normalisation":{"scheme":"dataset_mean_std","mean":1}})", "r"),
        FormatError, "lacks a numeric mean and std");
    ATELIER_VERIFY_THROWS(
        normalisation_of_recipe(
            R"({"normalisation":{"scheme":"dataset_mean_std","mean":1,"std":0}})", "r"),
        FormatError, "a std of at least");
    QVERIFY(parse_normalisation_scheme("dataset") == NormalisationScheme::dataset);
    ATELIER_VERIFY_THROWS(parse_normalisation_scheme("global"), Error, "image or dataset");
  }

  // ---- crops --------------------------------------------------------------

  void cropHandMade_data() {
    QTest::addColumn<bool>("flip_h");
    QTest::addColumn<bool>("flip_v");
    QTest::addColumn<int>("rot_k");
    QTest::addColumn<QVector<float>>("expected");
    // Window rows 1..3, columns 2..4 of value y * 10 + x.
    QTest::newRow("plain") << false << false << 0
                           << QVector<float>{12, 13, 14, 22, 23, 24, 32, 33, 34};
    QTest::newRow("flip_h") << true << false << 0
                            << QVector<float>{14, 13, 12, 24, 23, 22, 34, 33, 32};
    QTest::newRow("flip_v") << false << true << 0
                            << QVector<float>{32, 33, 34, 22, 23, 24, 12, 13, 14};
    QTest::newRow("rot1") << false << false << 1
                          << QVector<float>{14, 24, 34, 13, 23, 33, 12, 22, 32};
    QTest::newRow("rot2") << false << false << 2
                          << QVector<float>{34, 33, 32, 24, 23, 22, 14, 13, 12};
    QTest::newRow("rot3") << false << false << 3
                          << QVector<float>{32, 22, 12, 33, 23, 13, 34, 24, 14};
    QTest::newRow("flip_h rot1") << true << false << 1 // the transpose
                                 << QVector<float>{12, 22, 32, 13, 23, 33, 14, 24, 34};
    QTest::newRow("both flips") << true << true << 0
                                << QVector<float>{34, 33, 32, 24, 23, 22, 14, 13, 12};
  }
  void cropHandMade() {
    QFETCH(bool, flip_h);
    QFETCH(bool, flip_v);
    QFETCH(int, rot_k);
    QFETCH(QVector<float>, expected);
    const std::vector<float> img = coordinate_image(4, 5);
    CropDraw d;
    d.y = 1;
    d.x = 2;
    d.size = 3;
    d.flip_h = flip_h;
    d.flip_v = flip_v;
    d.rot_k = rot_k;
    const std::vector<float> out = crop_of(img, 4, 5, d);
    QCOMPARE(out, std::vector<float>(expected.begin(), expected.end()));
  }

  void cropAllTransforms() {
    // All 16 flag combinations against single-step reference transforms, on
    // a non-square image and an even crop size.
    const int h = 9, w = 13, n = 4;
    const std::vector<float> img = coordinate_image(h, w, 100);
    for (int k = 0; k < 4; ++k) {
      for (int f = 0; f < 4; ++f) {
        CropDraw d;
        d.y = 5;
        d.x = 8;
        d.size = n;
        d.flip_h = f & 1;
        d.flip_v = f & 2;
        d.rot_k = k;
        Grid ref(n, std::vector<float>(n));
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < n; ++j)
            ref[i][j] = float((5 + i) * 100 + 8 + j);
        if (d.flip_h) ref = mirror_lr(ref);
        if (d.flip_v) ref = mirror_ud(ref);
        for (int r = 0; r < k; ++r)
          ref = rot90_once(ref);
        QCOMPARE(to_grid(crop_of(img, h, w, d), n), ref);
      }
    }
    // Corner windows, a 1-pixel crop and a crop the size of the image.
    CropDraw d;
    d.size = 1;
    d.y = 8;
    d.x = 12;
    d.rot_k = 3;
    QCOMPARE(crop_of(img, h, w, d), std::vector<float>{812});
    const std::vector<float> sq = coordinate_image(3, 3);
    d = CropDraw{};
    d.size = 3;
    d.rot_k = 1;
    QCOMPARE(crop_of(sq, 3, 3, d), (std::vector<float>{2, 12, 22, 1, 11, 21, 0, 10, 20}));
    d.y = 1;
    ATELIER_VERIFY_THROWS(crop_of(sq, 3, 3, d), Error, "outside the 3x3 image");
    d.y = 0;
    d.x = -1;
    ATELIER_VERIFY_THROWS(crop_of(sq, 3, 3, d), Error, "outside the 3x3 image");
  }

  void samplerDeterminism() {
    const CropSpec spec{16, true, true};
    const CropSampler a(5, spec, 1234), b(5, spec, 1234), other(5, spec, 1235);
    using Key = std::tuple<std::size_t, std::int64_t, std::int64_t, bool, bool, int, bool>;
    const auto key = [](const CropDraw& d) {
      return Key{d.pair, d.y, d.x, d.flip_h, d.flip_v, d.rot_k, d.swap};
    };
    std::set<Key> distinct;
    std::set<std::size_t> pairs_seen;
    std::set<int> rots;
    int swaps = 0, flips_h = 0, same_as_other = 0;
    const int steps = 200, n_slots = 4;
    for (std::int64_t step = 0; step < steps; ++step) {
      for (int slot = 0; slot < n_slots; ++slot) {
        const std::int64_t hh = 16 + (step % 7) * 5, ww = 16 + (step % 5) * 11;
        const CropDraw da = a.draw(step, slot, hh, ww);
        // Order does not matter: querying b backwards gives the same draw.
        const CropDraw db = b.draw(step, slot, hh, ww);
        QCOMPARE(key(da), key(db));
        QCOMPARE(da.pair, a.pair_index(step, slot));
        QVERIFY(da.pair < 5);
        QCOMPARE(da.size, 16);
        QVERIFY(da.y >= 0 && da.y + 16 <= hh);
        QVERIFY(da.x >= 0 && da.x + 16 <= ww);
        QVERIFY(da.rot_k >= 0 && da.rot_k < 4);
        distinct.insert(key(da));
        pairs_seen.insert(da.pair);
        rots.insert(da.rot_k);
        swaps += da.swap;
        flips_h += da.flip_h;
        same_as_other += key(other.draw(step, slot, hh, ww)) == key(da);
      }
    }
    QVERIFY(distinct.size() > 700); // different steps and slots draw differently
    QCOMPARE(pairs_seen.size(), std::size_t(5));
    QCOMPARE(rots.size(), std::size_t(4));
    QVERIFY(swaps > 300 && swaps < 500);
    QVERIFY(flips_h > 300 && flips_h < 500);
    QVERIFY(same_as_other < 10);
    // Large step numbers (resuming late in a run) work the same way.
    QCOMPARE(key(a.draw(std::int64_t(1) << 40, 3, 100, 100)),
             key(b.draw(std::int64_t(1) << 40, 3, 100, 100)));

    // Disabled augmentations stay off; a crop the size of the image sits at 0.
    const CropSampler plain(3, CropSpec{8, false, false}, 9, false);
    for (int step = 0; step < 50; ++step) {
      const CropDraw d = plain.draw(step, 0, 8, 8);
      QVERIFY(!d.flip_h && !d.flip_v && !d.swap);
      QCOMPARE(d.rot_k, 0);
      QCOMPARE(d.y, std::int64_t(0));
      QCOMPARE(d.x, std::int64_t(0));
    }
    ATELIER_VERIFY_THROWS(plain.draw(0, 0, 7, 100), Error, "smaller than the crop 8");
    ATELIER_VERIFY_THROWS(CropSampler none(0, spec, 1), Error, "no image pairs");
    ATELIER_VERIFY_THROWS(CropSampler tiny(1, CropSpec{0}, 1), Error, "crop size 0 < 1");
  }

  // ---- loader -------------------------------------------------------------

  void loaderBatchesMatchDirectCrops() {
    SimOptions sim;
    const std::string list = write_simulated_pairs(path("ld"), 3, 48, 64, 11, sim);
    const auto pairs = read_pair_list(list);
    LoaderOptions opt;
    opt.threads = 2;
    opt.crop.crop = 32;
    opt.seed = 99;
    const int batch = 4;
    const std::size_t area = 32 * 32;
    std::vector<float> in(batch * area), tgt(batch * area);

    std::vector<LoadedPair> direct;
    for (const auto& p : pairs) {
      direct.push_back(load_pair(p));
      normalize_pair(direct.back());
    }
    PairLoader loader(pairs, opt);
    int swapped = 0;
    for (std::int64_t step : {0, 1, 5, 123456}) {
      loader.fill_batch(step, batch, in.data(), tgt.data());
      for (int s = 0; s < batch; ++s) {
        const std::size_t idx = loader.sampler().pair_index(step, s);
        const LoadedPair& lp = direct[idx];
        const CropDraw d = loader.sampler().draw(step, s, lp.height, lp.width);
        swapped += d.swap;
        const auto& a = d.swap ? lp.even : lp.odd;
        const auto& b = d.swap ? lp.odd : lp.even;
        const std::vector<float> want_in = crop_of(a, 48, 64, d);
        const std::vector<float> want_tgt = crop_of(b, 48, 64, d);
        QVERIFY(std::equal(want_in.begin(), want_in.end(), in.begin() + s * area));
        QVERIFY(std::equal(want_tgt.begin(), want_tgt.end(), tgt.begin() + s * area));
      }
    }
    QVERIFY(swapped > 0 && swapped < 16);

    // Prefetched and resumed (new loader, same seed) batches are identical.
    std::vector<float> in2(batch * area), tgt2(batch * area);
    loader.prefetch(7, batch);
    loader.prefetch(7, batch); // a repeat is ignored
    loader.fill_batch(7, batch, in.data(), tgt.data());
    {
      PairLoader resumed(pairs, opt);
      resumed.fill_batch(7, batch, in2.data(), tgt2.data());
    }
    QCOMPARE(in, in2);
    QCOMPARE(tgt, tgt2);

    // Without swapping, the input always comes from the odd half.
    opt.swap_halves = false;
    PairLoader fixed(pairs, opt);
    fixed.fill_batch(3, batch, in.data(), tgt.data());
    for (int s = 0; s < batch; ++s) {
      const std::size_t idx = fixed.sampler().pair_index(3, s);
      const CropDraw d = fixed.sampler().draw(3, s, 48, 64);
      QVERIFY(!d.swap);
      const std::vector<float> want = crop_of(direct[idx].odd, 48, 64, d);
      QVERIFY(std::equal(want.begin(), want.end(), in.begin() + s * area));
    }

    // A dataset-wide record: the loader's pair is (raw - mean) / std.
    opt.normalization = NormalizationRecord{0.5, 2.0};
    PairLoader global(pairs, opt);
    const LoadedPair raw = load_pair(pairs[1]);
    const auto lp = global.pair(1);
    QCOMPARE(lp->odd_record.mean, 0.5);
    for (std::size_t i = 0; i < raw.odd.size(); i += 97)
      QCOMPARE(lp->odd[i], float((raw.odd[i] - 0.5) * 0.5));
    QVERIFY(std::abs(lp->spacing.xyz[0] - 1.0) < 1e-6);

    ATELIER_VERIFY_THROWS(global.fill_batch(0, 0, in.data(), tgt.data()), Error,
                          "batch size must be >= 1");
    ATELIER_VERIFY_THROWS(global.prefetch(0, -1), Error, "batch size must be >= 1");
    opt.threads = 0;
    ATELIER_VERIFY_THROWS(PairLoader bad(pairs, opt), Error, "threads must be >= 1");
    ATELIER_VERIFY_THROWS(PairLoader none({}, LoaderOptions{}), Error, "no image pairs");
  }

  void loaderCache() {
    const std::string list = write_simulated_pairs(path("cache"), 3, 40, 40, 5);
    const auto pairs = read_pair_list(list);
    const std::size_t pair_bytes = 40 * 40 * 4 * 2;
    LoaderOptions opt;
    opt.threads = 2;
    opt.crop.crop = 16;
    std::vector<float> in(4 * 256), tgt(4 * 256);

    // Room for everything: each pair decoded once, however many steps.
    {
      PairLoader loader(pairs, opt);
      for (int step = 0; step < 20; ++step)
        loader.fill_batch(step, 4, in.data(), tgt.data());
      const LoaderStats st = loader.stats();
      QCOMPARE(st.decodes, std::uint64_t(3));
      QCOMPARE(st.cached_pairs, std::size_t(3));
      QCOMPARE(st.cached_bytes, 3 * pair_bytes);
      QCOMPARE(st.decodes + st.cache_hits, std::uint64_t(80));
    }
    // Room for one pair: least recently used ones are evicted.
    std::vector<float> ref_in = in;
    {
      opt.cache_bytes = pair_bytes + pair_bytes / 2;
      PairLoader loader(pairs, opt);
      for (int step = 0; step < 20; ++step) {
        loader.fill_batch(step, 4, in.data(), tgt.data());
        const LoaderStats st = loader.stats();
        QVERIFY(st.cached_bytes <= opt.cache_bytes);
        QVERIFY(st.cached_pairs <= 1);
      }
      QCOMPARE(in, ref_in); // same batches as with a big cache
      QVERIFY(loader.stats().decodes > 6);
      // A cached pair is served again without decoding.
      const auto p0 = loader.pair(0);
      const std::uint64_t d = loader.stats().decodes;
      QVERIFY(loader.pair(0) == p0);
      QCOMPARE(loader.stats().decodes, d);
      (void)loader.pair(1);
      QCOMPARE(loader.stats().cached_pairs, std::size_t(1));
      QVERIFY(loader.pair(0) != p0); // evicted, decoded anew
    }
    // A budget below one pair: nothing is kept, batches still come.
    {
      opt.cache_bytes = 100;
      PairLoader loader(pairs, opt);
      for (int step = 0; step < 20; ++step)
        loader.fill_batch(step, 4, in.data(), tgt.data());
      QCOMPARE(in, ref_in);
      QCOMPARE(loader.stats().cached_pairs, std::size_t(0));
      QCOMPARE(loader.stats().cached_bytes, std::size_t(0));
      // Every request decodes, except one that arrives while another worker
      // decodes the same pair (two workers: at most two requests per decode).
      QCOMPARE(loader.stats().decodes + loader.stats().cache_hits, std::uint64_t(80));
      QVERIFY(loader.stats().decodes >= 40);
    }
    // Destroying a loader with queued prefetches does not hang.
    {
      opt.threads = 1;
      PairLoader loader(pairs, opt);
      for (int step = 0; step < 30; ++step)
        loader.prefetch(step, 4);
    }
  }

  void loaderErrors() {
    const std::string list = write_simulated_pairs(path("bad"), 2, 32, 32, 3);
    auto pairs = read_pair_list(list);
    LoaderOptions opt;
    opt.threads = 2;
    opt.crop.crop = 16;
    std::vector<float> in(3 * 256), tgt(3 * 256);

    // Corrupt MRC: the even half of pair 1 is cut short.
    const std::string even1 = pairs[1].even_path;
    std::filesystem::resize_file(even1, 1500);
    PairLoader loader({pairs[1]}, opt);
    const std::string needle = even1 + ": ";
    ATELIER_VERIFY_THROWS(loader.fill_batch(0, 3, in.data(), tgt.data()), FormatError,
                          needle.c_str());
    loader.prefetch(4, 3);
    try {
      loader.fill_batch(4, 3, in.data(), tgt.data());
      QFAIL("expected FormatError");
    } catch (const FormatError& e) {
      QCOMPARE(e.path(), even1);
    }
    // A list with a good pair too: every step fails or succeeds, never crashes.
    PairLoader mixed(pairs, opt);
    int failures = 0, successes = 0;
    for (int step = 0; step < 10; ++step) {
      try {
        mixed.fill_batch(step, 1, in.data(), tgt.data());
        ++successes;
      } catch (const FormatError& e) {
        QCOMPARE(e.path(), even1);
        ++failures;
      }
    }
    QVERIFY(failures > 0 && successes > 0);

    // Too small for the crop.
    opt.crop.crop = 40;
    PairLoader small({pairs[0]}, opt);
    try {
      small.fill_batch(0, 1, in.data(), tgt.data());
      QFAIL("expected FormatError");
    } catch (const FormatError& e) {
      QCOMPARE(e.path(), pairs[0].odd_path);
      QCOMPARE(e.reason(), std::string("image 32x32 is smaller than the 40x40 crop"));
    }
  }

  // ---- simulator and quality --------------------------------------------

  void simulator() {
    SimOptions o;
    const SimulatedMicrograph a = simulate_micrograph(96, 128, 42, o);
    const SimulatedMicrograph b = simulate_micrograph(96, 128, 42, o);
    const SimulatedMicrograph c = simulate_micrograph(96, 128, 43, o);
    QCOMPARE(a.height, std::int64_t(96));
    QCOMPARE(a.width, std::int64_t(128));
    QCOMPARE(a.clean.size(), std::size_t(96 * 128));
    QCOMPARE(a.clean, b.clean);
    QCOMPARE(a.odd, b.odd);
    QCOMPARE(a.even, b.even);
    QVERIFY(a.clean != c.clean);

    const NormalizationRecord cs = image_statistics(a.clean);
    QVERIFY(std::abs(cs.mean) < 1e-5);
    QVERIFY(std::abs(cs.std - 1.0) < 1e-5);
    std::vector<float> no(a.odd.size()), ne(a.even.size());
    double cross = 0.0;
    for (std::size_t i = 0; i < no.size(); ++i) {
      no[i] = a.odd[i] - a.clean[i];
      ne[i] = a.even[i] - a.clean[i];
      cross += double(no[i]) * ne[i];
    }
    QVERIFY(std::abs(stddev(no) - 1.5) < 0.05);
    QVERIFY(std::abs(stddev(ne) - 1.5) < 0.05);
    QVERIFY(std::abs(image_statistics(no).mean) < 0.05);
    // Independent halves: correlation of the noise near 0.
    QVERIFY(std::abs(cross / no.size() / (1.5 * 1.5)) < 0.04);
    QVERIFY(stddev(no) >= stddev(a.clean)); // cryo-EM-like SNR
    const double in_psnr = psnr(a.odd, a.clean);
    QVERIFY2(in_psnr > 5 && in_psnr < 20, qPrintable(QString::number(in_psnr)));
    // The clean image is not trivially flat: particles and background.
    const auto [lo, hi] = std::minmax_element(a.clean.begin(), a.clean.end());
    QVERIFY(*hi - *lo > 3.0f);

    o.noise_sigma = 0.0;
    const SimulatedMicrograph quiet = simulate_micrograph(32, 32, 42, o);
    QCOMPARE(quiet.odd, quiet.clean);
    ATELIER_VERIFY_THROWS(simulate_micrograph(0, 5, 1), Error, "must be positive");
    o.min_radius_px = -1;
    ATELIER_VERIFY_THROWS(simulate_micrograph(8, 8, 1, o), Error, "invalid options");
  }

  void simulatedFiles() {
    SimOptions o;
    o.pixel_size_A = 1.5;
    const std::string list = write_simulated_pairs(path("sim"), 2, 40, 56, 77, o);
    QCOMPARE(list, path("sim/pairs.txt"));
    const auto pairs = read_pair_list(list);
    QCOMPARE(pairs.size(), std::size_t(2));
    QCOMPARE(pairs[1].odd_path, path("sim/odd_001.mrc"));
    QCOMPARE(pairs[1].even_path, path("sim/even_001.mrc"));
    QVERIFY(std::filesystem::exists(path("sim/clean_000.mrc")));
    const Image odd = load_micrograph(pairs[0].odd_path);
    const Image clean = load_micrograph(path("sim/clean_000.mrc"));
    QCOMPARE(odd.width(), std::int64_t(56));
    QCOMPARE(odd.height(), std::int64_t(40));
    QVERIFY(std::abs(odd.spacing.xyz[0] - 1.5) < 1e-6);
    QCOMPARE(odd.spacing.unit, std::string("A"));
    // Written exactly; the two micrographs differ.
    const Image clean1 = load_micrograph(path("sim/clean_001.mrc"));
    QVERIFY(std::abs(image_statistics(clean.values<float>()).std - 1.0) < 1e-5);
    QVERIFY(!std::equal(clean.values<float>().begin(), clean.values<float>().end(),
                        clean1.values<float>().begin()));
    // Deterministic: writing again gives the same bytes.
    write_simulated_pairs(path("sim2"), 2, 40, 56, 77, o);
    QCOMPARE(atelier::test::read_file(path("sim2/odd_001.mrc")),
             atelier::test::read_file(path("sim/odd_001.mrc")));
  }

  void quality() {
    const std::vector<float> truth{0, 1, 2, 3};
    const std::vector<float> est{0.1f, 1.1f, 2.1f, 3.1f};
    QVERIFY(std::abs(mse(est, truth) - 0.01) < 1e-7);
    // peak = range of truth = 3: 10 log10(9 / 0.01) = 29.5424 dB.
    QVERIFY(std::abs(psnr(est, truth) - 29.54242509) < 1e-4);
    QVERIFY(std::isinf(psnr(truth, truth)));
    const std::vector<float> half{0, 0.5f, 1, 1.5f};
    QVERIFY(std::abs(mse(half, truth) - 0.875) < 1e-9); // (0 + .25 + 1 + 2.25) / 4
    QVERIFY(std::abs(psnr(half, truth) - 10 * std::log10(9 / 0.875)) < 1e-9);

    // Affine fit undoes a scale and offset exactly.
    const std::vector<float> scaled{5, 7, 9, 11}; // 2 * truth + 5
    const AffineFit fit = fit_affine(scaled, truth);
    QVERIFY(std::abs(fit.scale - 0.5) < 1e-12);
    QVERIFY(std::abs(fit.offset + 2.5) < 1e-12);
    QVERIFY(std::isinf(psnr_affine_fit(scaled, truth)));
    QVERIFY(psnr(scaled, truth) < 0);
    // Never below the plain PSNR; a constant estimate fits to the mean.
    const std::vector<float> noisy{0.3f, 0.8f, 2.4f, 2.9f};
    QVERIFY(psnr_affine_fit(noisy, truth) >= psnr(noisy, truth));
    const std::vector<float> flat{4, 4, 4, 4};
    const AffineFit ff = fit_affine(flat, truth);
    QCOMPARE(ff.scale, 0.0);
    QCOMPARE(ff.offset, 1.5);
    QVERIFY(std::abs(psnr_affine_fit(flat, truth) - 10 * std::log10(9 / 1.25)) < 1e-9);

    ATELIER_VERIFY_THROWS(mse(est, std::vector<float>{1, 2}), Error,
                          "mse: estimate has 4 values, truth 2");
    ATELIER_VERIFY_THROWS(psnr(std::vector<float>{}, std::vector<float>{}), Error, "empty");
    ATELIER_VERIFY_THROWS(psnr(est, flat), Error, "truth image is constant");
  }
};

QTEST_APPLESS_MAIN(TestDenoiseData)
#include "test_denoise_data.moc"

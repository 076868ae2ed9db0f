// align_movie on simulated movies with known drift: its sum and halves match
// the simulator's (made with the true drifts), beat the plain frame sum
// against the clean image, and odd + even = sum; bad input and cancelling.
#include "core/base/error.h"
#include "core/formats/mrc/mrc_file.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/movies/movie_align.h"
#include "core/simulate/micrograph_simulator.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <cmath>
#include <numeric>

using namespace atelier;

namespace {

// Pearson correlation of two equally sized float images (the first w x h).
double correlation(std::span<const float> a, std::span<const float> b) {
  const std::size_t n = std::min(a.size(), b.size());
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < n; ++i)
    ma += a[i], mb += b[i];
  ma /= double(n), mb /= double(n);
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

Image read_mrc(const QString& path) {
  return MrcFile(path.toStdString()).read_frame(0);
}

} // namespace

class TestMovieAlign : public QObject {
  Q_OBJECT

private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    simulate::SimulationOptions o;
    o.count = 1;
    o.size = 512;
    o.frames = 12;
    o.seed = 21;
    o.drift_max_px = 12.0;
    o.threads = 1;
    simulate::simulate_micrographs(tmp_.filePath("sim").toStdString(), o);
  }

  void matchesTheTrueDriftsSums() {
    const QString dir = tmp_.filePath("sim");
    const std::string movie = (dir + "/sim_0001_movie.mrcs").toStdString();
    int calls = 0, last_done = 0, last_total = 0;
    const movies::AlignedMovie a = movies::align_movie(movie, {}, [&](int done, int total) {
      ++calls;
      QVERIFY(done > last_done);
      last_done = done, last_total = total;
    });
    QCOMPARE(calls, 24);
    QCOMPARE(last_done, last_total);
    QCOMPARE(a.sum.width(), std::int64_t{512});
    QVERIFY(a.sum.dtype() == DType::f32);
    QCOMPARE(a.pixel_size_A, 1.0);
    QVERIFY(a.drift.valid());

    const Image sim_sum = read_mrc(dir + "/sim_0001_sum.mrc");
    const Image sim_odd = read_mrc(dir + "/sim_0001_odd.mrc");
    const Image clean = read_mrc(dir + "/sim_0001_clean.mrc");
    // The plain sum of the frames, not corrected.
    const MrcFile file(movie);
    Image raw(512, 512, 1, DType::f32);
    for (std::int64_t f = 0; f < file.frame_count(); ++f) {
      const Image frame = file.read_frame(f);
      const auto in = frame.values<std::uint16_t>();
      auto out = raw.values<float>();
      for (std::size_t i = 0; i < out.size(); ++i)
        out[i] += in[i];
    }
    const double with_truth = correlation(a.sum.values<float>(), sim_sum.values<float>());
    const double odd_truth = correlation(a.odd.values<float>(), sim_odd.values<float>());
    const double aligned_clean = correlation(a.sum.values<float>(), clean.values<float>());
    const double raw_clean = correlation(raw.values<float>(), clean.values<float>());
    const double ideal_clean = correlation(sim_sum.values<float>(), clean.values<float>());
    qInfo("corr with the true-drift sum %.4f, odd %.4f; with clean: aligned %.4f, true-drift "
          "%.4f, plain %.4f",
          with_truth, odd_truth, aligned_clean, ideal_clean, raw_clean);
    // Shot noise decorrelates under the estimate's 0.1-0.2 px errors, so the
    // sums differ in their finest noise; the signal is what must agree:
    // the correction recovers nearly all of the true drifts' match with the
    // clean image, and far more than the plain sum (measured 0.964, 0.964;
    // 0.242 of 0.245 against 0.037).
    QVERIFY(with_truth > 0.94);
    QVERIFY(odd_truth > 0.94);
    QVERIFY(aligned_clean > 0.97 * ideal_clean);
    QVERIFY(aligned_clean > 3 * raw_clean);
    // sum = odd + even exactly; the halves carry about half the counts each.
    const auto s = a.sum.values<float>(), o = a.odd.values<float>(), e = a.even.values<float>();
    for (std::size_t i = 0; i < s.size(); i += 997)
      QCOMPARE(s[i], o[i] + e[i]);
    const double so = std::accumulate(o.begin(), o.end(), 0.0);
    const double se = std::accumulate(e.begin(), e.end(), 0.0);
    QVERIFY(std::abs(so / se - 1.0) < 0.05);
  }

  void refusesWhatIsNotAMovie() {
    const std::string single = tmp_.filePath("one.mrc").toStdString();
    write_mrc(single, Image(64, 64, 1, DType::f32));
    ATELIER_VERIFY_THROWS(movies::align_movie(single), FormatError, "single frame");
    const std::string text = tmp_.filePath("notes.txt").toStdString();
    test::write_text(text, "not an image\n");
    ATELIER_VERIFY_THROWS(movies::align_movie(text), FormatError, "notes.txt");
    ATELIER_VERIFY_THROWS(movies::align_movie(tmp_.filePath("missing.mrcs").toStdString()), Error,
                          "missing.mrcs");
  }

  void cancels() {
    std::atomic<bool> cancel{false};
    const std::string movie = tmp_.filePath("sim/sim_0001_movie.mrcs").toStdString();
    bool threw = false;
    try {
      movies::align_movie(
          movie, {}, [&](int done, int) { cancel = done >= 3; }, &cancel);
    } catch (const movies::AlignCancelled&) {
      threw = true;
    }
    QVERIFY(threw);
  }

  // The TIFF path: pages read by index (an EM section stack stands in for
  // a TIFF movie, which the sample data does not have).
  void readsTiffStacks() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const std::string stack = test::sample_path("volumes/isbi2012_train_volume_slices0-11.tif");
    const movies::AlignedMovie a = movies::align_movie(stack);
    QCOMPARE(a.sum.width(), std::int64_t{512});
    QCOMPARE(a.drift.frame_px.size(), std::size_t(12));
    const auto s = a.sum.values<float>(), o = a.odd.values<float>(), e = a.even.values<float>();
    for (std::size_t i = 0; i < s.size(); i += 991)
      QCOMPARE(s[i], o[i] + e[i]);
  }

  void stems() {
    QCOMPARE(movies::movie_stem("/a/b/sim_0001_movie.mrcs"), std::string("sim_0001_movie"));
    QCOMPARE(movies::movie_stem("x.tif"), std::string("x"));
    QCOMPARE(movies::movie_stem("/a/FoilHole_1_fractions.TIFF"),
             std::string("FoilHole_1_fractions"));
    QCOMPARE(movies::movie_stem("noext"), std::string("noext"));
  }

private:
  QTemporaryDir tmp_;
};

QTEST_GUILESS_MAIN(TestMovieAlign)
#include "test_movie_align.moc"

// Movie drift (core/metrics/movie_drift) against the simulator's known
// per-frame drifts: path length and net displacement of real-dose movies,
// no invented motion on a still movie, and the trackers that must stay idle.
#include "core/metrics/movie_drift.h"
#include "core/simulate/micrograph_simulator.h"
#include "tests/support/test_support.h"

#include <QtTest>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <limits>
#include <vector>

using namespace atelier;
using namespace atelier::metrics;

namespace {

struct TrueDrift {
  double total = 0.0, net = 0.0;
};

TrueDrift true_drift(const simulate::MicrographTruth& t) {
  TrueDrift d;
  const auto& p = t.drifts_px;
  for (std::size_t f = 1; f < p.size(); ++f)
    d.total += std::hypot(p[f][0] - p[f - 1][0], p[f][1] - p[f - 1][1]);
  d.net = std::hypot(p.back()[0] - p.front()[0], p.back()[1] - p.front()[1]);
  return d;
}

DriftEstimate track(const simulate::SimulatedMicrograph& m, const DriftOptions& options = {}) {
  MovieDriftTracker tracker(m.size, m.size, m.frames, m.truth.ctf.pixel_size_A, options);
  const auto pixels = static_cast<std::size_t>(m.size) * static_cast<std::size_t>(m.size);
  std::vector<float> frame(pixels);
  for (int f = 0; f < m.frames; ++f) {
    std::transform(m.movie.begin() + static_cast<std::ptrdiff_t>(f * pixels),
                   m.movie.begin() + static_cast<std::ptrdiff_t>((f + 1) * pixels), frame.begin(),
                   [](std::uint16_t v) { return static_cast<float>(v); });
    tracker.add_frame(f, PlaneView(m.size, m.size, frame.data()));
  }
  return tracker.estimate();
}

simulate::SimulationOptions movie_options(std::uint64_t seed) {
  simulate::SimulationOptions o; // 40 e/A^2 over 20 frames at 1 A/px
  o.size = 1024;
  o.seed = seed;
  o.threads = 1;
  return o;
}

} // namespace

class TestMovieDrift : public QObject {
  Q_OBJECT

private slots:
  void fftFriendlySides() {
    QCOMPARE(fft_friendly_side(512), 512);
    QCOMPARE(fft_friendly_side(511), 500);
    QCOMPARE(fft_friendly_side(1023), 1000);
    QCOMPARE(fft_friendly_side(77), 72);
    QCOMPARE(fft_friendly_side(1), 0);
  }

  void idleForSingleFramesAndTinyImages() {
    QVERIFY(!MovieDriftTracker(1024, 1024, 1).active());
    QVERIFY(!MovieDriftTracker(40, 40, 10).active());
    QVERIFY(!MovieDriftTracker(1024, 1024, 1).estimate().valid());
    QVERIFY(drift_metrics(DriftEstimate{}, 1.0).empty());
    QVERIFY(MovieDriftTracker(5760, 4092, 40).active());
  }

  // Real-dose movies (2 e/A^2 per frame): the measured path length and net
  // displacement against the truth's, per movie.
  void measuresSimulatedDrift() {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
      const auto o = movie_options(seed);
      const auto m = simulate::simulate_micrograph(o, 0);
      const TrueDrift truth = true_drift(m.truth);
      const DriftEstimate est = track(m);
      QVERIFY(est.valid());
      QCOMPARE(est.bin, 1);
      QCOMPARE(est.side, 512);
      qInfo("seed %d: total %.2f px (true %.2f), net %.2f px (true %.2f), %d rounds", int(seed),
            est.total_px, truth.total, est.net_px, truth.net, est.iterations);
      // Measured: total within 0.35 px (14%), net within 0.21 px.
      QVERIFY2(std::abs(est.total_px - truth.total) <= 0.15 * truth.total + 0.3,
               qPrintable(QString::number(est.total_px)));
      QVERIFY2(std::abs(est.net_px - truth.net) <= 0.4, qPrintable(QString::number(est.net_px)));
      QCOMPARE(est.frame_px.size(), std::size_t(20));
      QCOMPARE(est.group_px.size(), std::size_t(20)); // a group per frame
      // Frame 0 is the origin; the last frame's measured position follows
      // the truth's.
      QCOMPARE(est.frame_px[0][0], 0.0);
      const auto& d = m.truth.drifts_px;
      for (int a = 0; a < 2; ++a)
        QVERIFY2(std::abs(est.group_px[19][a] - (d[19][a] - d[0][a])) < 0.4,
                 qPrintable(QString("%1 vs %2").arg(est.group_px[19][a]).arg(d[19][a] - d[0][a])));
      const auto metrics = drift_metrics(est, o.pixel_size_A);
      QCOMPARE(metrics.size(), std::size_t(4));
      QCOMPARE(*find_metric(metrics, "drift_total_A"), est.total_px * o.pixel_size_A);
    }
  }

  // A badly drifting stage (up to 24 px over 20 frames, most of it in the
  // first frames): the coarse-to-fine alignment keeps up. Measured on
  // seeds 1-6: total within 1.9% on average, net within 0.22 px.
  void followsLargeDrift() {
    for (std::uint64_t seed = 1; seed <= 2; ++seed) {
      auto o = movie_options(seed);
      o.drift_max_px = 24.0;
      const auto m = simulate::simulate_micrograph(o, 0);
      const TrueDrift truth = true_drift(m.truth);
      const DriftEstimate est = track(m);
      qInfo("seed %d: total %.2f px (true %.2f), net %.2f px (true %.2f)", int(seed), est.total_px,
            truth.total, est.net_px, truth.net);
      QVERIFY(std::abs(est.total_px - truth.total) <= 0.06 * truth.total);
      QVERIFY(std::abs(est.net_px - truth.net) <= 0.6);
    }
  }

  void stillMovieStaysStill() {
    auto o = movie_options(11);
    o.drift_max_px = 0.0;
    const auto m = simulate::simulate_micrograph(o, 0);
    const DriftEstimate est = track(m);
    qInfo("still: total %.2f px, net %.2f px", est.total_px, est.net_px);
    // Measured 0.41 px of path from the estimates' noise; moving movies have
    // at least 1.8 px.
    QVERIFY(est.valid());
    QVERIFY(est.total_px < 1.0);
    QVERIFY(est.net_px < 0.5);
  }

  // Blank and non-finite frames give a still, finite trajectory.
  void blankAndNonFiniteFramesAreStill() {
    const int n = 256, frames = 6;
    MovieDriftTracker tracker(n, n, frames);
    std::vector<float> frame(static_cast<std::size_t>(n * n), 3.0f);
    frame[100] = std::numeric_limits<float>::quiet_NaN();
    frame[200] = std::numeric_limits<float>::infinity();
    for (int f = 0; f < frames; ++f)
      tracker.add_frame(f, PlaneView(n, n, frame.data()));
    tracker.add_frame(frames, PlaneView(n, n, frame.data())); // out of range: ignored
    tracker.add_frame(0, PlaneView(n / 2, n, frame.data()));  // wrong size: ignored
    const DriftEstimate est = tracker.estimate();
    QVERIFY(est.valid());
    QVERIFY(std::isfinite(est.total_px));
    QVERIFY(est.total_px < 1e-3);
    QVERIFY(est.net_px < 1e-3);
    QVERIFY(drift_metrics(est, 0.0).size() == 2); // no pixel size: no A metrics
  }

  // The trajectory kept as item metadata text, and text that is not one.
  void trajectoryText() {
    const std::vector<std::array<double, 2>> t{{0, 0}, {1.234, -0.5}, {2.5, -1.25}};
    const std::string text = format_trajectory(t);
    QCOMPARE(text, std::string("0.00,0.00;1.23,-0.50;2.50,-1.25"));
    const auto back = parse_trajectory(text);
    QCOMPARE(back.size(), std::size_t(3));
    QCOMPARE(back[1][0], 1.23);
    QCOMPARE(back[2][1], -1.25);
    for (const char* bad : {"1,2;x,3", "1;2", "1,2;", "nan,1", "1,2,3", ",", "1e999,0"})
      QVERIFY2(parse_trajectory(bad).empty(), bad);
    QVERIFY(parse_trajectory("").empty());
    // The same text under a locale whose decimal separator is a comma (the
    // app runs with the desktop's locale), when this machine has one.
    for (const char* name : {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE.utf8"})
      if (std::setlocale(LC_NUMERIC, name)) {
        QCOMPARE(format_trajectory(t), text);
        break;
      }
    std::setlocale(LC_NUMERIC, "C");
  }

  // Super-resolution pixels are binned to about 1 A.
  void binsSuperResolutionPixels() {
    QCOMPARE(MovieDriftTracker(2048, 2048, 10, 0.5).estimate().bin, 2);
    QCOMPARE(MovieDriftTracker(2048, 2048, 10, 1.06).estimate().bin, 1);
    QCOMPARE(MovieDriftTracker(2048, 2048, 10).estimate().bin, 1);
  }
};

QTEST_GUILESS_MAIN(TestMovieDrift)
#include "test_movie_drift.moc"

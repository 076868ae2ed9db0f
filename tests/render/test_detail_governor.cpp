// DetailGovernor: the level of detail drawn while moving follows frame
// times, two frames in a row deciding, between the finest and coarsest;
// quick frames try the finer level, which is left alone a while if too slow.
#include "widgets/render/detail_governor.h"

#include <QTest>

#include <cmath>

using namespace atelier::render;

class TestDetailGovernor : public QObject {
  Q_OBJECT

private slots:
  void slow_frames_coarsen_and_fast_frames_refine() {
    DetailGovernor g(4, 1, 4.0);
    QCOMPARE(g.level(), 1);
    const double slow = 2 * DetailGovernor::kBudgetMs;
    const double fast = 0.1 * DetailGovernor::kBudgetMs; // x4 still within 0.8 budgets
    QVERIFY(!g.frame(slow));                             // one slow frame is not enough
    QVERIFY(g.frame(slow));
    QCOMPARE(g.level(), 2);
    QVERIFY(!g.frame(slow) && g.frame(slow));
    QCOMPARE(g.level(), 3);
    QVERIFY(!g.frame(slow) && !g.frame(slow)); // the coarsest stays
    QCOMPARE(g.level(), 3);
    QVERIFY(!g.frame(fast) && g.frame(fast));
    QCOMPARE(g.level(), 2);
    for (int i = 0; i < 10; ++i)
      g.frame(fast);
    QCOMPARE(g.level(), 0); // the finest stays
  }

  void one_outlier_or_a_frame_in_budget_changes_nothing() {
    DetailGovernor g(3, 1, 4.0);
    const double slow = 2 * DetailGovernor::kBudgetMs;
    const double fine = 0.6 * DetailGovernor::kBudgetMs; // in budget, not half of it
    for (int i = 0; i < 10; ++i) {
      QVERIFY(!g.frame(slow)); // an upload...
      QVERIFY(!g.frame(fine)); // ...then frames in budget
    }
    QCOMPARE(g.level(), 1);
    // Garbage times are ignored; a bad start is clamped.
    QVERIFY(!g.frame(NAN) && !g.frame(-1) && !g.frame(INFINITY));
    QCOMPARE(DetailGovernor(2, 7).level(), 1);
    QCOMPARE(DetailGovernor(0, 3).levels(), 1);
  }

  void fast_frames_try_the_finer_level_and_remember_it_too_slow() {
    // Fixed costs dominate: a quarter of the points is not a quarter of
    // the time, so frames under half the budget try the finer level.
    DetailGovernor g(3, 2, 4.0);
    const double quick = 0.3 * DetailGovernor::kBudgetMs; // x4 would overrun
    const double slow = 2 * DetailGovernor::kBudgetMs;
    QVERIFY(!g.frame(quick) && g.frame(quick));
    QCOMPARE(g.level(), 1);
    QVERIFY(!g.frame(slow) && g.frame(slow)); // too slow there: back
    QCOMPARE(g.level(), 2);
    // Not tried again for kRetryFrames frames, then tried again.
    long frames = 0;
    while (!g.frame(quick))
      ++frames;
    QVERIFY(frames >= DetailGovernor::kRetryFrames - 2);
    QCOMPARE(g.level(), 1);
  }
};

QTEST_GUILESS_MAIN(TestDetailGovernor)
#include "test_detail_governor.moc"

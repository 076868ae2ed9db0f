// Learning-rate schedules at their boundaries (first step, last warmup step,
// first decay step, middle, last step, past the end) against hand-computed
// values, monotonicity of the decays, and validation errors.
#include "core/base/error.h"
#include "core/nn/lr_schedule.h"
#include "tests/support/test_support.h"

#include <cmath>

using namespace atelier;
using nn::LrSchedule;

Q_DECLARE_METATYPE(LrSchedule)

namespace {

bool close(double a, double b) {
  return std::fabs(a - b) <= 1e-15 + 1e-12 * std::fabs(b);
}

} // namespace

class TestLrSchedule : public QObject {
  Q_OBJECT

private slots:
  void values_data() {
    QTest::addColumn<LrSchedule>("schedule");
    QTest::addColumn<qint64>("step");
    QTest::addColumn<double>("expected");

    const LrSchedule flat = nn::constant_schedule(0.02);
    QTest::newRow("constant 0") << flat << qint64(0) << 0.02;
    QTest::newRow("constant 1e9") << flat << qint64(1000000000) << 0.02;
    const LrSchedule flat_w = nn::constant_schedule(0.02, 4);
    QTest::newRow("constant warmup 0") << flat_w << qint64(0) << 0.005; // 0.02 * 1/4
    QTest::newRow("constant warmup 2") << flat_w << qint64(2) << 0.015; // 0.02 * 3/4
    QTest::newRow("constant warmup 3") << flat_w << qint64(3) << 0.02;
    QTest::newRow("constant warmup 4") << flat_w << qint64(4) << 0.02;

    // base 1e-3, floor 1e-5, W = 10, T = 110: decay over 100 steps.
    const LrSchedule cos = nn::warmup_cosine_schedule(1e-3, 1e-5, 10, 110);
    QTest::newRow("cosine 0") << cos << qint64(0) << 1e-4;
    QTest::newRow("cosine 4") << cos << qint64(4) << 5e-4;
    QTest::newRow("cosine 9 (end of warmup)") << cos << qint64(9) << 1e-3;
    QTest::newRow("cosine 10 (decay starts)") << cos << qint64(10) << 1e-3;
    // q = 1/4: 1e-5 + 0.99e-3 * (1 + sqrt(1/2)) / 2
    QTest::newRow("cosine 35") << cos << qint64(35) << 1e-5 + 0.99e-3 * (1 + std::sqrt(0.5)) / 2;
    QTest::newRow("cosine 60 (mid)") << cos << qint64(60) << 5.05e-4; // floor + half the range
    // q = 99/100: 1e-5 + 0.99e-3 * (1 + cos(0.99 pi)) / 2
    QTest::newRow("cosine 109 (last)") << cos << qint64(109) << 1.0244252618962858e-05;
    QTest::newRow("cosine 110") << cos << qint64(110) << 1e-5;
    QTest::newRow("cosine 5000") << cos << qint64(5000) << 1e-5;
    const LrSchedule cos0 = nn::warmup_cosine_schedule(1.0, 0.0, 0, 4);
    QTest::newRow("cosine no warmup 0") << cos0 << qint64(0) << 1.0;
    QTest::newRow("cosine no warmup 2") << cos0 << qint64(2) << 0.5;
    QTest::newRow("cosine no warmup 3") << cos0 << qint64(3) << (1 - std::sqrt(0.5)) / 2;

    // base 0.1, floor 0.001, W = 5, T = 100, decay fraction 0.2: D = 20, S = 80.
    for (const auto shape : {LrSchedule::DecayShape::linear, LrSchedule::DecayShape::cosine}) {
      const bool lin = shape == LrSchedule::DecayShape::linear;
      const LrSchedule wsd = nn::warmup_stable_decay_schedule(0.1, 0.001, 5, 100, 0.2, shape);
      const char* tag = lin ? "wsd linear" : "wsd cosine";
      QTest::addRow("%s 0", tag) << wsd << qint64(0) << 0.02;
      QTest::addRow("%s 4 (end of warmup)", tag) << wsd << qint64(4) << 0.1;
      QTest::addRow("%s 5", tag) << wsd << qint64(5) << 0.1;
      QTest::addRow("%s 79 (last stable)", tag) << wsd << qint64(79) << 0.1;
      QTest::addRow("%s 80 (decay starts)", tag) << wsd << qint64(80) << 0.1;
      // q = 1/4: linear 0.1 - 0.099/4; cosine 0.001 + 0.099 (1 + sqrt(1/2)) / 2
      QTest::addRow("%s 85", tag) << wsd << qint64(85)
                                  << (lin ? 0.07525 : 0.001 + 0.099 * (1 + std::sqrt(0.5)) / 2);
      QTest::addRow("%s 90 (mid decay)", tag) << wsd << qint64(90) << 0.0505;
      // q = 19/20: linear 0.1 - 0.099 * 0.95; cosine 0.001 + 0.099 (1 + cos(0.95 pi)) / 2
      QTest::addRow("%s 99 (last)", tag)
          << wsd << qint64(99) << (lin ? 0.00595 : 0.001609427140540686);
      QTest::addRow("%s 100", tag) << wsd << qint64(100) << 0.001;
    }
  }

  void values() {
    QFETCH(LrSchedule, schedule);
    QFETCH(qint64, step);
    QFETCH(double, expected);
    const double lr = schedule.lr_at(step);
    QVERIFY2(
        close(lr, expected),
        qPrintable(QString("lr %1, expected %2").arg(lr, 0, 'g', 17).arg(expected, 0, 'g', 17)));
  }

  void decaysAreMonotone() {
    const LrSchedule schedules[] = {nn::warmup_cosine_schedule(3e-4, 1e-6, 100, 1000),
                                    nn::warmup_stable_decay_schedule(
                                        3e-4, 1e-6, 100, 1000, 0.3, LrSchedule::DecayShape::cosine),
                                    nn::warmup_stable_decay_schedule(
                                        3e-4, 0.0, 100, 1000, 0.3, LrSchedule::DecayShape::linear)};
    for (const auto& s : schedules) {
      QCOMPARE(s.lr_at(99), 3e-4);
      for (std::int64_t t = 1; t < 100; ++t)
        QVERIFY(s.lr_at(t) > s.lr_at(t - 1));
      for (std::int64_t t = 101; t < 1100; ++t)
        QVERIFY(s.lr_at(t) <= s.lr_at(t - 1));
      QCOMPARE(s.lr_at(1000), s.min_lr);
    }
    QCOMPARE(schedules[1].decay_steps(), std::int64_t(300));
  }

  void errors() {
    QVERIFY_THROWS_EXCEPTION(Error, nn::constant_schedule(1.0).lr_at(-1));
    QVERIFY_THROWS_EXCEPTION(Error, nn::constant_schedule(-1.0).lr_at(0));
    QVERIFY_THROWS_EXCEPTION(Error, nn::constant_schedule(1.0, -3).lr_at(0));
    QVERIFY_THROWS_EXCEPTION(Error, nn::warmup_cosine_schedule(1.0, 2.0, 0, 10).validate());
    QVERIFY_THROWS_EXCEPTION(Error, nn::warmup_cosine_schedule(1.0, 0.0, 10, 10).validate());
    QVERIFY_THROWS_EXCEPTION(Error, nn::warmup_cosine_schedule(1.0, 0.0, 0, 0).validate());
    const auto lin = LrSchedule::DecayShape::linear;
    QVERIFY_THROWS_EXCEPTION(
        Error, nn::warmup_stable_decay_schedule(1.0, 0.0, 0, 10, 0.0, lin).validate());
    QVERIFY_THROWS_EXCEPTION(
        Error, nn::warmup_stable_decay_schedule(1.0, 0.0, 0, 10, 1.5, lin).validate());
    QVERIFY_THROWS_EXCEPTION(
        Error, nn::warmup_stable_decay_schedule(1.0, 0.0, 0, 10, 0.01, lin).validate()); // D = 0
    QVERIFY_THROWS_EXCEPTION(
        Error, nn::warmup_stable_decay_schedule(1.0, 0.0, 9, 10, 0.5, lin).validate()); // overlap
    nn::warmup_stable_decay_schedule(1.0, 0.0, 5, 10, 0.5, lin).validate();             // touching
  }
};

QTEST_APPLESS_MAIN(TestLrSchedule)
#include "test_lr_schedule.moc"

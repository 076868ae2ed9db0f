// The inspect panel reads a file off the GUI thread and shows its facts;
// a bad file shows the one-line error naming it.
#include "tests/support/test_support.h"
#include "widgets/inspect/InspectPanel.h"

#include <QApplication>
#include <QSignalSpy>
#include <QTemporaryDir>

using namespace atelier;

class TestInspectPanel : public QObject {
  Q_OBJECT
private slots:
  void showsFactsOfAFile();
  void showsErrorForBadFile();
  void newerRequestWins();

private:
  QTemporaryDir dir_;
  QString mrc(const char* name, int nx) {
    std::vector<std::uint8_t> b(1024 + static_cast<std::size_t>(nx) * 4, 0);
    const std::int32_t header[4] = {nx, 1, 1, 2};
    memcpy(b.data(), header, sizeof header);
    const std::int32_t sampling[3] = {nx, 1, 1};
    memcpy(b.data() + 28, sampling, sizeof sampling);
    const std::int32_t axes[3] = {1, 2, 3};
    memcpy(b.data() + 64, axes, sizeof axes);
    memcpy(b.data() + 208, "MAP ", 4);
    b[212] = 0x44;
    b[213] = 0x44;
    const QString p = dir_.path() + "/" + name;
    test::write_file(p.toStdString(), b);
    return p;
  }
  static QString value(const InspectPanel& panel, const QString& key) {
    const auto& m = panel.model();
    for (int r = 0; r < m.rowCount(); ++r)
      if (m.index(r, 0).data().toString() == key) return m.index(r, 1).data().toString();
    return {};
  }
};

void TestInspectPanel::showsFactsOfAFile() {
  InspectPanel panel;
  QSignalSpy done(&panel, &InspectPanel::inspected);
  panel.inspect(mrc("a.mrc", 7));
  QVERIFY(done.wait(10000));
  QCOMPARE(value(panel, "format"), QString("mrc"));
  QCOMPARE(value(panel, "dims"), QString("7 x 1 x 1"));
  QCOMPARE(value(panel, "dtype"), QString("float32"));
}

void TestInspectPanel::showsErrorForBadFile() {
  InspectPanel panel;
  QSignalSpy failed(&panel, &InspectPanel::failed);
  const QString p = dir_.path() + "/broken.mrc";
  test::write_file(p.toStdString(), {1, 2, 3});
  panel.inspect(p);
  QVERIFY(failed.wait(10000));
  const QString message = failed.first().at(1).toString();
  QVERIFY2(message.contains("broken.mrc"), qPrintable(message));
  QCOMPARE(panel.model().rowCount(), 0);
}

void TestInspectPanel::newerRequestWins() {
  InspectPanel panel;
  QSignalSpy done(&panel, &InspectPanel::inspected);
  panel.inspect(mrc("first.mrc", 3));
  panel.inspect(mrc("second.mrc", 5));
  QVERIFY(done.wait(10000));
  QTest::qWait(100);
  QCOMPARE(done.count(), 1);
  QVERIFY(done.first().at(0).toString().endsWith("second.mrc"));
  QCOMPARE(value(panel, "dims"), QString("5 x 1 x 1"));
}

QTEST_MAIN(TestInspectPanel)
#include "test_inspect_panel.moc"

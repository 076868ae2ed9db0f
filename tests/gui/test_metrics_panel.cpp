// The metrics panel: a histogram of the chosen metric over the grid's
// filter, a brushed range that becomes a filter, and a bulk reject of the
// range in two gestures (drag, click), undoable like any change.
#include "core/project/project.h"
#include "widgets/metrics/HistogramView.h"
#include "widgets/metrics/MetricsPanel.h"
#include "widgets/metrics/ScatterView.h"

#include <QApplication>
#include <QComboBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace atelier;

class TestMetricsPanel : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  std::shared_ptr<project::Project> project_;

private slots:
  void initTestCase() {
    project_ = std::make_shared<project::Project>(
        project::Project::create(tmp_.filePath("p.atelier").toStdString()));
    const auto ds = project_->add_dataset({0, "d", "/data", 0, PixelSizeSource::none});
    auto batch = project_->batch();
    for (int i = 0; i < 100; ++i) {
      project::ItemRecord r;
      r.dataset_id = ds;
      r.rel_path = "m" + std::to_string(i);
      const auto id = project_->upsert_item(r);
      // CTF resolution 3.0 .. 12.9 A; "a_first" sorts before it in the chooser.
      project_->set_metrics(
          id,
          {{"ctf_max_resolution_A", 3.0 + i * 0.1}, {"a_first", 1.0}, {"ice_nm", double(i % 10)}});
    }
    batch.commit();
  }

  // The metrics chosen are remembered per project (QSettings group).
  void remembersTheChosenMetrics() {
    QCoreApplication::setOrganizationName("AtelierTest");
    QSettings().remove("metrics-test");
    {
      MetricsPanel panel(project_);
      panel.persistSettings("metrics-test");
      QCOMPARE(panel.metricChooser().currentText(), QString("ctf_max_resolution_A"));
      panel.metricChooser().setCurrentText("ice_nm");
      panel.versusChooser().setCurrentText("a_first");
    }
    MetricsPanel again(project_);
    again.persistSettings("metrics-test");
    QCOMPARE(again.metricChooser().currentText(), QString("ice_nm"));
    QCOMPARE(again.versusChooser().currentText(), QString("a_first"));
    QSettings().remove("metrics-test");
  }

  void histogramFollowsTheFilter() {
    MetricsPanel panel(project_);
    QCOMPARE(panel.metricChooser().count(), 3);
    panel.metricChooser().setCurrentText("ctf_max_resolution_A");
    const auto& h = panel.histogram().histogram();
    QCOMPARE(h.min, 3.0);
    QVERIFY(std::abs(h.max - 12.9) < 1e-9);
    std::int64_t total = 0;
    for (auto c : h.counts)
      total += c;
    QCOMPARE(total, std::int64_t{100});
    panel.setFilter("ctf_max_resolution_A < 5");
    QVERIFY(panel.histogram().histogram().max < 5.0);
    QCOMPARE(panel.histogram().histogram().items, std::int64_t{20});
  }

  void brushFilterAndReject() {
    MetricsPanel panel(project_);
    panel.resize(400, 300);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.metricChooser().setCurrentText("ctf_max_resolution_A");
    HistogramView& view = panel.histogram();
    // Drag from the middle to the right edge: "worse than about 8 A".
    const int y = view.height() / 2;
    const int x0 = view.width() / 2;
    QTest::mousePress(&view, Qt::LeftButton, {}, QPoint(x0, y));
    QTest::mouseMove(&view, QPoint(view.width() - 1, y));
    QTest::mouseRelease(&view, Qt::LeftButton, {}, QPoint(view.width() - 1, y));
    QVERIFY(view.range());
    const double lo = view.range()->first;
    QVERIFY(lo > 7.0 && lo < 9.0);
    QVERIFY(view.range()->second > 12.8);

    QSignalSpy filter(&panel, &MetricsPanel::filterRequested);
    panel.findChildren<QPushButton*>().at(0)->click(); // Filter
    QCOMPARE(filter.size(), 1);
    const QString f = filter.first().first().toString();
    const auto in_range = project_->count_items(f.toStdString());
    QCOMPARE(in_range, project_->count_items("ctf_max_resolution_A >= " + std::to_string(lo) +
                                             " and a_first = 1"));

    QSignalSpy changed(&panel, &MetricsPanel::itemsChanged);
    panel.findChildren<QPushButton*>().at(2)->click(); // Reject
    QCOMPARE(changed.size(), 1);
    QCOMPARE(project_->count_items("status = reject"), in_range);
    QVERIFY(project_->undo());
    QCOMPARE(project_->count_items("status = reject"), std::int64_t{0});
    // Double-click clears the brush; the buttons turn off.
    QTest::mouseDClick(&view, Qt::LeftButton, {}, QPoint(x0, y));
    QVERIFY(!view.range());
    QVERIFY(!panel.findChildren<QPushButton*>().at(2)->isEnabled());
  }

  // Two metrics as a scatter; a rectangle around the points with thick ice
  // and poor resolution, then a lasso, then Reject: one undoable change.
  void scatterLassoAndReject() {
    MetricsPanel panel(project_);
    panel.resize(420, 360);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.metricChooser().setCurrentText("ctf_max_resolution_A");
    panel.versusChooser().setCurrentText("ice_nm");
    ScatterView& scatter = panel.scatter();
    QVERIFY(scatter.isVisible() && !panel.histogram().isVisible());
    QCOMPARE(scatter.data().ids.size(), std::size_t(100));
    // Shift-drag a rectangle: resolution > 10 A and ice >= 5.
    const QPointF a = scatter.toWidget(10.05, 4.5), b = scatter.toWidget(13.5, 9.5);
    QTest::mousePress(&scatter, Qt::LeftButton, Qt::ShiftModifier, a.toPoint());
    QTest::mouseMove(&scatter, ((a + b) / 2).toPoint());
    QTest::mouseMove(&scatter, b.toPoint());
    QTest::mouseRelease(&scatter, Qt::LeftButton, Qt::ShiftModifier, b.toPoint());
    const auto expected = project_->count_items("ctf_max_resolution_A > 10.05 and ice_nm >= 5");
    QCOMPARE(std::int64_t(scatter.selectedIds().size()), expected);
    QVERIFY(expected > 0);
    QSignalSpy filter(&panel, &MetricsPanel::filterRequested);
    panel.findChildren<QPushButton*>().at(0)->click(); // Filter
    QCOMPARE(project_->count_items(filter.first().first().toString().toStdString()), expected);
    // A lasso (a triangle) around the lowest-resolution corner.
    QPolygonF lasso;
    lasso << scatter.toWidget(2.9, -0.5) << scatter.toWidget(4.05, -0.5)
          << scatter.toWidget(2.9, 9.5);
    scatter.selectInside(lasso);
    QVERIFY(!scatter.selectedIds().empty());
    const auto chosen = scatter.selectedIds();
    panel.findChildren<QPushButton*>().at(2)->click(); // Reject
    QCOMPARE(project_->count_items("status = reject"), std::int64_t(chosen.size()));
    QVERIFY(project_->undo());
    QCOMPARE(project_->count_items("status = reject"), std::int64_t{0});
    // The scatter follows the grid's filter (its values bound after the names).
    panel.setFilter("ice_nm < 3 and ctf_max_resolution_A >= 4");
    QCOMPARE(scatter.data().ids.size(), std::size_t(27));
  }
};

QTEST_MAIN(TestMetricsPanel)
#include "test_metrics_panel.moc"

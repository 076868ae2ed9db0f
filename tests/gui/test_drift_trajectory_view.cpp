// The drift trajectory plot: the path is drawn where framePoint says, with
// equal scales on both axes; empty and still trajectories; and the item
// panel shows it for an imported movie, not for its sum.
#include "core/import/importer.h"
#include "core/metrics/movie_drift.h"
#include "core/project/project.h"
#include "core/simulate/micrograph_simulator.h"
#include "widgets/inspect/DriftTrajectoryView.h"
#include "widgets/inspect/ItemPropertiesPanel.h"

#include <QDir>
#include <QImage>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace atelier;

namespace {

// True when some pixel within radius of p differs from the background.
bool painted_near(const QImage& image, QPointF p, QColor background, int radius = 2) {
  for (int dy = -radius; dy <= radius; ++dy)
    for (int dx = -radius; dx <= radius; ++dx) {
      const int x = static_cast<int>(std::lround(p.x())) + dx;
      const int y = static_cast<int>(std::lround(p.y())) + dy;
      if (image.rect().contains(x, y) && image.pixelColor(x, y) != background) return true;
    }
  return false;
}

} // namespace

class TestDriftTrajectoryView : public QObject {
  Q_OBJECT
private slots:
  void drawsThePath() {
    DriftTrajectoryView view;
    view.resize(260, 220);
    view.setTrajectory({{0, 0}, {4, 2}, {6, 6}, {7, 8}}, 1.5);
    QVERIFY(view.hasTrajectory());
    QCOMPARE(view.unit(), QString("Å"));
    const double total = 1.5 * (std::hypot(4, 2) + std::hypot(2, 4) + std::hypot(1, 2));
    QVERIFY(std::abs(view.totalLength() - total) < 1e-9);
    QVERIFY(std::abs(view.netLength() - 1.5 * std::hypot(7, 8)) < 1e-9);
    // Equal scales: widget distances are proportional to drift distances.
    const QPointF p0 = view.framePoint(0), p1 = view.framePoint(1), p3 = view.framePoint(3);
    const double s01 = QLineF(p0, p1).length() / (1.5 * std::hypot(4, 2));
    const double s03 = QLineF(p0, p3).length() / (1.5 * std::hypot(7, 8));
    QVERIFY2(std::abs(s01 - s03) < 1e-6 * s01, qPrintable(QString("%1 %2").arg(s01).arg(s03)));
    QVERIFY(p3.y() > p0.y()); // y grows downwards, as the image is shown
    QVERIFY(view.rect().contains(p0.toPoint()) && view.rect().contains(p3.toPoint()));

    const QImage image = view.grab().toImage();
    const QColor background = view.palette().base().color();
    for (int f = 0; f < 4; ++f)
      QVERIFY2(painted_near(image, view.framePoint(f), background), qPrintable(QString::number(f)));
    const QPointF mid = (view.framePoint(1) + view.framePoint(2)) / 2;
    QVERIFY(painted_near(image, mid, background));
    // Far from the path (the right-hand edge of the plot, mid height) the
    // background shows.
    QVERIFY(!painted_near(image, QPointF(view.width() - 4, view.height() / 2.0), background));
  }

  void emptyAndStill() {
    DriftTrajectoryView view;
    view.resize(200, 160);
    QVERIFY(!view.hasTrajectory());
    QVERIFY(!view.grab().isNull());
    view.setTrajectory({{0, 0}, {0, 0}, {0, 0}}, 0.0);
    QCOMPARE(view.unit(), QString("px"));
    QCOMPARE(view.totalLength(), 0.0);
    const QPointF p = view.framePoint(2);
    QVERIFY(std::isfinite(p.x()) && std::isfinite(p.y()));
    QVERIFY(!view.grab().isNull());
    view.setTrajectory({}, 1.0);
    QVERIFY(!view.hasTrajectory());
  }

  void panelShowsAMoviesDrift() {
    QTemporaryDir tmp;
    simulate::SimulationOptions o;
    o.size = 256;
    o.frames = 6;
    o.seed = 4;
    o.threads = 1;
    simulate::simulate_micrographs(tmp.filePath("sim").toStdString(), o);
    auto project = std::make_shared<project::Project>(
        project::Project::create(tmp.filePath("p.atelier").toStdString()));
    import::import_paths(*project, {tmp.filePath("sim").toStdString()}, import::ImportOptions{});
    const auto movies = project->query_ids("kind = movie");
    const auto images = project->query_ids("kind = image");
    QCOMPARE(movies.size(), std::size_t(1));
    QVERIFY(!images.empty());

    ItemPropertiesPanel panel;
    panel.resize(320, 600);
    panel.setProject(project);
    panel.setItem(movies.front());
    QVERIFY(panel.driftView().isVisibleTo(&panel));
    QVERIFY(panel.driftView().hasTrajectory());
    bool raw_text_row = false, metric_row = false;
    for (int r = 0; r < panel.table().rowCount(); ++r) {
      const QString key = panel.table().item(r, 0)->text();
      raw_text_row |= key == metrics::kDriftTrajectoryKey;
      metric_row |= key == "drift_total_A";
    }
    QVERIFY(!raw_text_row); // drawn, not listed
    QVERIFY(metric_row);
    // The plot's path length is the metric's (both from the same trajectory,
    // rounded to 0.01 px in the text).
    const double metric = project->item_metrics(movies.front()).at("drift_total_A");
    QVERIFY2(std::abs(panel.driftView().totalLength() - metric) < 0.05,
             qPrintable(QString("%1 vs %2").arg(panel.driftView().totalLength()).arg(metric)));

    if (const QString dir = qEnvironmentVariable("ATELIER_TEST_ARTEFACTS"); !dir.isEmpty()) {
      QDir().mkpath(dir);
      panel.driftView().grab().save(dir + "/drift_trajectory.png");
    }
    panel.setItem(images.front());
    QVERIFY(!panel.driftView().isVisibleTo(&panel));
    QVERIFY(!panel.driftView().hasTrajectory());
  }
};

QTEST_MAIN(TestDriftTrajectoryView)
#include "test_drift_trajectory_view.moc"

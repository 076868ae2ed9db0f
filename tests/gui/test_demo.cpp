// `atelier --demo`: the demo's simulation stops on cancel and resumes; the
// app makes the demo project in the background (simulated sessions, then the
// sample files) and shows it with the database's counts; a second start just
// opens it; without a display the binary runs the headless demo.
#include "app/gui/DemoLauncher.h"
#include "app/gui/MainWindow.h"
#include "core/import/demo_project.h"
#include "core/project/project.h"
#include "tests/support/test_support.h"
#include "widgets/grid/GridPanel.h"
#include "widgets/grid/ItemGridModel.h"
#include "widgets/viewer/ImageViewer.h"
#include "widgets/viewer/ViewerPanel.h"

#include <QApplication>
#include <QDir>
#include <QImage>
#include <QLabel>
#include <QProcess>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>

#include <atomic>
#include <filesystem>

using namespace atelier;

class TestDemo : public QObject {
  Q_OBJECT
private slots:
  void initTestCase() {
    QApplication::setOrganizationName("AtelierTest");
    QSettings().clear();
  }
  void simulationStopsOnCancelAndResumes();
  void appMakesTheDemoProjectInTheBackground();
  void runsHeadlessWithoutADisplay();
  void cleanupTestCase() { QSettings().clear(); }

private:
  QTemporaryDir dir_;
  QString ready_root_; // a finished demo, for the headless run
};

void TestDemo::simulationStopsOnCancelAndResumes() {
  const import::DemoPlan plan =
      import::demo_plan((dir_.path() + "/cancelled").toStdString(), "/no/such/folder");
  QVERIFY(plan.sample_dir.empty()); // a missing sample folder is left out
  std::atomic<bool> cancel{false};
  int calls = 0, last_total = 0;
  const bool completed = import::simulate_demo_data(
      plan,
      [&](int, int total) {
        ++calls;
        last_total = total;
        cancel = true; // stop after the first micrograph
      },
      &cancel);
  QVERIFY(!completed);
  QVERIFY(calls >= 1 && calls < 18); // micrographs in flight finish
  QCOMPARE(last_total, 18);
  QVERIFY(!std::filesystem::exists(plan.data_dir / "session_1" / "truth.json"));
  QVERIFY(!import::demo_ready(plan));

  const auto imports = import::demo_imports(plan, 2);
  QCOMPARE(imports.size(), std::size_t(1)); // no samples
  QCOMPARE(imports[0].paths.size(), std::size_t(2));
  QCOMPARE(imports[0].options.exclude_globs, std::vector<std::string>{"*_clean.mrc"});
  const auto with_samples =
      import::demo_imports(import::demo_plan(plan.root, dir_.path().toStdString()), 2);
  QCOMPARE(with_samples.size(), std::size_t(2));
  QCOMPARE(with_samples[1].options.dataset_name, std::string("samples"));
}

void TestDemo::appMakesTheDemoProjectInTheBackground() {
  const QString samples = test::sample_data_dir();
  const QString root = dir_.path() + "/app";
  const import::DemoPlan plan = import::demo_plan(root.toStdString(), samples.toStdString());
  MainWindow window;
  auto* demo = new DemoLauncher(window, plan);
  QSignalSpy finished(demo, &DemoLauncher::finished);
  QVERIFY(demo->start());
  // The project shows at once, before any data exists.
  auto* tabs = window.findChild<QTabWidget*>();
  QCOMPARE(tabs->tabText(tabs->currentIndex()), QString("demo.atelier"));
  QVERIFY(finished.wait(240000) || !finished.isEmpty());
  QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
  QVERIFY(import::demo_ready(plan));

  const project::Project p = project::Project::open(plan.project_dir);
  const project::ProjectStats s = p.stats();
  std::map<std::string, std::int64_t> datasets(s.datasets.begin(), s.datasets.end());
  // Sums, odd and even halves and movies: 4 files per micrograph.
  QCOMPARE(datasets["session_1"], std::int64_t(48));
  QCOMPARE(datasets["session_2_drift"], std::int64_t(24));
  if (!samples.isEmpty()) QVERIFY(datasets["samples"] >= 30);
  QCOMPARE(s.import_errors, std::int64_t(0));
  // The status bar's counts are the database's.
  QTRY_VERIFY(window.findChild<QLabel*>("projectCounts")
                  ->text()
                  .startsWith(QString("%1 items").arg(s.items)));

  // The screenshot: the main window on the demo, kept as a test artefact,
  // with decoded thumbnails in the first tiles.
  window.resize(1280, 800);
  window.show();
  auto* grid = window.findChild<GridPanel*>();
  QVERIFY(grid);
  const int tiles = std::min(12, grid->model().rowCount());
  QVERIFY(tiles > 0);
  const auto decoded = [&] {
    int n = 0;
    for (int row = 0; row < tiles; ++row)
      n += !grid->model()
                .data(grid->model().index(row), ItemGridModel::ThumbnailRole)
                .value<QImage>()
                .isNull();
    return n;
  };
  QTRY_COMPARE_WITH_TIMEOUT(decoded(), tiles, 20000);
  const QImage shot = window.grab().toImage();
  QVERIFY(shot.width() >= 1280);
  if (const QByteArray dir = qgetenv("ATELIER_TEST_ARTEFACTS"); !dir.isEmpty()) {
    QDir().mkpath(dir);
    QVERIFY(shot.save(dir + "/main_window_demo.png"));
  }

  // The first item in the viewer beside the grid, with its spectrum.
  QVERIFY(window.openItem(grid->model().idAt(2))); // a sum
  auto* viewer = window.findChild<ViewerPanel*>();
  QTRY_VERIFY_WITH_TIMEOUT(viewer->isVisible() && viewer->viewer().plane().width > 0, 20000);
  QTRY_VERIFY(viewer->width() > 300 && grid->width() > 150); // side by side, neither cramped
  viewer->setSpectrum(true);
  if (const QByteArray dir = qgetenv("ATELIER_TEST_ARTEFACTS"); !dir.isEmpty())
    QVERIFY(window.grab().toImage().save(dir + "/main_window_demo_viewer.png"));
  viewer->setSpectrum(false);

  // The next start only opens it, in the tab that shows it already.
  const int pages = tabs->count();
  auto* again = new DemoLauncher(window, plan);
  QSignalSpy reopened(again, &DemoLauncher::finished);
  QVERIFY(again->start());
  QCOMPARE(reopened.size(), 1);
  QVERIFY(reopened.first().at(0).toBool());
  QCOMPARE(tabs->count(), pages);
  ready_root_ = root;
  if (samples.isEmpty()) QSKIP("sample data absent: the demo ran without the samples");
}

void TestDemo::runsHeadlessWithoutADisplay() {
  if (ready_root_.isEmpty()) QSKIP("needs the demo made by the previous test");
  QProcess app;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
    env.remove(name);
  env.insert("ATELIER_DEMO_DIR", ready_root_);
  app.setProcessEnvironment(env);
  app.start(ATELIER_GUI_EXE, {"--demo"});
  QVERIFY(app.waitForFinished(60000));
  const QString out = app.readAllStandardOutput(), err = app.readAllStandardError();
  QCOMPARE(app.exitCode(), 0);
  QVERIFY2(err.contains("no display"), qPrintable(err));
  const project::Project p =
      project::Project::open(std::filesystem::path(ready_root_.toStdString()) / "demo.atelier");
  QVERIFY2(out.contains(QString("%1 items (0 unreadable)").arg(p.stats().items)), qPrintable(out));
  QVERIFY(out.contains("session_2_drift 24"));
}

QTEST_MAIN(TestDemo)
#include "test_demo.moc"

// The main window lists opened files by name (full path in the tooltip),
// inspects the current one, and keeps a most-recent-first list; a project
// folder opens in a grid tab with its counts in the status bar.
#include "app/gui/MainWindow.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/project/project.h"
#include "core/project/writer_lock.h"
#include "tests/support/test_support.h"
#include "widgets/compare/CompareView.h"
#include "widgets/grid/GridPanel.h"
#include "widgets/grid/ItemGridModel.h"
#include "widgets/grid/RenderedThumbnails.h"
#include "widgets/grid/ThumbnailLoader.h"
#include "widgets/import/ImportDialog.h"
#include "widgets/import/ImportJob.h"
#include "widgets/inspect/InspectPanel.h"
#include "widgets/inspect/ItemPropertiesPanel.h"
#include "widgets/jobs/JobsPanel.h"
#include "widgets/project/NoticeBanner.h"
#include "widgets/project/ProjectTreePanel.h"
#include "widgets/render/offscreen_render.h"
#include "widgets/view3d/PointCloudPanel.h"
#include "widgets/view3d/VolumeViewerPanel.h"
#include "widgets/viewer/ImageViewer.h"
#include "widgets/viewer/ViewerPanel.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QToolBar>
#include <QTreeWidget>

using namespace atelier;

class TestMainWindow : public QObject {
  Q_OBJECT
private slots:
  void initTestCase() {
    QApplication::setOrganizationName("AtelierTest");
    QSettings().clear();
  }
  void opensFilesAndInspectsTheLast();
  void opensAProjectInAGridTab();
  void importDialogOptions();
  void opensVolumesAndCloudsIn3DTabs();
  void showsVolumesIn3DInTheGrid();
  void comparesTwoImagesOfTheSameSize();
  void denoisesItemsAndComparesWithTheResult();
  void alignsMoviesIntoImportedHalves();
  void readOnlyWhileAnotherHoldsTheProject();
  void createsProjectsFromTheFileMenu();
  void closingCancelsBackgroundJobs();
  void cleanupTestCase() { QSettings().clear(); }

private:
  QTemporaryDir dir_;
};

void TestMainWindow::opensVolumesAndCloudsIn3DTabs() {
  if (!render::display_available()) QSKIP("the 3D view needs an X display");
  ATELIER_REQUIRE_SAMPLE_DATA();
  MainWindow window;
  auto* tabs = window.findChild<QTabWidget*>();
  const int before = tabs->count();
  QWidget* volume = window.open3D(QString::fromStdString(test::sample_path("cryoem/EMD-3197.map")));
  QVERIFY(qobject_cast<VolumeViewerPanel*>(volume));
  QSignalSpy loaded(qobject_cast<VolumeViewerPanel*>(volume), &VolumeViewerPanel::loaded);
  QVERIFY(loaded.wait(20000));
  QCOMPARE(tabs->count(), before + 1);
  QCOMPARE(tabs->tabText(tabs->currentIndex()), QString("3D: EMD-3197.map"));
  QWidget* cloud =
      window.open3D(QString::fromStdString(test::sample_path("pointclouds/pcl_bunny.pcd")));
  QVERIFY(qobject_cast<PointCloudPanel*>(cloud));
  // A STAR table has no 3D view: no tab, a message.
  QVERIFY(!window.open3D(QString::fromStdString(test::sample_path("cryoem/relion31.star"))));
  QVERIFY(window.statusBar()->currentMessage().contains("no 3D view"));
  QCOMPARE(tabs->count(), before + 2);
  // 3D tabs close; the Inspect tab stays.
  emit tabs->tabCloseRequested(tabs->indexOf(volume));
  QCOMPARE(tabs->count(), before + 1);
  emit tabs->tabCloseRequested(0);
  QCOMPARE(tabs->count(), before + 1);
}

// A project with a volume: opening it starts `atelier-cli thumbnails` in a
// child process (listed in the Jobs dock), and the grid then shows the 3D
// rendering (256 x 256 RGB) instead of the middle slice (32 x 32 grey).
void TestMainWindow::showsVolumesIn3DInTheGrid() {
  if (!render::display_available()) QSKIP("3D thumbnails need an X display");
  QTemporaryDir tmp;
  QDir(tmp.path()).mkpath("data");
  Volume ball(32, 32, 32, DType::f32);
  auto v = ball.values<float>();
  for (std::int64_t z = 0; z < 32; ++z)
    for (std::int64_t y = 0; y < 32; ++y)
      for (std::int64_t x = 0; x < 32; ++x)
        v[std::size_t((z * 32 + y) * 32 + x)] =
            (x - 15.5) * (x - 15.5) + (y - 15.5) * (y - 15.5) + (z - 15.5) * (z - 15.5) < 100
                ? 1.0f
                : 0.0f;
  write_mrc(tmp.filePath("data/ball.mrc").toStdString(), ball);
  const QString dir = tmp.filePath("vol.atelier");
  QCOMPARE(test::run_cli({"project", "create", dir}).exit_code, 0);
  QCOMPARE(test::run_cli({"import", dir, tmp.filePath("data"), "--quiet"}).exit_code, 0);
  const std::string fingerprint = project::Project::open(dir.toStdString()).item(1)->fingerprint;
  const QString key = QString::fromStdString(fingerprint);

  MainWindow window;
  QSignalSpy finished(&window.renderedThumbnails(), &RenderedThumbnails::finished);
  QVERIFY(window.openProject(dir));
  QVERIFY(finished.wait(60000));
  QVERIFY2(finished.first().at(1).toBool(), qPrintable(finished.first().at(2).toString()));
  QVERIFY(QFileInfo::exists(dir + "/cache/" + key + "-3d.jpg"));
  auto* grid = window.findChild<GridPanel*>();
  QVERIFY(grid);
  QSignalSpy ready(&grid->thumbnails(), &ThumbnailLoader::thumbnailReady);
  if (grid->thumbnails().request(key).isNull()) QVERIFY(ready.wait(10000));
  const QImage shown = grid->thumbnails().cached(key);
  QCOMPARE(shown.size(), QSize(256, 256));
  QVERIFY(!shown.isGrayscale());
  // Asking again renders nothing new: the CLI skips volumes that have one.
  window.renderedThumbnails().request(dir);
  QVERIFY(finished.wait(60000));
  QVERIFY(finished.last().at(1).toBool());
}

void TestMainWindow::comparesTwoImagesOfTheSameSize() {
  ATELIER_REQUIRE_SAMPLE_DATA();
  MainWindow window;
  auto* tabs = window.findChild<QTabWidget*>();
  const QString a = QString::fromStdString(test::sample_path("cryoem/leginon_libcv_tilt1.mrc"));
  const QString b =
      QString::fromStdString(test::sample_path("cryoem/leginon_08mar13e_00010gr_00004sq_v02.mrc"));
  auto* view = qobject_cast<CompareView*>(window.openCompare(a, b));
  QVERIFY(view);
  QVERIFY(tabs->tabText(tabs->currentIndex()).startsWith("Compare: leginon_libcv_tilt1.mrc"));
  QCOMPARE(view->differencePlane().width, 512);
  // A 20^3 map's section against a 512^2 micrograph: refused with a message.
  QVERIFY(!window.openCompare(a, QString::fromStdString(test::sample_path("cryoem/EMD-3197.map"))));
  QVERIFY(window.statusBar()->currentMessage().contains("cannot compare"));
}

void TestMainWindow::denoisesItemsAndComparesWithTheResult() {
  QTemporaryDir tmp;
  const QString sim = tmp.filePath("sim"), proj = tmp.filePath("d.atelier");
  QCOMPARE(
      test::run_cli({"simulate", "denoise-pairs", sim, "--count", "3", "--size", "128"}).exit_code,
      0);
  QCOMPARE(test::run_cli({"project", "create", proj}).exit_code, 0);
  QCOMPARE(test::run_cli({"import", proj, sim, "--quiet", "--no-thumbnails"}).exit_code, 0);
  const auto trained = test::run_cli({"train", "--recipe", "denoise", "--project", proj,
                                      "--run-dir", proj + "/runs/n2n", "--steps", "2", "--batch",
                                      "1", "--crop", "64", "--device", "cpu", "--quiet"});
  QVERIFY2(trained.exit_code == 0, trained.err.constData());
  MainWindow window;
  QVERIFY(window.openProject(proj));
  std::vector<qint64> ids;
  {
    auto p = project::Project::open(proj.toStdString());
    for (const auto& row : p.query_items("path ~ odd"))
      ids.push_back(row.id);
  }
  QVERIFY(ids.size() >= 2);
  QVERIFY(!window.compareWithDenoised(ids[0])); // nothing yet
  QSignalSpy finished(&window, &MainWindow::denoiseFinished);
  QVERIFY(window.denoiseItems({ids[0], ids[1]}, proj + "/runs/n2n"));
  QVERIFY(finished.wait(120000));
  QCOMPARE(finished[0][0].toInt(), 2);
  QCOMPARE(finished[0][1].toInt(), 0);
  auto* view = qobject_cast<CompareView*>(window.compareWithDenoised(ids[0]));
  QVERIFY(view);
  QCOMPARE(view->differencePlane().width, 128);
  // The latest checkpoint can be chosen too (a run of 2 steps: step 2).
  QVERIFY(window.openProject(proj)); // back to its tab from the compare tab
  QVERIFY(window.denoiseItems({ids[0]}, proj + "/runs/n2n", "latest"));
  QVERIFY(finished.wait(120000));
  QCOMPARE(finished[1][0].toInt(), 1);
  const auto outputs = project::Project::open(proj.toStdString()).derived_of(ids[0]);
  QVERIFY(!outputs.empty());
  QVERIFY2(QString::fromStdString(outputs.front().source).contains("step-2"),
           outputs.front().source.c_str());
  // A model file from elsewhere: a U-Net state dict PyTorch saved (bf16),
  // its outputs under derived/<file name>/.
  const QString weights = QString(ATELIER_GOLDEN_DIR) + "/unet_small.state_dict.bf16.safetensors";
  QVERIFY(window.denoiseItems({ids[1]}, QString(ATELIER_GOLDEN_DIR) + "/unet_small.state_dict.bf16",
                              weights));
  QVERIFY(finished.wait(120000));
  QCOMPARE(finished[2][0].toInt(), 1);
  QCOMPARE(finished[2][1].toInt(), 0);
  bool from_file = false;
  for (const auto& o : project::Project::open(proj.toStdString()).derived_of(ids[1]))
    from_file |= o.path.find("unet_small.state_dict.bf16/") != std::string::npos;
  QVERIFY(from_file);
}

// Training, Align Movies: the movies' drift-corrected sums and halves land
// in derived/aligned/ (with exposure-weighted sums, given the dose) and are
// imported as items that pair for training.
void TestMainWindow::alignsMoviesIntoImportedHalves() {
  QTemporaryDir tmp;
  const QString sim = tmp.filePath("sim"), proj = tmp.filePath("m.atelier");
  QCOMPARE(test::run_cli({"simulate", "micrographs", sim, "--count", "2", "--size", "128",
                          "--frames", "4", "--quiet"})
               .exit_code,
           0);
  QCOMPARE(test::run_cli({"project", "create", proj}).exit_code, 0);
  QCOMPARE(test::run_cli({"import", proj, sim, "--quiet", "--no-thumbnails"}).exit_code, 0);
  MainWindow window;
  QVERIFY(window.openProject(proj));
  std::vector<qint64> movies, sums;
  {
    auto p = project::Project::open(proj.toStdString());
    for (const auto& row : p.query_items("kind = movie"))
      movies.push_back(row.id);
    for (const auto& row : p.query_items("path ~ sum"))
      sums.push_back(row.id);
  }
  QCOMPARE(movies.size(), std::size_t(2));
  QVERIFY(!window.alignMovies(sums)); // no movie among them
  QSignalSpy aligned(&window, &MainWindow::alignFinished);
  QSignalSpy imported(&window.importJob(), &ImportJob::finished);
  movies::DoseSchedule dose; // 40 e-/Å² over the 4 frames, as simulated
  dose.dose_per_frame_e_per_A2 = 10.0;
  QVERIFY(window.alignMovies(movies, dose));
  QVERIFY(!window.alignMovies(movies)); // one run at a time
  QVERIFY(aligned.wait(60000));
  QCOMPARE(aligned[0][0].toInt(), 2);
  QCOMPARE(aligned[0][1].toInt(), 0);
  QTRY_COMPARE_WITH_TIMEOUT(imported.size(), 1, 30000);
  QCOMPARE(imported.first().at(0).toLongLong(), 8); // sum, odd, even, weighted sum per movie
  auto p = project::Project::open(proj.toStdString());
  QCOMPARE(p.count_items("path ~ sim_0001_movie_odd"), std::int64_t(1));
  QCOMPARE(p.count_items("path ~ sim_0002_movie_even"), std::int64_t(1));
  // One folder per dataset (and subfolder): same-named movies stay apart.
  const QString dataset_dir = proj + "/derived/aligned/dataset-1";
  QVERIFY(QFile::exists(dataset_dir + "/sim_0002_movie_sum_dw.mrc"));
  QVERIFY2(QFile::exists(dataset_dir + "/sim_0001_movie_drift.json"),
           qPrintable(QDir(proj + "/derived/aligned").entryList().join(",")));
  // Each movie links to its aligned sum: the compare tab shows the plain
  // frame sum beside it.
  QVERIFY(!window.compareWithAligned(sums.front())); // a sum has none
  QVERIFY(window.openProject(proj));
  auto* view = qobject_cast<CompareView*>(window.compareWithAligned(movies.front()));
  QVERIFY(view);
  QCOMPARE(view->differencePlane().width, 128);
}

void TestMainWindow::opensFilesAndInspectsTheLast() {
  const QString a = dir_.path() + "/a.xyz";
  const QString b = dir_.path() + "/b.xyz";
  test::write_text(a.toStdString(), "0 0 0\n1 1 1\n");
  test::write_text(b.toStdString(), "0 0 0\n1 1 1\n2 2 2\n");
  MainWindow window;
  auto* panel = window.findChild<InspectPanel*>();
  QVERIFY(panel);
  QSignalSpy done(panel, &InspectPanel::inspected);
  window.openFiles({a, b, a});
  auto* list = window.findChild<QListWidget*>("openedFiles");
  QVERIFY(list);
  QCOMPARE(list->count(), 2); // opening a again does not duplicate it
  QCOMPARE(list->item(0)->text(), QString("a.xyz"));
  QCOMPARE(list->item(0)->toolTip(), a);
  QCOMPARE(list->currentItem()->text(), QString("a.xyz"));
  QTRY_COMPARE_WITH_TIMEOUT(panel->currentPath(), a, 10000);
  QTRY_VERIFY_WITH_TIMEOUT(panel->model().rowCount() > 0, 10000);
  QCOMPARE(QSettings().value("recentFiles").toStringList(), (QStringList{a, b}));
}

void TestMainWindow::opensAProjectInAGridTab() {
  const std::string dir = (dir_.path() + "/demo.atelier").toStdString();
  {
    auto p = project::Project::create(dir);
    const auto ds = p.add_dataset({0, "d", "/data", 0, PixelSizeSource::none});
    for (int i = 0; i < 3; ++i) {
      project::ItemRecord r;
      r.dataset_id = ds;
      r.rel_path = "m" + std::to_string(i) + ".mrc";
      p.upsert_item(r);
    }
    p.set_status({1}, project::CurationStatus::accept);
  }
  MainWindow window;
  QVERIFY(!window.openProject(dir_.path() + "/missing.atelier"));
  QVERIFY(!window.findChild<GridPanel*>());
  window.openFiles({QString::fromStdString(dir)}); // a project folder opens as a project
  auto* grid = window.findChild<GridPanel*>();
  QVERIFY(grid);
  // Its dataset's folder (/data) is not there: a banner says so and offers Relink.
  auto* missing = window.findChild<NoticeBanner*>("missingDataBanner");
  QVERIFY(missing);
  QVERIFY2(missing->text().contains("d (/data)"), qPrintable(missing->text()));
  QCOMPARE(missing->actionButton().text(), QString("Relink…"));
  QCOMPARE(grid->model().rowCount(), 3);
  auto* counts = window.findChild<QLabel*>("projectCounts");
  QVERIFY(counts);
  QCOMPARE(counts->text(), QString("3 items · 1 accepted · 0 rejected · 3 shown"));

  // A change another process commits (here another connection, as
  // atelier-cli would) shows up without any action in the window.
  project::Project::open(dir).set_status({2}, project::CurationStatus::reject);
  QTRY_COMPARE_WITH_TIMEOUT(counts->text(), QString("3 items · 1 accepted · 1 rejected · 3 shown"),
                            5000);
  project::Project::open(dir).undo();
  QTRY_COMPARE_WITH_TIMEOUT(counts->text(), QString("3 items · 1 accepted · 0 rejected · 3 shown"),
                            5000);

  // A background import into the open project: the grid fills in and the
  // status bar reports the summary.
  const QString data = dir_.path() + "/incoming";
  QDir().mkpath(data);
  for (int i = 0; i < 4; ++i) {
    Image img(32, 32, 1, DType::f32);
    for (float& v : img.values<float>())
      v = float(i);
    write_mrc(QString("%1/n%2.mrc").arg(data).arg(i).toStdString(), img);
  }
  QSignalSpy finished(&window.importJob(), &ImportJob::finished);
  QVERIFY(window.importIntoCurrentProject({data}, {}));
  QVERIFY(!window.importIntoCurrentProject({data}, {})); // one at a time
  QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 30000);
  QCOMPARE(finished.first().at(0).toLongLong(), 4);
  QCOMPARE(grid->model().rowCount(), 7);
  QVERIFY(window.statusBar()->currentMessage().startsWith("Imported: 4 imported"));

  // Space on an item opens it in the viewer beside the grid, values intact.
  auto* viewer = window.findChild<ImageViewer*>();
  QVERIFY(viewer && !viewer->isVisible());
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  grid->view().setCurrentIndex(grid->model().index(5));
  grid->view().setFocus();
  QTest::keyClick(&grid->view(), Qt::Key_Space);
  QTRY_VERIFY_WITH_TIMEOUT(viewer->isVisible() && !viewer->mapped().isNull(), 10000);
  QCOMPARE(viewer->mapped().size(), QSize(32, 32));
  // Keys inside the viewer: next item, reject it, Escape back to the grid.
  QSignalSpy opened(grid, &GridPanel::openRequested);
  QTest::keyClick(viewer, Qt::Key_Right);
  QCOMPARE(opened.size(), 1);
  QCOMPARE(grid->view().currentIndex().row(), 6);
  QTest::keyClick(viewer, Qt::Key_R);
  QCOMPARE(grid->model().index(6).data(ItemGridModel::StatusRole).toString(), QString("reject"));
  QTest::keyClick(viewer, Qt::Key_Escape);
  QVERIFY(!window.findChild<ViewerPanel*>()->isVisible());
  QVERIFY(!window.openItem(9999));

  // The docks follow the project: its outline (a click filters the grid),
  // the current item's properties and note, the import in the jobs list.
  QTreeWidget& tree = window.projectTree().tree();
  const auto find = [&](const QString& name) -> QTreeWidgetItem* {
    const auto found = tree.findItems(name, Qt::MatchExactly | Qt::MatchRecursive);
    return found.isEmpty() ? nullptr : found.first();
  };
  QTRY_VERIFY(find("incoming") && find("incoming")->text(1) == "4");
  QCOMPARE(find("d")->text(1), QString("3"));
  QTRY_COMPARE(find("Rejected")->text(1), QString("1")); // after the R above
  emit tree.itemClicked(find("incoming"), 0);
  QCOMPARE(grid->model().rowCount(), 4);
  QCOMPARE(grid->findChild<QLineEdit*>()->text(), QString("dataset = \"incoming\""));
  grid->view().setCurrentIndex(grid->model().index(0));
  ItemPropertiesPanel& properties = window.itemProperties();
  const qint64 id = grid->model().idAt(0);
  QCOMPARE(properties.item(), id);
  QVERIFY(properties.table().findItems("32 x 32", Qt::MatchExactly).size() == 1);
  properties.noteEditor().setPlainText("drifted");
  QVERIFY(properties.saveNote());
  QCOMPARE(project::Project::open(dir).note(id), std::string("drifted"));
  // The properties follow changes made outside too (a note being typed is
  // never overwritten).
  project::Project::open(dir).set_status({id}, project::CurationStatus::reject);
  QTRY_VERIFY_WITH_TIMEOUT(!properties.table().findItems("rejected", Qt::MatchExactly).isEmpty(),
                           5000);
  QTreeWidget& jobs = window.jobs().jobs();
  QCOMPARE(jobs.topLevelItemCount(), 1);
  QVERIFY(jobs.topLevelItem(0)->text(0).startsWith("Import into demo.atelier"));
  QVERIFY(jobs.topLevelItem(0)->text(2).startsWith("4 imported"));
  QCOMPARE(window.jobs().runningJobs(), 0);
}

// A project whose writer lock another Atelier holds opens read-only under a
// banner naming the holder: curation, imports and notes are refused and
// nothing reaches the database; Try Again reopens it for writing once the
// holder is gone. An item whose file moved says so in the viewer.
void TestMainWindow::readOnlyWhileAnotherHoldsTheProject() {
  const QString dir = dir_.path() + "/shared.atelier";
  const QString data = dir_.path() + "/shared_data";
  QDir().mkpath(data);
  for (int i = 0; i < 2; ++i) {
    Image img(16, 16, 1, DType::f32);
    for (float& v : img.values<float>())
      v = float(i);
    write_mrc(QString("%1/s%2.mrc").arg(data).arg(i).toStdString(), img);
  }
  {
    auto p = project::Project::create(dir.toStdString());
    const auto ds = p.add_dataset({0, "shared", data.toStdString(), 0, PixelSizeSource::none});
    for (int i = 0; i < 3; ++i) { // s2.mrc does not exist: its file "moved"
      project::ItemRecord r;
      r.dataset_id = ds;
      r.rel_path = "s" + std::to_string(i) + ".mrc";
      r.format = "mrc";
      p.upsert_item(r);
    }
  }
  auto other = project::WriterLock::try_acquire(dir.toStdString(), "other-atelier");
  QVERIFY(other);

  MainWindow window;
  QVERIFY(window.openProject(dir));
  QVERIFY(window.isReadOnly(dir));
  auto* banner = window.findChild<NoticeBanner*>("readOnlyBanner");
  QVERIFY(banner);
  QVERIFY2(banner->text().contains("other-atelier") && banner->text().contains("pid"),
           qPrintable(banner->text()));
  auto* tabs = window.findChild<QTabWidget*>();
  QVERIFY(tabs->tabText(tabs->currentIndex()).contains("read-only"));

  auto* grid = window.findChild<GridPanel*>();
  QCOMPARE(grid->model().rowCount(), 3);
  QSignalSpy messages(grid, &GridPanel::message);
  grid->view().selectAll();
  grid->setSelectedStatus(project::CurationStatus::accept);
  QVERIFY(!messages.isEmpty() && messages.last().at(0).toString().contains("read-only"));
  QVERIFY(!grid->undo());
  QCOMPARE(project::Project::open(dir.toStdString()).count_items("status = accept"),
           std::int64_t{0});
  QVERIFY(!window.importIntoCurrentProject({data}, {}));
  QVERIFY(window.statusBar()->currentMessage().contains("read-only"));
  QVERIFY(!window.openTraining());
  grid->view().setCurrentIndex(grid->model().index(0));
  QVERIFY(window.itemProperties().noteEditor().isReadOnly());

  // The item whose file is gone: the viewer says why instead of an image.
  window.show();
  QVERIFY(QTest::qWaitForWindowExposed(&window));
  auto* viewer = window.findChild<ViewerPanel*>();
  QVERIFY(window.openItem(grid->model().idAt(2)));
  QTRY_VERIFY_WITH_TIMEOUT(!viewer->problemText().isEmpty(), 10000);
  QVERIFY2(viewer->problemText().contains("s2.mrc") && viewer->problemText().contains("missing"),
           qPrintable(viewer->problemText()));
  window.resize(1280, 800);
  QTRY_VERIFY(viewer->width() > 200 && grid->width() > 150); // side by side, neither cramped
  QTest::qWait(50);                                          // settled before the screenshot
  QTRY_COMPARE(grid->model().index(2).data(ItemGridModel::ProblemRole).toString(),
               QString("missing"));
  if (const QByteArray out = qgetenv("ATELIER_TEST_ARTEFACTS"); !out.isEmpty()) {
    QDir().mkpath(QString::fromLocal8Bit(out));
    window.grab().toImage().save(QString::fromLocal8Bit(out) + "/main_window_read_only.png");
  }
  QVERIFY(window.openItem(grid->model().idAt(0))); // a good item brings the image back
  QTRY_VERIFY_WITH_TIMEOUT(viewer->problemText().isEmpty(), 10000);

  // Try Again while the holder is still there changes nothing.
  banner->actionButton().click();
  QVERIFY(window.isReadOnly(dir));
  QVERIFY(window.statusBar()->currentMessage().contains("other-atelier"));
  other.reset(); // the other Atelier closes the project
  banner->actionButton().click();
  QTRY_VERIFY(!window.findChild<NoticeBanner*>("readOnlyBanner"));
  QVERIFY(!window.isReadOnly(dir));
  grid = window.findChild<GridPanel*>();
  grid->view().selectAll();
  grid->setSelectedStatus(project::CurationStatus::accept);
  QCOMPARE(project::Project::open(dir.toStdString()).count_items("status = accept"),
           std::int64_t{3});
  // This window holds the lock now: a second window would be read-only.
  QVERIFY(project::WriterLock::holder(dir.toStdString()));
  QCOMPARE(project::WriterLock::holder(dir.toStdString())->program, std::string("Atelier"));
}

// File › New Project makes NAME.atelier (the suffix added), opens it and
// lists it under Open Recent; the toolbar and Edit menu act on its grid.
void TestMainWindow::createsProjectsFromTheFileMenu() {
  MainWindow window;
  const QString dir = dir_.path() + "/fresh";
  QVERIFY(window.createProject(dir));
  QVERIFY(QFileInfo(dir + ".atelier/project.sqlite").isFile());
  auto* grid = window.findChild<GridPanel*>();
  QVERIFY(grid);
  QCOMPARE(grid->model().rowCount(), 0);
  bool listed = false;
  for (QAction* a : window.findChildren<QAction*>())
    listed = listed || a->text() == QFileInfo(dir + ".atelier").absoluteFilePath();
  QVERIFY(listed);
  QVERIFY(!window.createProject(dir + ".atelier")); // exists and is not empty
  QVERIFY(window.statusBar()->currentMessage().contains("not empty"));
  auto* bar = window.findChild<QToolBar*>("mainToolBar");
  QVERIFY(bar);
  QStringList texts;
  for (QAction* a : bar->actions())
    texts << a->iconText();
  QVERIFY2(texts.join('|').contains("New") && texts.join('|').contains("Undo|Redo"),
           qPrintable(texts.join('|')));
}

void TestMainWindow::importDialogOptions() {
  ImportDialog dialog;
  dialog.setPaths({"/data/a", " /data/b "});
  QCOMPARE(dialog.paths(), (QStringList{"/data/a", "/data/b"}));
  auto* include = dialog.findChildren<QLineEdit*>().at(0);
  include->setText("*.mrc  *.tif");
  const auto o = dialog.options();
  QCOMPARE(o.include_globs, (std::vector<std::string>{"*.mrc", "*.tif"}));
  QVERIFY(o.exclude_globs.empty());
  QVERIFY(o.threads >= 1);
}

// Closing the window cancels the background jobs (each stops at its next
// step), so none holds the process after the window is gone; a cancel that
// finishes its job at once is fine too.
void TestMainWindow::closingCancelsBackgroundJobs() {
  MainWindow window;
  JobsPanel& jobs = window.jobs();
  bool first = false, second = false;
  int job = 0;
  jobs.addJob("slow", [&] { first = true; });
  job = jobs.addJob("quick", [&] {
    second = true;
    jobs.finishJob(job, "cancelled", false);
  });
  jobs.addJob("no cancel");
  window.show();
  QVERIFY(window.close());
  QVERIFY(first);
  QVERIFY(second);
  QCOMPARE(jobs.runningJobs(), 2);
}

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"

#include "app/gui/MainWindow.h"

#include "app/gui/BackgroundTask.h"
#include "app/gui/app_log.h"
#include "app/gui/theme.h"

#include "core/engine/backend_factory.h"
#include "core/import/item_class.h"
#include "core/import/preview_image.h"
#include "core/io/file_inspect.h"
#include "core/project/filter_expr.h"
#include "core/project/project.h"
#include "core/recipes/denoise/denoise_items.h"
#include "core/run/run_dir.h"
#include "core/run/run_follower.h"
#include "core/spatial/point_cloud_load.h"
#include "core/spatial/volume_load.h"
#include "widgets/compare/CompareView.h"
#include "widgets/export/ExportDialog.h"
#include "widgets/grid/GridPanel.h"
#include "widgets/grid/ItemGridModel.h"
#include "widgets/grid/LabelSetDialog.h"
#include "widgets/grid/RenderedThumbnails.h"
#include "widgets/import/ImportDialog.h"
#include "widgets/import/ImportJob.h"
#include "widgets/inspect/InspectPanel.h"
#include "widgets/inspect/ItemPropertiesPanel.h"
#include "widgets/jobs/JobsPanel.h"
#include "widgets/metrics/MetricsPanel.h"
#include "widgets/project/NoticeBanner.h"
#include "widgets/project/ProjectTreePanel.h"
#include "widgets/project/RelinkDialog.h"
#include "widgets/project/project_settings.h"
#include "widgets/render/render_file.h"
#include "widgets/train/RunMonitorPanel.h"
#include "widgets/train/TrainPanel.h"
#include "widgets/view3d/PointCloudPanel.h"
#include "widgets/view3d/VolumeViewerPanel.h"
#include "widgets/viewer/ImageViewer.h"
#include "widgets/viewer/ViewerPanel.h"

#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>
#include <vtkVersion.h>

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <memory>

namespace atelier {
namespace {
constexpr int kMaxRecent = 10;
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Atelier"));
  setAcceptDrops(true);

  inspect_ = new InspectPanel(this);
  tabs_ = new QTabWidget(this);
  tabs_->setDocumentMode(true);
  tabs_->addTab(inspect_, tr("Inspect"));
  tabs_->setTabsClosable(true);
  connect(tabs_, &QTabWidget::tabCloseRequested, this, [this](int index) {
    QWidget* page = tabs_->widget(index);
    if (page == inspect_) return; // the file list's tab stays
    if (projects_.count(page)) {
      closeProjectTab(page);
      return;
    }
    tabs_->removeTab(index);
    page->deleteLater();
  });
  setCentralWidget(tabs_);
  counts_ = new QLabel(this);
  counts_->setObjectName("projectCounts");
  statusBar()->addPermanentWidget(counts_);
  import_ = new ImportJob(this);
  import_progress_ = new QProgressBar(this);
  import_progress_->setMaximumWidth(220);
  import_progress_->setFormat(tr("import %v/%m"));
  import_progress_->hide();
  import_cancel_ = new QToolButton(this);
  import_cancel_->setText(tr("Cancel"));
  import_cancel_->hide();
  statusBar()->addPermanentWidget(import_progress_);
  statusBar()->addPermanentWidget(import_cancel_);
  import_refresh_ = new QTimer(this);
  import_refresh_->setInterval(1000);
  connect(import_cancel_, &QToolButton::clicked, import_, &ImportJob::cancel);
  connect(import_, &ImportJob::progress, this,
          [this](qint64 done, qint64 total, double rate, double eta) {
            import_progress_->setRange(0, int(std::max<qint64>(total, 1)));
            import_progress_->setValue(int(done));
            const QString detail =
                tr("%1 items/s, %2 s left").arg(rate, 0, 'f', 1).arg(eta, 0, 'f', 0);
            import_progress_->setToolTip(detail);
            jobs_->setProgress(import_job_, done, total, detail);
          });
  connect(import_refresh_, &QTimer::timeout, this, [this] {
    if (ProjectTab* t = currentProject()) {
      t->grid->refresh();
      t->metrics->reload(); // the histogram grows as metrics arrive
    }
  });
  connect(import_, &ImportJob::finished, this,
          [this](qint64, qint64, bool cancelled, const QString& summary, const QString& error) {
            import_refresh_->stop();
            import_progress_->hide();
            import_cancel_->hide();
            for (auto& [widget, tab] : projects_) {
              tab.grid->refresh();
              tab.metrics->reload();
            }
            tree_->refresh();
            for (const auto& [widget, tab] : projects_)
              requestThumbnails3D(tab);
            jobs_->finishJob(import_job_,
                             error.isEmpty() ? (cancelled ? tr("cancelled: ") : QString()) + summary
                                             : error,
                             error.isEmpty());
            statusBar()->showMessage(
                error.isEmpty()
                    ? (cancelled ? tr("Import cancelled: ") : tr("Imported: ")) + summary
                    : tr("Import failed: ") + error);
          });

  files_ = new QListWidget(this);
  files_->setObjectName("openedFiles");
  auto* dock = new QDockWidget(tr("Files"), this);
  dock->setObjectName("filesDock");
  dock->setWidget(files_);
  addDockWidget(Qt::LeftDockWidgetArea, dock);
  connect(files_, &QListWidget::currentItemChanged, this, [this](QListWidgetItem* item) {
    if (item) inspect_->inspect(item->data(Qt::UserRole).toString());
  });
  connect(inspect_, &InspectPanel::inspected, this,
          [this](const QString& path) { statusBar()->showMessage(tr("Read %1").arg(path), 5000); });
  connect(inspect_, &InspectPanel::failed, this,
          [this](const QString&, const QString& message) { statusBar()->showMessage(message); });

  buildDocks();
  buildMenus();
  rendered_thumbnails_ = new RenderedThumbnails(this);
  connect(rendered_thumbnails_, &RenderedThumbnails::started, this, [this](const QString& dir) {
    rendered_thumbnail_job_ =
        jobs_->addJob(tr("3D thumbnails in %1").arg(QFileInfo(dir).fileName()),
                      [this] { rendered_thumbnails_->cancel(); });
  });
  connect(rendered_thumbnails_, &RenderedThumbnails::finished, this,
          [this](const QString& dir, bool ok, const QString& message) {
            jobs_->finishJob(rendered_thumbnail_job_, ok ? tr("done") : message, ok);
            for (auto& [widget, tab] : projects_)
              if (QFileInfo(tab.dir) == QFileInfo(dir)) tab.grid->recheckFiles();
            if (!ok) statusBar()->showMessage(tr("3D thumbnails: %1").arg(message), 8000);
          });
  QSettings settings;
  if (!restoreGeometry(settings.value("mainWindow/geometry").toByteArray())) resize(1280, 800);
  // Defaults a saved layout overrides: the jobs dock low, the side docks narrow.
  resizeDocks({findChild<QDockWidget*>("jobsDock")}, {140}, Qt::Vertical);
  resizeDocks({findChild<QDockWidget*>("projectDock"), findChild<QDockWidget*>("itemDock")},
              {220, 260}, Qt::Horizontal);
  restoreState(settings.value("mainWindow/state").toByteArray());
  recent_ = settings.value("recentFiles").toStringList();
  rebuildRecentMenu();
  statusBar()->showMessage(tr("Open files with Ctrl+O or drop them here."));
}

void MainWindow::buildDocks() {
  const auto dock = [this](const QString& title, const char* name, QWidget* widget,
                           Qt::DockWidgetArea area) {
    auto* d = new QDockWidget(title, this);
    d->setObjectName(name);
    d->setWidget(widget);
    addDockWidget(area, d);
    return d;
  };
  tree_ = new ProjectTreePanel(this);
  QDockWidget* tree_dock = dock(tr("Project"), "projectDock", tree_, Qt::LeftDockWidgetArea);
  tabifyDockWidget(findChild<QDockWidget*>("filesDock"), tree_dock);
  tree_dock->raise();
  properties_ = new ItemPropertiesPanel(this);
  dock(tr("Item"), "itemDock", properties_, Qt::RightDockWidgetArea);
  jobs_ = new JobsPanel(this);
  dock(tr("Jobs"), "jobsDock", jobs_, Qt::BottomDockWidgetArea);

  connect(tabs_, &QTabWidget::currentChanged, this, [this] {
    const ProjectTab* t = currentProject();
    tree_->setProject(t ? t->project : nullptr);
    properties_->setProject(t ? t->project : nullptr);
  });
  connect(tree_, &ProjectTreePanel::filterRequested, this, [this](const QString& filter) {
    if (ProjectTab* t = currentProject()) t->grid->applyFilter(filter);
  });
  connect(properties_, &ItemPropertiesPanel::failed, this,
          [this](const QString& m) { statusBar()->showMessage(m); });
  // Curation changes the outline's counts: re-read them once things settle.
  tree_refresh_ = new QTimer(this);
  tree_refresh_->setSingleShot(true);
  tree_refresh_->setInterval(400);
  connect(tree_refresh_, &QTimer::timeout, tree_, &ProjectTreePanel::refresh);
  // Changes other processes commit (atelier-cli curation, a denoise job,
  // the writer of a project open read-only here) show up within seconds.
  auto* watch = new QTimer(this);
  watch->setInterval(1500);
  connect(watch, &QTimer::timeout, this, &MainWindow::pickUpOutsideChanges);
  watch->start();
}

void MainWindow::pickUpOutsideChanges() {
  if (import_->isRunning()) return; // the import's own refresh runs meanwhile
  for (auto& [page, tab] : projects_) {
    std::int64_t version = 0;
    try {
      version = tab.project->data_version();
    } catch (const std::exception&) {
      continue;
    }
    if (version == tab.data_version) continue;
    const bool first = tab.data_version < 0;
    tab.data_version = version;
    if (first) continue;
    tab.grid->refresh();
    tab.metrics->reload();
    if (currentProject() == &tab) {
      tree_refresh_->start();
      properties_->reload();
    }
  }
}

void MainWindow::showAbout() {
  QString rows = QString("<tr><td>Atelier</td><td>%1</td></tr>"
                         "<tr><td>Qt</td><td>%2</td></tr><tr><td>VTK</td><td>%3</td></tr>")
                     .arg(ATELIER_VERSION, qVersion(), vtkVersion::GetVTKVersion());
  for (const auto& [name, value] : engine::gpu_stack_versions())
    rows += QString("<tr><td>%1</td><td>%2</td></tr>")
                .arg(QString::fromStdString(name).toHtmlEscaped(),
                     QString::fromStdString(value).toHtmlEscaped());
  const LogPaths logs = log_paths();
  QMessageBox::about(
      this, tr("About Atelier"),
      tr("<b>Atelier %1</b><p>Curate scientific image data and train models on it.</p>"
         "<table>%2</table><p>Log: %3<br>Crash reports: %4</p>")
          .arg(ATELIER_VERSION, rows, logs.log_file.toHtmlEscaped(),
               logs.crash_dir.toHtmlEscaped()));
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* create = file->addAction(tr("&New Project…"), this, [this] {
    const QString dir = QFileDialog::getSaveFileName(this, tr("New project"),
                                                     QDir::homePath() + "/untitled.atelier",
                                                     tr("Atelier project (*.atelier)"));
    if (!dir.isEmpty() && createProject(dir)) chooseImport(); // what a new project wants next
  });
  create->setShortcut(QKeySequence::New);
  QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::chooseFiles);
  open->setShortcut(QKeySequence::Open);
  QAction* project = file->addAction(tr("Open &Project…"), this, &MainWindow::chooseProject);
  project->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
  QAction* import = file->addAction(tr("&Import into Project…"), this, &MainWindow::chooseImport);
  import->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
  QAction* view3d = file->addAction(tr("Open in &3D…"), this, &MainWindow::choose3D);
  view3d->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
  view3d->setToolTip(tr("Volumes and point clouds in a 3D view"));
  QAction* selected3d = file->addAction(tr("View Selected File in 3D"), this, [this] {
    if (QListWidgetItem* item = files_->currentItem()) open3D(item->data(Qt::UserRole).toString());
  });
  selected3d->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
  QAction* compare = file->addAction(tr("&Compare Two Images…"), this, [this] {
    const QStringList paths =
        QFileDialog::getOpenFileNames(this, tr("Choose two images to compare"));
    if (paths.isEmpty()) return;
    if (paths.size() != 2)
      statusBar()->showMessage(tr("Choose exactly two images."));
    else
      openCompare(paths[0], paths[1]);
  });
  compare->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
  quit->setShortcut(QKeySequence::Quit);

  // Edit acts on the current project's grid; the grid's own keys (Ctrl+Z,
  // Ctrl+Shift+Z) are shown here, not bound twice.
  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = edit->addAction(tr("&Undo\tCtrl+Z"), this, [this] {
    if (ProjectTab* tab = currentProject()) tab->grid->undo();
  });
  QAction* redo = edit->addAction(tr("&Redo\tCtrl+Shift+Z"), this, [this] {
    if (ProjectTab* tab = currentProject()) tab->grid->redo();
  });
  edit->addSeparator();
  for (const auto& [label, status] :
       {std::pair{tr("&Accept Selected\tA"), project::CurationStatus::accept},
        std::pair{tr("&Reject Selected\tR"), project::CurationStatus::reject},
        std::pair{tr("U&nset Selected\tU"), project::CurationStatus::none}})
    edit->addAction(label, this, [this, status = status] {
      if (ProjectTab* tab = currentProject()) tab->grid->setSelectedStatus(status);
    });

  QMenu* proj = menuBar()->addMenu(tr("&Project"));
  QAction* labels = proj->addAction(tr("&Labels…"), this, [this] {
    ProjectTab* tab = requireProject();
    if (!tab) return;
    if (refuseReadOnly(*tab)) return;
    LabelSetDialog dialog(tab->project, this);
    if (dialog.exec() == QDialog::Accepted) {
      tab->grid->reloadLabelSet();
      tab->grid->refresh(); // renamed labels on the items
      tree_refresh_->start();
      statusBar()->showMessage(tr("Label set saved: keys 1–9 toggle its labels"), 5000);
    }
  });
  labels->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
  QAction* relink = proj->addAction(tr("&Relink Dataset…"), this, &MainWindow::chooseRelink);
  relink->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L));
  QAction* exporting = proj->addAction(tr("&Export Items…"), this, [this] {
    ProjectTab* tab = requireProject();
    if (!tab) return;
    ExportDialog dialog(tab->project, tab->grid->model().filter(), tab->grid->selectedIds(), this);
    if (dialog.exec() == QDialog::Accepted) {
      statusBar()->showMessage(dialog.lastSummary(), 8000);
      jobs_->log(dialog.lastSummary());
      tree_refresh_->start(); // the "exported" selection
    }
  });
  exporting->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));

  QMenu* train = menuBar()->addMenu(tr("&Training"));
  QAction* training = train->addAction(tr("&Train and Monitor Runs…"), this, [this] {
    if (requireProject()) openTraining(); // says why when the project is read-only
  });
  training->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
  QAction* denoise = train->addAction(tr("&Denoise Selected Items…"), this, [this] {
    ProjectTab* tab = requireProject();
    if (!tab) return;
    if (refuseReadOnly(*tab)) return;
    std::vector<qint64> ids;
    for (const std::int64_t id : tab->grid->selectedIds())
      ids.push_back(id);
    if (ids.empty() && tab->shown_item) ids.push_back(tab->shown_item);
    if (ids.empty()) {
      statusBar()->showMessage(tr("Select the items to denoise in the grid."));
      return;
    }
    // Each run with a checkpoint is offered twice: its best (by validation
    // loss) and its latest checkpoint; the newest run's best comes first.
    QStringList choices;
    std::vector<std::pair<QString, QString>> picks; // run folder name, "best" / "latest"
    for (const std::string& dir : run::list_run_dirs((tab->project->runs_dir()).string()))
      if (run::last_checkpoint_file(dir)) {
        const QString name = QFileInfo(QString::fromStdString(dir)).fileName();
        choices.prepend(tr("%1 — latest checkpoint").arg(name));
        picks.insert(picks.begin(), {name, "latest"});
        choices.prepend(tr("%1 — best checkpoint").arg(name));
        picks.insert(picks.begin(), {name, "best"});
      }
    // Or weights from elsewhere: another project's checkpoint, or a U-Net
    // trained in PyTorch and saved as a safetensors state dict.
    const QString from_file = tr("A model file (a checkpoint or a PyTorch state dict)…");
    choices.append(from_file);
    bool ok = false;
    const QString choice = QInputDialog::getItem(
        this, tr("Denoise"), tr("Denoise %1 items with").arg(ids.size()), choices, 0, false, &ok);
    if (!ok) return;
    if (choice == from_file) {
      QSettings settings;
      const QString path = QFileDialog::getOpenFileName(
          this, tr("Denoise with a Model File"), settings.value("denoise/modelDir").toString(),
          tr("U-Net weights (*.safetensors)"));
      if (path.isEmpty()) return;
      settings.setValue("denoise/modelDir", QFileInfo(path).absolutePath());
      // Outputs go to derived/<file name without .safetensors>/.
      const QFileInfo model(path);
      denoiseItems(ids, model.absoluteDir().filePath(model.completeBaseName()), path);
      return;
    }
    const auto index = choices.indexOf(choice);
    if (index >= 0 && std::size_t(index) < picks.size())
      denoiseItems(ids, QDir(tab->dir).filePath("runs/" + picks[std::size_t(index)].first),
                   picks[std::size_t(index)].second);
  });
  denoise->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
  QAction* align = train->addAction(tr("&Align Movies into Sums and Halves"), this, [this] {
    ProjectTab* tab = requireProject();
    if (!tab || refuseReadOnly(*tab)) return;
    if (aligning_) {
      statusBar()->showMessage(tr("Movies are being aligned already (see Jobs)."));
      return;
    }
    // The selected items, or every movie the grid's filter shows.
    std::vector<qint64> ids;
    for (const std::int64_t id : tab->grid->selectedIds())
      ids.push_back(id);
    if (ids.empty()) {
      const std::string filter = tab->grid->model().filter().trimmed().toStdString();
      try {
        for (const std::int64_t id :
             tab->project->query_ids(project::filter_and(filter, "kind = movie")))
          ids.push_back(id);
      } catch (const std::exception& e) {
        statusBar()->showMessage(QString::fromStdString(e.what()));
        return;
      }
    }
    if (ids.empty()) {
      statusBar()->showMessage(tr("No movies selected or shown by the filter."));
      return;
    }
    // The exposure-weighted sum needs the dose per frame; the last one
    // given is offered again.
    QSettings settings;
    bool ok = false;
    const double dose = QInputDialog::getDouble(
        this, tr("Align Movies"),
        tr("Dose per frame in e⁻/Å², for exposure-weighted sums (0: none):"),
        settings.value("movies/dosePerFrame", 0.0).toDouble(), 0.0, 1000.0, 3, &ok);
    if (!ok) return;
    settings.setValue("movies/dosePerFrame", dose);
    movies::DoseSchedule schedule;
    schedule.dose_per_frame_e_per_A2 = dose;
    alignMovies(ids, schedule);
  });
  align->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M));
  QAction* compare_denoised =
      train->addAction(tr("&Compare Item with Its Denoised Output"), this, [this] {
        if (ProjectTab* tab = currentProject(); tab && tab->shown_item)
          compareWithDenoised(tab->shown_item);
        else
          statusBar()->showMessage(tr("Open an item in the viewer first (Space in the grid)."));
      });
  compare_denoised->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_K));
  QAction* compare_aligned =
      train->addAction(tr("Compare Movie with Its A&ligned Sum"), this, [this] {
        if (ProjectTab* tab = currentProject(); tab && tab->shown_item)
          compareWithAligned(tab->shown_item);
        else
          statusBar()->showMessage(tr("Open a movie in the viewer first (Space in the grid)."));
      });
  compare_aligned->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_J));

  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName("mainToolBar"); // for saveState
  bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  const auto icon = [this](QStyle::StandardPixmap p) { return style()->standardIcon(p); };
  create->setIcon(icon(QStyle::SP_FileDialogNewFolder));
  project->setIcon(icon(QStyle::SP_DirOpenIcon));
  import->setIcon(icon(QStyle::SP_ArrowDown));
  exporting->setIcon(icon(QStyle::SP_DialogSaveButton));
  undo->setIcon(icon(QStyle::SP_ArrowBack));
  redo->setIcon(icon(QStyle::SP_ArrowForward));
  training->setIcon(icon(QStyle::SP_MediaPlay));
  // Short toolbar labels (the menus keep the long ones and their keys).
  for (auto [a, text] :
       {std::pair{create, tr("New")}, std::pair{project, tr("Open")},
        std::pair{import, tr("Import")}, std::pair{exporting, tr("Export")},
        std::pair{undo, tr("Undo")}, std::pair{redo, tr("Redo")}, std::pair{training, tr("Train")}})
    a->setIconText(text);
  for (QAction* a : {create, project, import, exporting})
    bar->addAction(a);
  bar->addSeparator();
  bar->addAction(undo);
  bar->addAction(redo);
  bar->addSeparator();
  bar->addAction(training);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* d : findChildren<QDockWidget*>())
    view->addAction(d->toggleViewAction());
  view->addSeparator();
  QMenu* theme = view->addMenu(tr("&Theme"));
  auto* themes = new QActionGroup(this);
  for (const auto& [name, label] : {std::pair{"light", tr("&Light")}, {"dark", tr("&Dark")}}) {
    QAction* a = theme->addAction(label);
    a->setCheckable(true);
    a->setChecked(saved_theme() == name);
    a->setData(QString(name));
    themes->addAction(a);
  }
  connect(themes, &QActionGroup::triggered, this, [](QAction* a) {
    apply_theme(a->data().toString());
    save_theme(a->data().toString());
  });

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About Atelier"), this, &MainWindow::showAbout);
}

void MainWindow::chooseFiles() {
  const QStringList paths = QFileDialog::getOpenFileNames(
      this, tr("Open files"), recent_.isEmpty() ? QString() : QFileInfo(recent_.first()).path(),
      tr("Images, volumes and point clouds (*.mrc *.mrcs *.map *.tif *.tiff *.dcm *.png *.jpg "
         "*.jpeg *.nii *.nii.gz *.ply *.pcd *.xyz *.las *.star);;All files (*)"));
  openFiles(paths);
}

bool MainWindow::createProject(const QString& path) {
  QString dir = QFileInfo(path).absoluteFilePath();
  if (!dir.endsWith(".atelier")) dir += ".atelier";
  try {
    (void)project::Project::create(dir.toStdString());
  } catch (const std::exception& e) {
    const QString message = tr("Cannot create project %1: %2").arg(dir, e.what());
    statusBar()->showMessage(message);
    if (isVisible()) QMessageBox::warning(this, tr("New project"), message);
    return false;
  }
  return openProject(dir);
}

void MainWindow::chooseProject() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Open project (NAME.atelier)"));
  if (!dir.isEmpty()) openProject(dir);
}

bool MainWindow::openProject(const QString& dir) {
  for (const auto& [page, tab] : projects_)
    if (QFileInfo(tab.dir) == QFileInfo(dir)) {
      tabs_->setCurrentWidget(page);
      return true;
    }
  std::shared_ptr<project::Project> p;
  std::shared_ptr<project::WriterLock> lock;
  QString read_only_reason;
  try {
    const std::filesystem::path folder = dir.toStdString();
    try {
      if (auto taken = project::WriterLock::try_acquire(folder, "Atelier"))
        lock = std::make_shared<project::WriterLock>(std::move(*taken));
    } catch (const std::exception& e) {
      read_only_reason = QString::fromStdString(e.what()); // a read-only folder
    }
    if (!lock && read_only_reason.isEmpty())
      read_only_reason = QString::fromStdString(project::why_read_only(folder));
    if (lock) {
      // Locked, but the database itself may not be writable.
      const std::string why = project::why_unwritable(folder);
      if (!why.empty()) {
        lock.reset();
        read_only_reason = QString::fromStdString(why);
      }
    }
    project::ProjectOptions options;
    options.read_only = !lock;
    if (options.read_only && read_only_reason.isEmpty())
      read_only_reason = tr("another Atelier held it a moment ago");
    p = std::make_shared<project::Project>(project::Project::open(folder, options));
  } catch (const std::exception& e) {
    const QString message =
        tr("Cannot open project %1: %2").arg(dir, QString::fromStdString(e.what()));
    statusBar()->showMessage(message);
    if (isVisible()) QMessageBox::warning(this, tr("Open project"), message);
    return false;
  }
  auto* grid = new GridPanel(p, this);
  connect(grid, &GridPanel::countsChanged, this,
          [this](qint64 total, qint64 accepted, qint64 rejected, qint64 shown) {
            counts_->setText(tr("%1 items · %2 accepted · %3 rejected · %4 shown")
                                 .arg(total)
                                 .arg(accepted)
                                 .arg(rejected)
                                 .arg(shown));
          });
  connect(grid, &GridPanel::message, this,
          [this](const QString& text) { statusBar()->showMessage(text, 5000); });
  auto* metrics = new MetricsPanel(p, this);
  connect(grid, &GridPanel::queryChanged, metrics, &MetricsPanel::setFilter);
  connect(metrics, &MetricsPanel::filterRequested, grid, &GridPanel::applyFilter);
  connect(metrics, &MetricsPanel::itemsChanged, grid, &GridPanel::refresh);
  connect(metrics, &MetricsPanel::message, this,
          [this](const QString& text) { statusBar()->showMessage(text, 5000); });
  auto* page = new QWidget(this);
  auto* page_layout = new QVBoxLayout(page);
  page_layout->setContentsMargins(0, 0, 0, 0);
  page_layout->setSpacing(0);
  NoticeBanner* missing_banner = nullptr;
  if (p->read_only()) {
    auto* banner = new NoticeBanner(
        tr("<b>Read-only.</b> %1. Curation, labels, notes, imports and training are off here; "
           "close the other Atelier and try again.")
            .arg(read_only_reason.toHtmlEscaped()),
        tr("Try Again"), page);
    banner->setObjectName("readOnlyBanner");
    banner->actionButton().setToolTip(
        tr("Reopen the project for writing when its writer has closed it"));
    page_layout->addWidget(banner);
    connect(banner, &NoticeBanner::actionRequested, this, [this, page, dir] {
      const auto holder = project::WriterLock::holder(dir.toStdString());
      if (holder) {
        statusBar()->showMessage(
            tr("Still open for writing in %1").arg(QString::fromStdString(holder->describe())),
            8000);
        return;
      }
      if (closeProjectTab(page)) openProject(dir);
    });
  } else if (const QString missing = missingDatasetFolders(*p); !missing.isEmpty()) {
    missing_banner = new NoticeBanner(missing, tr("Relink…"), page);
    missing_banner->setObjectName("missingDataBanner");
    page_layout->addWidget(missing_banner);
    connect(missing_banner, &NoticeBanner::actionRequested, this, &MainWindow::chooseRelink);
  }
  auto* split = new QSplitter(page);
  page_layout->addWidget(split, 1);
  split->addWidget(grid);
  split->addWidget(metrics);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  auto* viewer = new ViewerPanel(this);
  viewer->hide(); // until an item opens (Space or double-click in the grid)
  split->insertWidget(1, viewer);
  split->setStretchFactor(1, 3);
  connect(viewer, &ViewerPanel::hovered, this,
          [this](const QString& text) { statusBar()->showMessage(text); });
  connect(viewer, &ViewerPanel::failed, this,
          [this](const QString& text) { statusBar()->showMessage(text); });
  connect(viewer, &ViewerPanel::stepRequested, grid, &GridPanel::step);
  connect(viewer, &ViewerPanel::statusRequested, grid, [grid](char s) {
    grid->setSelectedStatus(s == 'a'   ? project::CurationStatus::accept
                            : s == 'r' ? project::CurationStatus::reject
                                       : project::CurationStatus::none);
  });
  connect(viewer, &ViewerPanel::closeRequested, this, [viewer, grid] {
    viewer->hide();
    grid->view().setFocus();
  });
  connect(grid, &GridPanel::openRequested, this, [this](qint64 id) { openItem(id); });
  connect(grid, &GridPanel::currentItemChanged, this, [this, grid](qint64 id) {
    if (const ProjectTab* t = currentProject(); t && t->grid == grid) properties_->setItem(id);
  });
  connect(grid, &GridPanel::countsChanged, this, [this] { tree_refresh_->start(); });
  const QString settings_group = project_settings_group(dir);
  grid->persistSettings(settings_group);
  metrics->persistSettings(settings_group);
  projects_[page] =
      ProjectTab{dir, grid, metrics, viewer, 0, p, 0, lock, missing_banner, p->data_version()};
  const QString title = QFileInfo(dir).fileName() + (p->read_only() ? tr(" (read-only)") : "");
  tabs_->setCurrentIndex(tabs_->addTab(page, title));
  rememberRecent(QFileInfo(dir).absoluteFilePath());
  grid->publishCounts(); // to the status bar, now connected
  grid->view().setFocus();
  if (!p->warning().empty()) statusBar()->showMessage(QString::fromStdString(p->warning()));
  requestThumbnails3D(projects_[page]);
  return true;
}

void MainWindow::requestThumbnails3D(const ProjectTab& tab) {
  try {
    if (tab.project->count_items(render::kRenderedThumbnailItems) > 0)
      rendered_thumbnails_->request(tab.dir);
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("3D thumbnails: %1").arg(QString::fromStdString(e.what())), 8000);
  }
}

void MainWindow::chooseRelink() {
  ProjectTab* tab = requireProject();
  if (!tab) return;
  if (refuseReadOnly(*tab)) return;
  RelinkDialog dialog(tab->project, this);
  if (dialog.exec() != QDialog::Accepted) return;
  tab->grid->recheckFiles();
  tree_refresh_->start();
  statusBar()->showMessage(dialog.summary(), 8000);
  jobs_->log(dialog.summary());
  if (tab->missing_banner && missingDatasetFolders(*tab->project).isEmpty()) {
    tab->missing_banner->deleteLater();
    tab->missing_banner = nullptr;
  }
}

QString MainWindow::missingDatasetFolders(const project::Project& p) {
  QStringList gone;
  try {
    for (const project::DatasetRecord& d : p.datasets())
      if (!QFileInfo(QString::fromStdString(d.root)).isDir())
        gone << tr("%1 (%2)").arg(QString::fromStdString(d.name).toHtmlEscaped(),
                                  QString::fromStdString(d.root).toHtmlEscaped());
  } catch (const std::exception&) {
    return {};
  }
  if (gone.isEmpty()) return {};
  return tr("<b>Data missing.</b> The folder of %n dataset(s) is not there: %1. Its items show "
            "as missing; relink if the data moved.",
            nullptr, int(gone.size()))
      .arg(gone.join(", "));
}

bool MainWindow::closeProjectTab(QWidget* page) {
  const auto it = projects_.find(page);
  if (it == projects_.end()) return false;
  if (import_->isRunning() && QFileInfo(import_->projectDir()) == QFileInfo(it->second.dir)) {
    statusBar()->showMessage(tr("Cancel the import before closing its project."));
    return false;
  }
  if (currentProject() == &it->second) {
    tree_->setProject(nullptr);
    properties_->setProject(nullptr);
  }
  projects_.erase(it); // drops the project and its writer lock
  tabs_->removeTab(tabs_->indexOf(page));
  page->deleteLater();
  return true;
}

bool MainWindow::isReadOnly(const QString& dir) const {
  for (const auto& [page, tab] : projects_)
    if (QFileInfo(tab.dir) == QFileInfo(dir)) return tab.project->read_only();
  return false;
}

bool MainWindow::refuseReadOnly(const ProjectTab& tab) {
  if (!tab.project->read_only()) return false;
  statusBar()->showMessage(tr("%1 is open read-only (see the banner above its grid).")
                               .arg(QFileInfo(tab.dir).fileName()),
                           8000);
  return true;
}

MainWindow::ProjectTab* MainWindow::requireProject() {
  ProjectTab* tab = currentProject();
  if (!tab) statusBar()->showMessage(tr("Open a project first (Ctrl+Shift+O)."));
  return tab;
}

MainWindow::ProjectTab* MainWindow::currentProject() {
  const auto it = projects_.find(tabs_->currentWidget());
  return it == projects_.end() ? nullptr : &it->second;
}

namespace {

// Shows the viewer beside the grid; when the splitter left it (or the grid
// or the metrics) cramped, the viewer takes 45% of the row and the others
// share the rest.
void reveal_viewer(ViewerPanel* viewer) {
  viewer->show();
  auto* split = qobject_cast<QSplitter*>(viewer->parentWidget());
  if (!split) return;
  // After the splitter has taken the shown viewer into its layout.
  QMetaObject::invokeMethod(
      split,
      [split, viewer = QPointer<ViewerPanel>(viewer)] {
        if (!viewer) return;
        QList<int> sizes = split->sizes();
        const int index = split->indexOf(viewer);
        int total = 0;
        for (int s : sizes)
          total += s;
        if (index < 0 || total <= 0) return;
        const bool cramped =
            std::any_of(sizes.begin(), sizes.end(), [&](int s) { return s < total / 5; });
        if (!cramped) return; // the user's own split stays
        const auto others = std::max<qsizetype>(1, sizes.size() - 1);
        for (qsizetype i = 0; i < sizes.size(); ++i)
          sizes[i] = i == index ? total * 45 / 100 : int(total * 55 / (100 * others));
        split->setSizes(sizes);
      },
      Qt::QueuedConnection);
}

} // namespace

bool MainWindow::openItem(qint64 item_id) {
  ProjectTab* tab = currentProject();
  if (!tab) return false;
  tab->shown_item = item_id;
  const auto row = tab->project->item(item_id);
  if (!row) return false;
  const std::string path = project::ItemPaths(*tab->project).absolute(*row);
  statusBar()->showMessage(tr("Reading %1…").arg(QString::fromStdString(path)));
  QPointer<ViewerPanel> viewer(tab->viewer);
  QPointer<MainWindow> self(this);
  const std::uint64_t request = ++tab->reads;
  std::uint64_t* latest = &tab->reads; // lives as long as the tab, like viewer
  (void)QtConcurrent::run([self, viewer, path, request, latest] {
    Image image;
    FileInfo info;
    QString error;
    try {
      if (!QFileInfo::exists(QString::fromStdString(path)))
        throw Error("the file is missing (moved or deleted?); Project › Relink Dataset… points "
                    "its dataset at the folder it moved to");
      info = import::read_item_facts(path, detect_format(path));
      image = import::read_preview_image(path, info);
      if (image.width() == 0)
        error = QObject::tr("%1 has no 2D view").arg(QString::fromStdString(path));
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, viewer, image = std::move(image), info = std::move(info), error, path, request,
         latest] {
          if (!self || !viewer || *latest != request) return; // stepped on meanwhile
          if (!error.isEmpty()) {
            // The viewer says why in the image's place (not the previous item).
            self->statusBar()->showMessage(error);
            reveal_viewer(viewer);
            viewer->showProblem(QString::fromStdString(path), error);
            viewer->setFocus();
            return;
          }
          reveal_viewer(viewer);
          viewer->setItem(image, QString::fromStdString(path), info);
          viewer->viewer().setFocus();
          self->statusBar()->showMessage(QString::fromStdString(path), 5000);
        },
        Qt::QueuedConnection);
  });
  return true;
}

void MainWindow::chooseImport() {
  if (!requireProject()) return;
  ImportDialog dialog(this);
  if (dialog.exec() == QDialog::Accepted)
    importIntoCurrentProject(dialog.paths(), dialog.options());
}

bool MainWindow::importIntoCurrentProject(const QStringList& paths,
                                          const import::ImportOptions& options) {
  ProjectTab* tab = currentProject();
  return tab && importIntoProject(tab->dir, paths, options);
}

bool MainWindow::importIntoProject(const QString& dir, const QStringList& paths,
                                   const import::ImportOptions& options) {
  const bool open = std::any_of(projects_.begin(), projects_.end(), [&](const auto& entry) {
    return QFileInfo(entry.second.dir) == QFileInfo(dir);
  });
  if (!open || paths.isEmpty()) return false;
  if (isReadOnly(dir)) {
    statusBar()->showMessage(
        tr("%1 is open read-only: nothing can be imported into it.").arg(QFileInfo(dir).fileName()),
        8000);
    return false;
  }
  if (!import_->start(dir, paths, options)) return false;
  import_job_ =
      jobs_->addJob(tr("Import into %1: %2").arg(QFileInfo(dir).fileName(), paths.join(", ")),
                    [this] { import_->cancel(); });
  import_progress_->setRange(0, 0); // busy until the scan has counted
  import_progress_->show();
  import_cancel_->show();
  import_refresh_->start();
  statusBar()->showMessage(tr("Importing %1…").arg(paths.join(", ")));
  return true;
}

void MainWindow::choose3D() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open in 3D"), QString(),
      tr("Volumes and point clouds (*.mrc *.map *.rec *.nii *.nii.gz *.tif *.tiff *.ply *.pcd "
         "*.xyz *.las);;All files (*)"));
  if (!path.isEmpty()) open3D(path);
}

QWidget* MainWindow::openCompare(const QString& a, const QString& b) {
  Image images[2];
  const QString paths[2] = {a, b};
  for (int i = 0; i < 2; ++i) {
    try {
      const std::string p = paths[i].toStdString();
      images[i] = import::read_preview_image(p, inspect_file(p));
    } catch (const Error& e) {
      statusBar()->showMessage(QString::fromStdString(e.what()));
      return nullptr;
    }
    if (images[i].width() == 0) {
      statusBar()->showMessage(tr("%1: not an image").arg(paths[i]));
      return nullptr;
    }
  }
  auto* view = new CompareView(tabs_);
  connect(view, &CompareView::failed, this,
          [this](const QString& m) { statusBar()->showMessage(m); });
  if (!view->setImages(images[0], images[1], QFileInfo(a).fileName(), QFileInfo(b).fileName())) {
    view->deleteLater();
    return nullptr;
  }
  tabs_->setCurrentIndex(tabs_->addTab(
      view, tr("Compare: %1 | %2").arg(QFileInfo(a).fileName(), QFileInfo(b).fileName())));
  view->setFocus();
  return view;
}

bool MainWindow::denoiseItems(const std::vector<qint64>& ids, const QString& run_dir,
                              const QString& checkpoint) {
  ProjectTab* tab = currentProject();
  if (!tab || denoising_ || ids.empty() || refuseReadOnly(*tab)) return false;
  denoising_ = true;
  const BackgroundTask task(
      this, *jobs_, tr("Denoising with %1…").arg(QFileInfo(run_dir).fileName()),
      tr("Denoise %1 items with %2").arg(ids.size()).arg(QFileInfo(run_dir).fileName()),
      int(ids.size()));
  const QString project_dir = tab->dir;
  QPointer<MainWindow> self(this);
  std::vector<std::int64_t> items(ids.begin(), ids.end());
  (void)QtConcurrent::run([self, task, project_dir, run_dir, checkpoint, items] {
    QString summary;
    int done = 0, errors = 0;
    bool cancelled = false;
    try {
      auto project = project::Project::open(project_dir.toStdString());
      denoise::DenoiseItemsOptions o;
      o.run_dir = run_dir.toStdString();
      o.checkpoint = checkpoint.toStdString();
      o.denoise.device = engine::default_device();
      const auto r = denoise::denoise_items(project, items, o, [&](std::size_t n, std::size_t) {
        task.progress(int(n), qint64(n), qint64(items.size()));
        return !task.cancelled();
      });
      done = int(r.done.size());
      errors = int(r.errors.size());
      cancelled = r.cancelled;
      summary = QObject::tr("Denoised %1 items with %2%3%4")
                    .arg(done)
                    .arg(QFileInfo(QString::fromStdString(r.checkpoint)).fileName())
                    .arg(errors ? QObject::tr("; %1 failed: %2")
                                      .arg(errors)
                                      .arg(QString::fromStdString(r.errors.front().second))
                                : QString())
                    .arg(cancelled ? QObject::tr(" (cancelled)") : QString());
    } catch (const std::exception& e) {
      summary = QString::fromStdString(e.what());
      errors = int(items.size());
    }
    QMetaObject::invokeMethod(
        qApp,
        [self, task, summary, done, errors, cancelled] {
          task.finish(summary, errors == 0);
          if (!self) return;
          self->denoising_ = false;
          self->statusBar()->showMessage(summary);
          emit self->denoiseFinished(done, errors, cancelled);
        },
        Qt::QueuedConnection);
  });
  return true;
}

QWidget* MainWindow::compareWithDenoised(qint64 item_id) {
  return compareWithOutput(item_id, "denoised",
                           tr("This item has no denoised output yet (Training, Ctrl+Shift+N)."));
}

QWidget* MainWindow::compareWithAligned(qint64 item_id) {
  return compareWithOutput(item_id, "aligned",
                           tr("This item has no aligned sum yet (Training, Ctrl+Shift+M)."));
}

QWidget* MainWindow::compareWithOutput(qint64 item_id, const std::string& kind,
                                       const QString& missing) {
  ProjectTab* tab = currentProject();
  if (!tab) return nullptr;
  const auto item = tab->project->item(item_id);
  const auto derived = tab->project->derived_of(item_id);
  const auto it = std::find_if(derived.begin(), derived.end(),
                               [&](const project::DerivedOutput& d) { return d.kind == kind; });
  if (!item || it == derived.end()) {
    statusBar()->showMessage(missing);
    return nullptr;
  }
  const project::ItemPaths paths(*tab->project);
  return openCompare(QString::fromStdString(paths.absolute(*item)),
                     QDir(tab->dir).filePath(QString::fromStdString(it->path)));
}

QWidget* MainWindow::openTraining() {
  ProjectTab* tab = currentProject();
  if (!tab) return nullptr;
  if (refuseReadOnly(*tab)) return nullptr;
  const QString title = tr("Training: %1").arg(QFileInfo(tab->dir).fileName());
  for (int i = 0; i < tabs_->count(); ++i)
    if (tabs_->tabText(i) == title) {
      tabs_->setCurrentIndex(i);
      return tabs_->widget(i);
    }
  auto* page = new QSplitter(Qt::Horizontal, tabs_);
  auto* form = new TrainPanel(page);
  auto* runs = new RunMonitorPanel(page);
  form->setProject(tab->dir);
  runs->setRunsDir(QDir(tab->dir).filePath("runs"));
  page->setStretchFactor(1, 3);
  auto report = [this](const QString& text) { statusBar()->showMessage(text, 8000); };
  connect(form, &TrainPanel::message, this, report);
  connect(runs, &RunMonitorPanel::message, this, report);
  connect(runs, &RunMonitorPanel::cloneRequested, form, &TrainPanel::cloneFrom);
  connect(form, &TrainPanel::launched, runs,
          [runs](const QString& dir) { runs->selectWhenListed(QFileInfo(dir).fileName()); });
  tabs_->setCurrentIndex(tabs_->addTab(page, title));
  return page;
}

QWidget* MainWindow::open3D(const QString& path) {
  std::string format;
  try {
    format = detect_format(path.toStdString());
  } catch (const Error& e) {
    statusBar()->showMessage(QString::fromStdString(e.what()));
    return nullptr;
  }
  QWidget* panel = nullptr;
  auto report = [this](const QString& message) { statusBar()->showMessage(message); };
  if (is_volume_format(format)) {
    auto* volume = new VolumeViewerPanel(tabs_);
    connect(volume, &VolumeViewerPanel::failed, this, report);
    connect(volume, &VolumeViewerPanel::readout, this,
            [this](const QString& text) { statusBar()->showMessage(text, 3000); });
    volume->openFile(path);
    panel = volume;
  } else if (is_point_cloud_format(format)) {
    auto* cloud = new PointCloudPanel(tabs_);
    connect(cloud, &PointCloudPanel::failed, this, report);
    cloud->openFile(path);
    panel = cloud;
  } else {
    report(tr("%1: a %2 file has no 3D view (volumes: MRC, NIfTI, TIFF stacks; point clouds: "
              "PLY, PCD, XYZ, LAS)")
               .arg(path, QString::fromStdString(format)));
    return nullptr;
  }
  rememberRecent(QFileInfo(path).absoluteFilePath());
  tabs_->setCurrentIndex(tabs_->addTab(panel, tr("3D: %1").arg(QFileInfo(path).fileName())));
  return panel;
}

void MainWindow::openFiles(const QStringList& paths) {
  for (const QString& p : paths) {
    const QString abs = QFileInfo(p).absoluteFilePath();
    if (QFileInfo(abs).isDir() && abs.endsWith(".atelier")) {
      openProject(abs);
      continue;
    }
    QListWidgetItem* item = itemFor(abs);
    if (!item) {
      item = new QListWidgetItem(QFileInfo(abs).fileName(), files_);
      item->setData(Qt::UserRole, abs);
      item->setToolTip(abs);
    }
    rememberRecent(abs);
    files_->setCurrentItem(item);
  }
}

QListWidgetItem* MainWindow::itemFor(const QString& path) const {
  for (int i = 0; i < files_->count(); ++i)
    if (files_->item(i)->data(Qt::UserRole).toString() == path) return files_->item(i);
  return nullptr;
}

void MainWindow::rememberRecent(const QString& path) {
  recent_.removeAll(path);
  recent_.prepend(path);
  while (recent_.size() > kMaxRecent)
    recent_.removeLast();
  QSettings().setValue("recentFiles", recent_);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  recent_menu_->clear();
  for (const QString& p : recent_)
    recent_menu_->addAction(p, this, [this, p] { openFiles({p}); });
  recent_menu_->setEnabled(!recent_.isEmpty());
}

void MainWindow::closeEvent(QCloseEvent* event) {
  // Background work (imports, alignments, denoising, thumbnails) stops at
  // its next step instead of holding the process after the window is gone;
  // all of it resumes or redoes only what is missing.
  jobs_->cancelAll();
  QSettings settings;
  settings.setValue("mainWindow/geometry", saveGeometry());
  settings.setValue("mainWindow/state", saveState());
  event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  QStringList paths;
  for (const QUrl& url : event->mimeData()->urls())
    if (url.isLocalFile()) paths << url.toLocalFile();
  openFiles(paths);
}

} // namespace atelier

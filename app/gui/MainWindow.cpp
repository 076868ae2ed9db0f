#include "app/gui/MainWindow.h"

#include "widgets/inspect/InspectPanel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStatusBar>

namespace atelier {
namespace {
constexpr int kMaxRecent = 10;
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Atelier"));
  setAcceptDrops(true);

  inspect_ = new InspectPanel(this);
  setCentralWidget(inspect_);

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

  buildMenus();
  QSettings settings;
  if (!restoreGeometry(settings.value("mainWindow/geometry").toByteArray())) resize(1100, 700);
  restoreState(settings.value("mainWindow/state").toByteArray());
  recent_ = settings.value("recentFiles").toStringList();
  rebuildRecentMenu();
  statusBar()->showMessage(tr("Open files with Ctrl+O or drop them here."));
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open…"), this, &MainWindow::chooseFiles);
  open->setShortcut(QKeySequence::Open);
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About Atelier"), this, [this] {
    QMessageBox::about(this, tr("About Atelier"),
                       tr("<b>Atelier %1</b><p>Curate scientific image data and train models "
                          "on it.</p>")
                           .arg(ATELIER_VERSION));
  });
}

void MainWindow::chooseFiles() {
  const QStringList paths = QFileDialog::getOpenFileNames(
      this, tr("Open files"), recent_.isEmpty() ? QString() : QFileInfo(recent_.first()).path(),
      tr("Images, volumes and point clouds (*.mrc *.mrcs *.map *.tif *.tiff *.dcm *.png *.jpg "
         "*.jpeg *.nii *.nii.gz *.ply *.pcd *.xyz *.las *.star);;All files (*)"));
  openFiles(paths);
}

void MainWindow::openFiles(const QStringList& paths) {
  for (const QString& p : paths) {
    const QString abs = QFileInfo(p).absoluteFilePath();
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

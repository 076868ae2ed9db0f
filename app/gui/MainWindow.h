// The main window: a list of opened files and the inspect panel, and a grid
// tab per opened project with its counts in the status bar. Thin shell;
// panels own their logic.
#pragma once

#include "core/import/importer.h"
#include "core/movies/dose_weighting.h"
#include "core/project/project.h"
#include "core/project/writer_lock.h"

#include <QMainWindow>
#include <QStringList>

#include <map>
#include <memory>
#include <vector>

class QLabel;
class QProgressBar;
class QTimer;
class QToolButton;
class QListWidget;
class QListWidgetItem;
class QMenu;
class QTabWidget;

namespace atelier {

class GridPanel;
class ImportJob;
class ItemPropertiesPanel;
class JobsPanel;
class ProjectTreePanel;
class InspectPanel;
class ViewerPanel;
class MetricsPanel;
class NoticeBanner;
class RenderedThumbnails;

class MainWindow : public QMainWindow {
  Q_OBJECT
public:
  explicit MainWindow(QWidget* parent = nullptr);

  void openFiles(const QStringList& paths);
  // Opens a NAME.atelier project folder in a grid tab (or shows its tab when
  // open); false (and a message) when it cannot be opened.
  // Takes the project's writer lock; when another Atelier holds it (or the
  // folder is not writable) the project opens read-only under a banner
  // saying why, with Try Again.
  bool openProject(const QString& dir);
  // Makes a new NAME.atelier project (".atelier" is added when missing)
  // and opens it; false (and a message) when it cannot be made.
  bool createProject(const QString& dir);
  // Whether the project tab of dir is open read-only.
  bool isReadOnly(const QString& dir) const;
  // Imports paths into the project of the current tab in the background
  // (progress and Cancel in the status bar; the grid fills in as it goes).
  // False when no project tab is current or an import is running.
  bool importIntoCurrentProject(const QStringList& paths, const import::ImportOptions& options);
  // The same into the open project tab of dir (the demo's imports).
  bool importIntoProject(const QString& dir, const QStringList& paths,
                         const import::ImportOptions& options);
  ImportJob& importJob() { return *import_; }
  // The docks: background jobs and their log; the current project's outline
  // and the current item's properties and note.
  JobsPanel& jobs() { return *jobs_; }
  // Renders 3D grid thumbnails of each open project's volumes and point
  // clouds in a child process (after it opens and after each import).
  RenderedThumbnails& renderedThumbnails() { return *rendered_thumbnails_; }
  ProjectTreePanel& projectTree() { return *tree_; }
  ItemPropertiesPanel& itemProperties() { return *properties_; }
  // Shows a project item in the current tab's viewer (read off the GUI
  // thread); false when no project tab is current or the item is unknown.
  bool openItem(qint64 item_id);
  // Opens a volume (MRC, NIfTI, TIFF stack) or point cloud (PLY, PCD, XYZ,
  // LAS) in a 3D tab; returns the panel (VolumeViewerPanel or
  // PointCloudPanel), or nullptr with a message for other files.
  QWidget* open3D(const QString& path);
  // Opens (or shows) the training tab of the current project tab: the launch
  // form beside the runs of its runs/ folder; nullptr without a project tab.
  QWidget* openTraining();
  // Opens two images of the same size in a compare tab (side by side, wipe,
  // difference, flip); nullptr with a message when they cannot be compared.
  QWidget* openCompare(const QString& a, const QString& b);
  // Denoises items of the current project tab with a run's checkpoint
  // in the background (progress dialog with Cancel); denoiseFinished follows.
  // False when no project tab is current or a denoise job runs.
  // checkpoint: "best" (by validation loss), "latest" or a checkpoint file.
  bool denoiseItems(const std::vector<qint64>& ids, const QString& run_dir,
                    const QString& checkpoint = QStringLiteral("best"));
  // Drift-corrects the movies among ids (items of the current project tab)
  // into sums and odd/even half sums in the project's derived/aligned/
  // folder in the background (progress dialog with Cancel; movies done
  // before are skipped), then imports that folder; alignFinished follows.
  // With a dose per frame, each also gets its exposure-weighted sum. False
  // when no project tab is current, it is read-only, alignment runs
  // already, or ids hold no readable movie.
  bool alignMovies(const std::vector<qint64>& ids, const movies::DoseSchedule& dose = {});
  // Compares an item of the current project tab with its newest denoised
  // output; nullptr with a message when it has none.
  QWidget* compareWithDenoised(qint64 item_id);
  // Compares a movie (its plain frame sum) with its drift-corrected sum
  // (alignMovies); nullptr with a message when it has none.
  QWidget* compareWithAligned(qint64 item_id);

signals:
  void denoiseFinished(int done, int errors, bool cancelled);
  void alignFinished(int done, int errors, bool cancelled);

public:
protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

private:
  void buildMenus();
  void chooseFiles();
  void chooseProject();
  void chooseImport();
  void choose3D();
  struct ProjectTab {
    QString dir;
    GridPanel* grid = nullptr;
    MetricsPanel* metrics = nullptr;
    ViewerPanel* viewer = nullptr;
    std::uint64_t reads = 0; // openItem's latest request: older results are dropped
    std::shared_ptr<project::Project> project;
    qint64 shown_item = 0; // the item in the viewer
    // Held while the project is open for writing; none when read-only.
    std::shared_ptr<project::WriterLock> lock;
    NoticeBanner* missing_banner = nullptr; // a dataset folder is missing (until relinked)
    std::int64_t data_version = -1;         // the database's as last seen (see below)
  };
  // Refreshes tabs whose database another connection changed since the
  // last look (Project::data_version), every 1.5 s.
  void pickUpOutsideChanges();
  // Asks for the 3D thumbnails of the tab's volumes and point clouds, when
  // it has any.
  void requestThumbnails3D(const ProjectTab& tab);
  // Relinks a dataset of the current project (RelinkDialog).
  void chooseRelink();
  // Compares an item with its newest derived output of kind; nullptr and
  // `missing` in the status bar when it has none.
  QWidget* compareWithOutput(qint64 item_id, const std::string& kind, const QString& missing);
  // The banner's text naming datasets whose folder is missing, or "".
  static QString missingDatasetFolders(const project::Project& p);
  // True (and a message saying why) when the tab's project is read-only.
  bool refuseReadOnly(const ProjectTab& tab);
  // Closes a project tab (false while its import runs).
  bool closeProjectTab(QWidget* page);
  ProjectTab* currentProject();
  // The current project tab, or nullptr with "Open a project first".
  ProjectTab* requireProject();
  QListWidgetItem* itemFor(const QString& path) const;
  void rememberRecent(const QString& path);
  void rebuildRecentMenu();

  void buildDocks();
  void showAbout();

  QListWidget* files_ = nullptr;
  ProjectTreePanel* tree_ = nullptr;
  ItemPropertiesPanel* properties_ = nullptr;
  JobsPanel* jobs_ = nullptr;
  QTimer* tree_refresh_ = nullptr;
  int import_job_ = 0;
  InspectPanel* inspect_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QLabel* counts_ = nullptr;
  std::map<QWidget*, ProjectTab> projects_;
  ImportJob* import_ = nullptr;
  RenderedThumbnails* rendered_thumbnails_ = nullptr;
  int rendered_thumbnail_job_ = 0;
  QProgressBar* import_progress_ = nullptr;
  QToolButton* import_cancel_ = nullptr;
  QTimer* import_refresh_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  QStringList recent_;
  bool denoising_ = false;
  bool aligning_ = false;
};

} // namespace atelier

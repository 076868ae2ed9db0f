// The main window: a list of opened files and the inspect panel, and a grid
// tab per opened project with its counts in the status bar. Thin shell;
// panels own their logic.
#pragma once

#include <QMainWindow>
#include <QStringList>

class QLabel;
class QListWidget;
class QListWidgetItem;
class QMenu;
class QTabWidget;

namespace atelier {

class InspectPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT
public:
  explicit MainWindow(QWidget* parent = nullptr);

  void openFiles(const QStringList& paths);
  // Opens a NAME.atelier project folder in a grid tab; false (and a message)
  // when it cannot be opened.
  bool openProject(const QString& dir);

protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

private:
  void buildMenus();
  void chooseFiles();
  void chooseProject();
  QListWidgetItem* itemFor(const QString& path) const;
  void rememberRecent(const QString& path);
  void rebuildRecentMenu();

  QListWidget* files_ = nullptr;
  InspectPanel* inspect_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QLabel* counts_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  QStringList recent_;
};

} // namespace atelier

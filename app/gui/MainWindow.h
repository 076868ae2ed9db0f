// The main window: a list of opened files and the inspect panel. Thin shell;
// panels own their logic.
#pragma once

#include <QMainWindow>
#include <QStringList>

class QListWidget;
class QListWidgetItem;
class QMenu;

namespace atelier {

class InspectPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT
public:
  explicit MainWindow(QWidget* parent = nullptr);

  void openFiles(const QStringList& paths);

protected:
  void closeEvent(QCloseEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

private:
  void buildMenus();
  void chooseFiles();
  QListWidgetItem* itemFor(const QString& path) const;
  void rememberRecent(const QString& path);
  void rebuildRecentMenu();

  QListWidget* files_ = nullptr;
  InspectPanel* inspect_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  QStringList recent_;
};

} // namespace atelier

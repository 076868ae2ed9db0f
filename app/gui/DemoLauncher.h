// DemoLauncher: `atelier --demo` in the app. Creates (or reopens) the demo
// project and shows it at once, then simulates the missing cryo-EM sessions
// in the background (progress and Cancel in the status bar) and imports them
// and the sample files one import after the other while the grid fills in.
// Interrupted demos resume where they stopped on the next start.
#pragma once

#include "core/import/demo_project.h"

#include <QFuture>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

class QProgressBar;
class QToolButton;

namespace atelier {

class MainWindow;

class DemoLauncher : public QObject {
  Q_OBJECT
public:
  DemoLauncher(MainWindow& window, import::DemoPlan plan);
  ~DemoLauncher() override; // cancels and waits for the simulation

  // False (and finished(false, reason)) when the project cannot be made.
  bool start();
  void cancel();
  const import::DemoPlan& plan() const { return plan_; }

signals:
  // ok: every step ran; message says what happened or why not.
  void finished(bool ok, const QString& message);

private:
  void simulated(bool completed, const QString& error);
  void importNext();

  MainWindow& window_;
  import::DemoPlan plan_;
  std::vector<import::DemoImport> imports_;
  std::size_t next_import_ = 0;
  int job_ = 0; // the simulation's row in the jobs dock
  std::shared_ptr<std::atomic<bool>> cancel_;
  QFuture<void> future_;
  QProgressBar* progress_ = nullptr;
  QToolButton* cancel_button_ = nullptr;
};

} // namespace atelier

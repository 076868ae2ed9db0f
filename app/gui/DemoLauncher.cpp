// The demo in the app (see DemoLauncher.h).
#include "app/gui/DemoLauncher.h"

#include "app/gui/MainWindow.h"
#include "widgets/import/ImportJob.h"
#include "widgets/jobs/JobsPanel.h"

#include <QCoreApplication>
#include <QMetaObject>
#include <QPointer>
#include <QProgressBar>
#include <QStatusBar>
#include <QThread>
#include <QToolButton>
#include <QtConcurrent/QtConcurrentRun>

namespace atelier {

DemoLauncher::DemoLauncher(MainWindow& window, import::DemoPlan plan)
    : QObject(&window), window_(window), plan_(std::move(plan)),
      cancel_(std::make_shared<std::atomic<bool>>(false)) {
  progress_ = new QProgressBar(&window);
  progress_->setObjectName("demoProgress");
  progress_->setMaximumWidth(260);
  progress_->setFormat(tr("simulating %v/%m micrographs"));
  progress_->hide();
  cancel_button_ = new QToolButton(&window);
  cancel_button_->setText(tr("Cancel"));
  cancel_button_->setToolTip(tr("Stop making the demo; it resumes on the next start"));
  cancel_button_->hide();
  window.statusBar()->addPermanentWidget(progress_);
  window.statusBar()->addPermanentWidget(cancel_button_);
  connect(cancel_button_, &QToolButton::clicked, this, &DemoLauncher::cancel);
}

DemoLauncher::~DemoLauncher() {
  cancel_->store(true);
  future_.waitForFinished();
}

void DemoLauncher::cancel() {
  cancel_->store(true);
  if (window_.importJob().isRunning()) window_.importJob().cancel();
}

bool DemoLauncher::start() {
  const QString dir = QString::fromStdString(plan_.project_dir.string());
  if (import::demo_ready(plan_)) {
    const bool ok = window_.openProject(dir);
    emit finished(ok, ok ? tr("Opened the demo project %1").arg(dir)
                         : tr("Cannot open the demo project %1").arg(dir));
    return ok;
  }
  try {
    (void)import::open_demo_project(plan_); // made now, so the window shows it at once
  } catch (const std::exception& e) {
    const QString message = tr("Cannot make the demo project in %1: %2")
                                .arg(QString::fromStdString(plan_.root.string()), e.what());
    window_.statusBar()->showMessage(message);
    emit finished(false, message);
    return false;
  }
  if (!window_.openProject(dir)) {
    emit finished(false, tr("Cannot open the demo project %1").arg(dir));
    return false;
  }
  if (window_.isReadOnly(dir)) {
    // Another Atelier is making (or editing) the demo: it is not made twice.
    emit finished(
        true, tr("The demo project %1 is open in another Atelier; shown read-only here").arg(dir));
    return true;
  }
  cancel_->store(false);
  progress_->setRange(0, 0);
  progress_->show();
  cancel_button_->show();
  window_.statusBar()->showMessage(tr("Making the demo: simulating cryo-EM sessions…"));
  job_ = window_.jobs().addJob(tr("Simulate the demo's cryo-EM sessions"), [this] { cancel(); });
  QPointer<DemoLauncher> self(this);
  auto cancel = cancel_;
  const import::DemoPlan plan = plan_;
  future_ = QtConcurrent::run([self, cancel, plan] {
    bool completed = false;
    QString error;
    try {
      completed = import::simulate_demo_data(
          plan,
          [self](int done, int total) {
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self, done, total] {
                  if (!self) return;
                  self->progress_->setRange(0, total);
                  self->progress_->setValue(done);
                  self->window_.jobs().setProgress(self->job_, done, total);
                },
                Qt::QueuedConnection);
          },
          cancel.get());
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [self, completed, error] {
          if (self) self->simulated(completed, error);
        },
        Qt::QueuedConnection);
  });
  return true;
}

void DemoLauncher::simulated(bool completed, const QString& error) {
  progress_->hide();
  cancel_button_->hide();
  window_.jobs().finishJob(job_,
                           !error.isEmpty() ? error
                           : completed      ? tr("done")
                                            : tr("stopped; resumes on the next start"),
                           error.isEmpty() && completed);
  if (!error.isEmpty() || !completed) {
    const QString message = error.isEmpty()
                                ? tr("Demo stopped; it resumes on the next `atelier --demo`.")
                                : tr("Cannot simulate the demo data: %1").arg(error);
    window_.statusBar()->showMessage(message);
    emit finished(false, message);
    return;
  }
  imports_ = import::demo_imports(plan_, std::max(1, QThread::idealThreadCount()));
  next_import_ = 0;
  importNext();
}

void DemoLauncher::importNext() {
  const QString dir = QString::fromStdString(plan_.project_dir.string());
  if (next_import_ == imports_.size()) {
    import::mark_demo_ready(plan_);
    emit finished(true, tr("The demo project is ready: %1").arg(dir));
    return;
  }
  const import::DemoImport& next = imports_[next_import_++];
  QStringList paths;
  for (const std::string& p : next.paths)
    paths << QString::fromStdString(p);
  if (!window_.importIntoProject(dir, paths, next.options)) {
    const QString message = tr("Cannot import the demo data: another import is running.");
    window_.statusBar()->showMessage(message);
    emit finished(false, message);
    return;
  }
  // One connection per import: the next one starts when this one is done.
  auto connection = std::make_shared<QMetaObject::Connection>();
  *connection = connect(
      &window_.importJob(), &ImportJob::finished, this,
      [this, connection](qint64, qint64, bool cancelled, const QString&, const QString& error) {
        disconnect(*connection);
        if (cancelled || !error.isEmpty() || cancel_->load()) {
          emit finished(false, error.isEmpty() ? tr("Demo import cancelled; it resumes "
                                                    "on the next start.")
                                               : error);
          return;
        }
        importNext();
      });
}

} // namespace atelier

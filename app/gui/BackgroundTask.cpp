// The progress dialog, Jobs entry and cancel flag of background work (see
// BackgroundTask.h).
#include "app/gui/BackgroundTask.h"

#include "widgets/jobs/JobsPanel.h"

#include <QApplication>
#include <QProgressDialog>

namespace atelier {

BackgroundTask::BackgroundTask(QWidget* parent, JobsPanel& jobs, const QString& label,
                               const QString& job_title, int maximum)
    : state_(std::make_shared<State>()) {
  auto* dialog = new QProgressDialog(label, QObject::tr("Cancel"), 0, maximum, parent);
  // It stays (with Cancel) until finish, even at 100%: the last results are
  // still being written then.
  dialog->setAutoReset(false);
  dialog->setAutoClose(false);
  dialog->setMinimumDuration(300);
  dialog->setValue(0);
  const std::shared_ptr<State> state = state_;
  QObject::connect(dialog, &QProgressDialog::canceled, dialog, [state] { state->cancel = true; });
  state_->dialog = dialog;
  state_->jobs = &jobs;
  state_->job = jobs.addJob(job_title, [state] { state->cancel = true; });
}

void BackgroundTask::progress(int value, qint64 done, qint64 total) const {
  QMetaObject::invokeMethod(
      qApp,
      [state = state_, value, done, total] {
        if (state->dialog && !state->cancel) state->dialog->setValue(value);
        if (state->jobs && total > 0) state->jobs->setProgress(state->job, done, total);
      },
      Qt::QueuedConnection);
}

void BackgroundTask::finish(const QString& summary, bool ok) const {
  if (state_->dialog) state_->dialog->deleteLater();
  if (state_->jobs) state_->jobs->finishJob(state_->job, summary, ok);
}

} // namespace atelier

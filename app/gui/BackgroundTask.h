// BackgroundTask: what the window shows for work it runs on the thread pool
// (denoising, movie alignment): a progress dialog with Cancel, shown after
// 300 ms and kept until the work finishes, a Jobs entry whose Cancel does the
// same (as closing the window does), and the flag the work polls. A cheap
// handle: copies share one task, so the work's lambda can hold one.
#pragma once

#include <QPointer>
#include <QString>

#include <atomic>
#include <memory>

class QProgressDialog;
class QWidget;

namespace atelier {

class JobsPanel;

class BackgroundTask {
public:
  // On the GUI thread. maximum: the dialog's range (0 .. maximum).
  BackgroundTask(QWidget* parent, JobsPanel& jobs, const QString& label, const QString& job_title,
                 int maximum);

  bool cancelled() const { return state_->cancel.load(); }
  const std::atomic<bool>* cancel_flag() const { return &state_->cancel; }
  // From any thread: the dialog's value (ignored once cancelled) and, when
  // total > 0, the job's done / total.
  void progress(int value, qint64 done = 0, qint64 total = 0) const;
  // On the GUI thread: the dialog goes, the job keeps the summary.
  void finish(const QString& summary, bool ok) const;

private:
  struct State {
    std::atomic<bool> cancel{false};
    QPointer<QProgressDialog> dialog;
    QPointer<JobsPanel> jobs;
    int job = 0;
  };
  std::shared_ptr<State> state_;
};

} // namespace atelier

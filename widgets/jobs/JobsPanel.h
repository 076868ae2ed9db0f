// JobsPanel: the bottom dock's list of background jobs (imports, the demo's
// simulation, denoising), each with a progress bar, its rate or summary and
// a Cancel button while it runs, above a time-stamped log of what they did.
#pragma once

#include <QWidget>

#include <functional>
#include <map>

class QPlainTextEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace atelier {

class JobsPanel : public QWidget {
  Q_OBJECT
public:
  explicit JobsPanel(QWidget* parent = nullptr);

  // A running job; cancel (when given) is what its Cancel button calls.
  int addJob(const QString& title, std::function<void()> cancel = {});
  // total 0: busy (unknown length).
  void setProgress(int job, qint64 done, qint64 total, const QString& detail = {});
  // The job stops: its row keeps the summary, the log gets it too.
  void finishJob(int job, const QString& summary, bool ok = true);
  void log(const QString& line);
  int runningJobs() const { return int(running_.size()); }
  // Calls every running job's cancel (as closing the window does).
  void cancelAll();
  QTreeWidget& jobs() { return *jobs_; }
  QPlainTextEdit& logView() { return *log_; }

private:
  QTreeWidget* jobs_ = nullptr;
  QPlainTextEdit* log_ = nullptr;
  int next_ = 1;
  std::map<int, QTreeWidgetItem*> rows_;
  std::map<int, std::function<void()>> running_;
};

} // namespace atelier

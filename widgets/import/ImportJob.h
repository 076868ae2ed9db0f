// ImportJob: runs import_paths for a project in the background (its own
// database connection on a pool thread; the GUI keeps reading through its
// own), reports progress on the GUI thread, and cancels on request: what is
// done stays, a later import does the rest.
#pragma once

#include "core/import/importer.h"

#include <QFuture>
#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <memory>

namespace atelier {

class ImportJob : public QObject {
  Q_OBJECT
public:
  explicit ImportJob(QObject* parent = nullptr);
  ~ImportJob() override; // cancels and waits

  // False when a job is already running.
  bool start(const QString& project_dir, const QStringList& paths,
             const import::ImportOptions& options);
  void cancel() { cancel_->store(true); }
  bool isRunning() const { return running_; }
  // The project of the running (or last) job.
  const QString& projectDir() const { return project_dir_; }

signals:
  void progress(qint64 done, qint64 total, double items_per_s, double eta_s);
  // summary: one line for people; error empty unless the import could not run.
  void finished(qint64 imported, qint64 errors, bool cancelled, const QString& summary,
                const QString& error);

private:
  std::shared_ptr<std::atomic<bool>> cancel_;
  QFuture<void> future_;
  bool running_ = false;
  QString project_dir_;
};

} // namespace atelier

// Background import (see ImportJob.h).
#include "widgets/import/ImportJob.h"

#include "core/project/project.h"

#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <chrono>

namespace atelier {

ImportJob::ImportJob(QObject* parent)
    : QObject(parent), cancel_(std::make_shared<std::atomic<bool>>(false)) {}

ImportJob::~ImportJob() {
  cancel();
  future_.waitForFinished();
}

bool ImportJob::start(const QString& project_dir, const QStringList& paths,
                      const import::ImportOptions& options) {
  if (running_) return false;
  running_ = true;
  project_dir_ = project_dir;
  cancel_->store(false);
  std::vector<std::string> list;
  for (const QString& p : paths)
    list.push_back(p.toStdString());
  QPointer<ImportJob> self(this);
  auto cancel = cancel_;
  const std::string dir = project_dir.toStdString();
  future_ = QtConcurrent::run([self, cancel, dir, list, options] {
    qint64 imported = 0, errors = 0;
    bool cancelled = false;
    QString summary, error;
    try {
      project::Project p = project::Project::open(dir);
      // At most ten updates a second reach the GUI (a re-import of 300k
      // unchanged items reports 300k times).
      auto last = std::chrono::steady_clock::time_point{};
      const auto report = [self, &last](const import::ImportProgress& pr) {
        const auto now = std::chrono::steady_clock::now();
        if (!self || (now - last < std::chrono::milliseconds(100) && pr.done < pr.total)) return;
        last = now;
        QMetaObject::invokeMethod(
            self.data(),
            [self, pr] {
              if (self)
                emit self->progress(qint64(pr.done), qint64(pr.total), pr.items_per_s, pr.eta_s);
            },
            Qt::QueuedConnection);
      };
      const auto s = import::import_paths(p, list, options, report, cancel.get());
      imported = qint64(s.imported);
      errors = qint64(s.errors);
      cancelled = s.cancelled;
      summary = QObject::tr("%1 imported, %2 errors, %3 unchanged, %4 not images in %5 s")
                    .arg(s.imported)
                    .arg(s.errors)
                    .arg(s.skipped_unchanged)
                    .arg(s.skipped_not_images)
                    .arg(s.seconds, 0, 'f', 1);
      if (!s.error_messages.empty())
        summary += "\n" + QString::fromStdString(s.error_messages.front());
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    if (!self) return;
    QMetaObject::invokeMethod(
        self.data(),
        [self, imported, errors, cancelled, summary, error] {
          if (!self) return;
          self->running_ = false;
          emit self->finished(imported, errors, cancelled, summary, error);
        },
        Qt::QueuedConnection);
  });
  return true;
}

} // namespace atelier

// The 3D thumbnail process (see RenderedThumbnails.h).
#include "widgets/grid/RenderedThumbnails.h"

#include "widgets/train/cli_process.h"

#include <QFileInfo>

namespace atelier {

RenderedThumbnails::RenderedThumbnails(QObject* parent) : QObject(parent) {
  connect(&process_, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
    const QString dir = running_;
    running_.clear();
    QString message;
    const QStringList lines =
        QString::fromUtf8(process_.readAllStandardError()).split('\n', Qt::SkipEmptyParts);
    if (!lines.isEmpty()) message = lines.last().trimmed();
    const bool ok = status == QProcess::NormalExit && code == 0;
    if (!ok && message.isEmpty())
      message = status == QProcess::CrashExit ? tr("atelier-cli thumbnails stopped")
                                              : tr("atelier-cli thumbnails failed (%1)").arg(code);
    emit finished(dir, ok, message);
    startNext();
  });
  connect(&process_, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
    if (error != QProcess::FailedToStart) return; // the others end in finished
    const QString dir = running_;
    running_.clear();
    emit finished(dir, false,
                  tr("%1: cannot start (%2)").arg(atelier_cli_path(), process_.errorString()));
    startNext();
  });
}

RenderedThumbnails::~RenderedThumbnails() {
  queue_.clear();
  if (busy()) {
    process_.disconnect(this);
    process_.kill();
    process_.waitForFinished(2000);
  }
}

void RenderedThumbnails::request(const QString& project_dir) {
  // A project being rendered is queued once more: items imported since the
  // process listed its work would be missed otherwise.
  if (queue_.contains(project_dir)) return;
  queue_.append(project_dir);
  startNext();
}

void RenderedThumbnails::cancel() {
  queue_.clear();
  if (busy()) process_.kill(); // finished follows, with ok = false
}

void RenderedThumbnails::startNext() {
  if (busy() || queue_.isEmpty()) return;
  running_ = queue_.takeFirst();
  emit started(running_);
  process_.start(atelier_cli_path(), {"thumbnails", running_, "--quiet"});
}

} // namespace atelier

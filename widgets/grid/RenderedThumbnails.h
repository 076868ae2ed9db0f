// RenderedThumbnails: runs `atelier-cli thumbnails PROJECT` in a child
// process (VTK rendering stays out of the GUI thread and the app's GL
// state), so the grid shows volumes as 3D isosurfaces and point clouds as
// rendered points instead of a slice or a top-down view. One process at a
// time; a project asked for again while one runs is queued once. The CLI
// skips items that already have one, so asking is cheap.
#pragma once

#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>

namespace atelier {

class RenderedThumbnails : public QObject {
  Q_OBJECT
public:
  explicit RenderedThumbnails(QObject* parent = nullptr);
  ~RenderedThumbnails() override;

  // Renders the missing 3D thumbnails of project_dir (queued when busy).
  void request(const QString& project_dir);
  // Stops the running process and drops the queue.
  void cancel();
  bool busy() const { return process_.state() != QProcess::NotRunning; }

signals:
  void started(const QString& project_dir);
  // ok: the process ran and every volume rendered; message: its last
  // stderr line otherwise (no display, an unreadable volume).
  void finished(const QString& project_dir, bool ok, const QString& message);

private:
  void startNext();

  QProcess process_;
  QString running_;
  QStringList queue_;
};

} // namespace atelier

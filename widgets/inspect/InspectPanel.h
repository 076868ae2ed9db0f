// Shows what a file holds (format, shape, type, pixel size, statistics).
// Reading runs on the global thread pool; the GUI thread never decodes.
#pragma once

#include "widgets/inspect/FileInfoTableModel.h"

#include <QFutureWatcher>
#include <QWidget>

class QLabel;
class QTableView;

namespace atelier {

class InspectPanel : public QWidget {
  Q_OBJECT
public:
  explicit InspectPanel(QWidget* parent = nullptr);

  // Starts reading path in the background; a newer request supersedes an
  // older one still running (its result is dropped).
  void inspect(const QString& path);
  const FileInfoTableModel& model() const { return model_; }
  QString currentPath() const { return path_; }

signals:
  void inspected(const QString& path);
  void failed(const QString& path, const QString& message);

private:
  struct Outcome {
    FileInfo info;
    QString error;
  };
  void onFinished();

  FileInfoTableModel model_;
  QTableView* table_ = nullptr;
  QLabel* status_ = nullptr;
  QString path_;
  QFutureWatcher<Outcome> watcher_;
};

} // namespace atelier

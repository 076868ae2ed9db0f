// ItemPropertiesPanel: the current item of a project for the right dock:
// its file facts, curation (status, split, labels, tags), metadata and
// every metric, a movie's drift trajectory (DriftTrajectoryView), and its
// free-text note, saved (as an undoable change) when
// the editor loses focus or on Ctrl+Return.
#pragma once

#include "core/project/project.h"

#include <QWidget>

#include <memory>

class QPlainTextEdit;
class QTableWidget;

namespace atelier {

class DriftTrajectoryView;

class ItemPropertiesPanel : public QWidget {
  Q_OBJECT
public:
  explicit ItemPropertiesPanel(QWidget* parent = nullptr);

  void setProject(std::shared_ptr<project::Project> project);
  // Shows item_id (0: none); an unsaved note of the previous item is saved.
  void setItem(qint64 item_id);
  qint64 item() const { return item_; }
  // Re-reads the shown item (after changes made elsewhere), unless its
  // note has edits not saved yet: those are never overwritten.
  void reload();
  QTableWidget& table() { return *table_; }
  QPlainTextEdit& noteEditor() { return *note_; }
  // Shown for items with a measured drift trajectory, hidden otherwise.
  DriftTrajectoryView& driftView() { return *drift_; }
  // Saves the note when it changed; false (and failed) when it cannot.
  bool saveNote();

signals:
  void noteSaved(qint64 item_id);
  void failed(const QString& message);

protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  std::shared_ptr<project::Project> project_;
  qint64 item_ = 0;
  QString saved_note_;
  QTableWidget* table_ = nullptr;
  DriftTrajectoryView* drift_ = nullptr;
  QPlainTextEdit* note_ = nullptr;
};

} // namespace atelier

// LabelSetDialog: edits a project's label set: a name, a colour (click to
// choose) and a key 1-9 per label; labels already on items but not in the
// set are offered too. OK saves through Project::set_label_set, which checks
// it (unique names and keys); the dialog stays open with the reason
// otherwise. Items keep the labels they carry; a renamed label is renamed
// on its items too (one undoable change each).
#pragma once

#include "core/project/project.h"

#include <QDialog>

#include <memory>

class QLabel;
class QTableWidget;

namespace atelier {

class LabelSetDialog : public QDialog {
  Q_OBJECT
public:
  LabelSetDialog(std::shared_ptr<project::Project> project, QWidget* parent = nullptr);

  QTableWidget& table() { return *table_; }
  // The labels as edited (empty names dropped).
  std::vector<project::LabelDef> labels() const;
  void addLabel(const project::LabelDef& label);
  // Rows whose name was edited: (old, new), renamed on the items too.
  std::vector<std::pair<std::string, std::string>> renames() const;
  // Saves; false with the reason shown when the project refuses the set.
  bool save();

  void accept() override;

private:
  std::shared_ptr<project::Project> project_;
  QTableWidget* table_ = nullptr;
  QLabel* error_ = nullptr;
};

// The default colour of the n-th label: well-separated hues.
QColor default_label_colour(int n);

} // namespace atelier

// RelinkDialog: points a dataset whose files moved (a renamed disk, a
// copied session) at their new folder. Lists the project's datasets with
// their root folders (one that no longer exists is marked and chosen
// first); OK relinks through Project::relink, which checks that a sample of
// the items is there with the same sizes, and the dialog stays open with the
// reason when they are not.
#pragma once

#include "core/project/project.h"

#include <QDialog>

#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;

namespace atelier {

class RelinkDialog : public QDialog {
  Q_OBJECT
public:
  RelinkDialog(std::shared_ptr<project::Project> project, QWidget* parent = nullptr);

  QComboBox& datasets() { return *datasets_; }
  QLineEdit& newRoot() { return *new_root_; }
  // Relinks the chosen dataset's root to the new folder; false with the
  // reason shown.
  bool relink();
  QString summary() const { return summary_; }

  void accept() override;

private:
  std::shared_ptr<project::Project> project_;
  QComboBox* datasets_ = nullptr;
  QLineEdit* new_root_ = nullptr;
  QLabel* error_ = nullptr;
  QString summary_;
};

} // namespace atelier

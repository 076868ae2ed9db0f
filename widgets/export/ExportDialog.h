// ExportDialog: writes the grid's current filter, the selected items or the
// whole project as a RELION micrographs STAR file (with the optics RELION
// needs), a CSV of every metric, or a list of paths (core item_export.h).
// Selected items are saved as the named selection "exported" so the
// export can be found again in the project outline.
#pragma once

#include "core/project/project.h"

#include <QDialog>

#include <memory>
#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QRadioButton;
class QWidget;

namespace atelier {

class ExportDialog : public QDialog {
  Q_OBJECT
public:
  ExportDialog(std::shared_ptr<project::Project> project, const QString& filter,
               std::vector<std::int64_t> selected, QWidget* parent = nullptr);

  // Scope: 0 the grid's filter, 1 the selected items, 2 every item.
  void setScope(int scope);
  void setFormat(const QString& format); // "star", "csv" or "list"
  void setPath(const QString& path);
  // Writes the file; false with the reason shown (and in lastError()).
  bool exportNow();
  const QString& lastSummary() const { return summary_; }
  const QString& lastError() const { return error_text_; }

  void accept() override;

private:
  void updateForm();

  std::shared_ptr<project::Project> project_;
  QString filter_;
  std::vector<std::int64_t> selected_;
  QRadioButton* scope_[3] = {};
  QComboBox* format_ = nullptr;
  QLineEdit* path_ = nullptr;
  QWidget* optics_ = nullptr;
  QDoubleSpinBox* voltage_ = nullptr;
  QDoubleSpinBox* cs_ = nullptr;
  QDoubleSpinBox* amplitude_ = nullptr;
  QDoubleSpinBox* pixel_ = nullptr;
  QLabel* error_ = nullptr;
  QString summary_, error_text_;
};

} // namespace atelier

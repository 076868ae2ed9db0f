// ImportDialog: what to import into a project: a folder (or several, one
// per line), include/exclude globs and a dataset name.
#pragma once

#include "core/import/importer.h"

#include <QDialog>
#include <QStringList>

class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace atelier {

class ImportDialog : public QDialog {
  Q_OBJECT
public:
  explicit ImportDialog(QWidget* parent = nullptr);

  QStringList paths() const;
  import::ImportOptions options() const;
  void setPaths(const QStringList& paths);

private:
  QPlainTextEdit* paths_ = nullptr;
  QLineEdit* include_ = nullptr;
  QLineEdit* exclude_ = nullptr;
  QLineEdit* dataset_ = nullptr;
  QSpinBox* threads_ = nullptr;
};

} // namespace atelier

// The import dialog's fields (see ImportDialog.h).
#include "widgets/import/ImportDialog.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

namespace atelier {

ImportDialog::ImportDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Import into project"));
  paths_ = new QPlainTextEdit(this);
  paths_->setPlaceholderText(tr("Folders or files, one per line"));
  paths_->setMaximumHeight(90);
  auto* browse = new QPushButton(tr("Add folder…"), this);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder to import"));
    if (!dir.isEmpty()) paths_->appendPlainText(dir);
  });
  include_ = new QLineEdit(this);
  include_->setPlaceholderText(tr("e.g. *.mrc *.tif (empty: everything)"));
  exclude_ = new QLineEdit(this);
  exclude_->setPlaceholderText(tr("e.g. *movie*"));
  dataset_ = new QLineEdit(this);
  dataset_->setPlaceholderText(tr("default: the folder's name"));
  threads_ = new QSpinBox(this);
  threads_->setRange(1, 64);
  threads_->setValue(std::max(1, std::min(8, QThread::idealThreadCount())));

  auto* form = new QFormLayout;
  form->addRow(tr("Paths"), paths_);
  form->addRow(QString(), browse);
  form->addRow(tr("Include"), include_);
  form->addRow(tr("Exclude"), exclude_);
  form->addRow(tr("Dataset"), dataset_);
  form->addRow(tr("Threads"), threads_);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Import"));
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(buttons);
}

QStringList ImportDialog::paths() const {
  QStringList out;
  for (const QString& line : paths_->toPlainText().split('\n'))
    if (!line.trimmed().isEmpty()) out << line.trimmed();
  return out;
}

void ImportDialog::setPaths(const QStringList& paths) {
  paths_->setPlainText(paths.join('\n'));
}

import::ImportOptions ImportDialog::options() const {import::ImportOptions o;
for (const QString& g : include_->text().split(' ', Qt::SkipEmptyParts))
  o.include_globs.push_back(g.toStdString());
for (const QString& g : exclude_->text().split(' ', Qt::SkipEmptyParts))
  o.exclude_globs.push_back(g.toStdString());
o.dataset_name = dataset_->text().trimmed().toStdString();
o.threads = threads_->value();
return o;
} // namespace atelier

} // namespace atelier

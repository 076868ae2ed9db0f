// The relink dialog (see RelinkDialog.h).
#include "widgets/project/RelinkDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace atelier {

RelinkDialog::RelinkDialog(std::shared_ptr<project::Project> project, QWidget* parent)
    : QDialog(parent), project_(std::move(project)) {
  setWindowTitle(tr("Relink Dataset"));
  datasets_ = new QComboBox(this);
  int missing = -1;
  try {
    for (const project::DatasetRecord& d : project_->datasets()) {
      const QString root = QString::fromStdString(d.root);
      const bool gone = !QFileInfo(root).isDir();
      datasets_->addItem(QStringLiteral("%1 — %2%3")
                             .arg(QString::fromStdString(d.name), root,
                                  gone ? tr("  (folder missing)") : QString()),
                         root);
      if (gone && missing < 0) missing = datasets_->count() - 1;
    }
  } catch (const std::exception& e) {
    summary_ = QString::fromStdString(e.what());
  }
  if (missing >= 0) datasets_->setCurrentIndex(missing);
  new_root_ = new QLineEdit(this);
  new_root_->setPlaceholderText(tr("The folder the dataset's files are in now"));
  auto* browse = new QPushButton(tr("Browse…"), this);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("New folder of the dataset"), new_root_->text());
    if (!dir.isEmpty()) new_root_->setText(dir);
  });
  auto* root_row = new QHBoxLayout;
  root_row->addWidget(new_root_, 1);
  root_row->addWidget(browse);
  error_ = new QLabel(summary_, this);
  error_->setStyleSheet("color: #cf222e");
  error_->setWordWrap(true);
  error_->setVisible(!summary_.isEmpty());
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Relink"));
  buttons->button(QDialogButtonBox::Ok)->setEnabled(datasets_->count() > 0);
  connect(buttons, &QDialogButtonBox::accepted, this, &RelinkDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &RelinkDialog::reject);
  auto* form = new QFormLayout;
  form->addRow(tr("Dataset"), datasets_);
  form->addRow(tr("New folder"), root_row);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(new QLabel(tr("Datasets whose folder is inside the old one move with it. "
                                  "A sample of the items must be in the new folder with the "
                                  "same sizes; nothing changes otherwise."),
                               this));
  layout->addWidget(error_);
  layout->addWidget(buttons);
  resize(560, sizeHint().height());
}

bool RelinkDialog::relink() {
  const QString from = datasets_->currentData().toString();
  const QString to = QDir::cleanPath(new_root_->text().trimmed());
  if (from.isEmpty() || new_root_->text().trimmed().isEmpty()) {
    error_->setText(tr("Choose a dataset and the folder its files are in now."));
    error_->show();
    return false;
  }
  try {
    const std::size_t n = project_->relink(from.toStdString(), to.toStdString());
    summary_ = tr("%n dataset(s) relinked from %1 to %2", nullptr, int(n)).arg(from, to);
  } catch (const std::exception& e) {
    error_->setText(QString::fromStdString(e.what()));
    error_->show();
    return false;
  }
  return true;
}

void RelinkDialog::accept() {
  if (relink()) QDialog::accept();
}

} // namespace atelier

// The label set editor (see LabelSetDialog.h).
#include "widgets/grid/LabelSetDialog.h"

#include <QColorDialog>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <set>

namespace atelier {
namespace {
enum Column { kName = 0, kColour = 1, kKey = 2 };
} // namespace

QColor default_label_colour(int n) {
  // The golden angle spreads any number of hues apart.
  return QColor::fromHsv(static_cast<int>(std::lround(n * 137.508)) % 360, 170, 220);
}

LabelSetDialog::LabelSetDialog(std::shared_ptr<project::Project> project, QWidget* parent)
    : QDialog(parent), project_(std::move(project)) {
  setWindowTitle(
      tr("Labels of %1").arg(QString::fromStdString(project_->dir().filename().string())));
  table_ = new QTableWidget(0, 3, this);
  table_->setHorizontalHeaderLabels({tr("Name"), tr("Colour"), tr("Key")});
  table_->horizontalHeader()->setSectionResizeMode(kName, QHeaderView::Stretch);
  table_->verticalHeader()->hide();
  error_ = new QLabel(this);
  error_->setStyleSheet("color: #cf222e");
  error_->hide();
  auto* add = new QPushButton(tr("&Add"), this);
  auto* remove = new QPushButton(tr("&Remove"), this);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  auto* row = new QHBoxLayout;
  row->addWidget(add);
  row->addWidget(remove);
  row->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(
      new QLabel(tr("Keys 1–9 toggle a label on the selected items in the grid."), this));
  layout->addWidget(table_, 1);
  layout->addLayout(row);
  layout->addWidget(error_);
  layout->addWidget(buttons);
  connect(buttons, &QDialogButtonBox::accepted, this, &LabelSetDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(add, &QPushButton::clicked, this, [this] {
    addLabel({"", default_label_colour(table_->rowCount()).name().toStdString(), ""});
    table_->editItem(table_->item(table_->rowCount() - 1, kName));
  });
  connect(remove, &QPushButton::clicked, this, [this] {
    if (table_->currentRow() >= 0) table_->removeRow(table_->currentRow());
  });

  std::set<std::string> listed;
  try {
    for (const project::LabelDef& l : project_->label_set()) {
      addLabel(l);
      listed.insert(l.name);
    }
    for (const auto& [name, count] : project_->stats().labels)
      if (!listed.count(name))
        addLabel({name, default_label_colour(table_->rowCount()).name().toStdString(), ""});
  } catch (const std::exception& e) {
    error_->setText(QString::fromStdString(e.what()));
    error_->show();
  }
  resize(420, 360);
}

void LabelSetDialog::addLabel(const project::LabelDef& label) {
  const int r = table_->rowCount();
  table_->insertRow(r);
  auto* name = new QTableWidgetItem(QString::fromStdString(label.name));
  name->setData(Qt::UserRole, name->text()); // the name it had: a change is a rename
  table_->setItem(r, kName, name);
  auto* colour = new QPushButton(table_);
  const auto paint = [colour](const QColor& c) {
    colour->setText(c.name());
    colour->setStyleSheet(QString("background: %1").arg(c.name()));
  };
  paint(QColor(QString::fromStdString(label.colour)));
  connect(colour, &QPushButton::clicked, this, [this, colour, paint] {
    const QColor c = QColorDialog::getColor(QColor(colour->text()), this, tr("Label colour"));
    if (c.isValid()) paint(c);
  });
  table_->setCellWidget(r, kColour, colour);
  auto* key = new QComboBox(table_);
  key->addItem(tr("none"), QString());
  for (int k = 1; k <= 9; ++k)
    key->addItem(QString::number(k), QString::number(k));
  key->setCurrentIndex(std::max(0, key->findData(QString::fromStdString(label.key))));
  table_->setCellWidget(r, kKey, key);
}

std::vector<project::LabelDef> LabelSetDialog::labels() const {
  std::vector<project::LabelDef> out;
  for (int r = 0; r < table_->rowCount(); ++r) {
    const QTableWidgetItem* name = table_->item(r, kName);
    if (!name || name->text().trimmed().isEmpty()) continue;
    const auto* colour = qobject_cast<QPushButton*>(table_->cellWidget(r, kColour));
    const auto* key = qobject_cast<QComboBox*>(table_->cellWidget(r, kKey));
    out.push_back({name->text().trimmed().toStdString(), colour->text().toStdString(),
                   key->currentData().toString().toStdString()});
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> LabelSetDialog::renames() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (int r = 0; r < table_->rowCount(); ++r) {
    const QTableWidgetItem* name = table_->item(r, kName);
    if (!name) continue;
    const QString was = name->data(Qt::UserRole).toString(), now = name->text().trimmed();
    if (!was.isEmpty() && !now.isEmpty() && was != now)
      out.emplace_back(was.toStdString(), now.toStdString());
  }
  return out;
}

bool LabelSetDialog::save() {
  try {
    const auto renamed = renames();
    for (const auto& [from, to] : renamed)
      for (const auto& [other_from, other_to] : renamed)
        if (to == other_from)
          throw std::runtime_error("rename " + from + " and " + other_from +
                                   " one at a time: " + to + " is still in use");
    project_->set_label_set(labels()); // checks the set before items change
    for (const auto& [from, to] : renamed)
      project_->rename_label(from, to);
    for (int r = 0; r < table_->rowCount(); ++r)
      if (QTableWidgetItem* name = table_->item(r, kName))
        name->setData(Qt::UserRole, name->text().trimmed());
  } catch (const std::exception& e) {
    error_->setText(QString::fromStdString(e.what()));
    error_->show();
    return false;
  }
  return true;
}

void LabelSetDialog::accept() {
  if (save()) QDialog::accept();
}

} // namespace atelier

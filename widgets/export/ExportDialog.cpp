// The export dialog (see ExportDialog.h).
#include "widgets/export/ExportDialog.h"

#include "core/project/item_export.h"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QVBoxLayout>

namespace atelier {
namespace {

constexpr const char* kSelection = "exported";

QDoubleSpinBox* spin(QWidget* parent, double lo, double hi, double value, int decimals,
                     const QString& suffix) {
  auto* s = new QDoubleSpinBox(parent);
  s->setRange(lo, hi);
  s->setDecimals(decimals);
  s->setValue(value);
  s->setSuffix(suffix);
  return s;
}

} // namespace

ExportDialog::ExportDialog(std::shared_ptr<project::Project> project, const QString& filter,
                           std::vector<std::int64_t> selected, QWidget* parent)
    : QDialog(parent), project_(std::move(project)), filter_(filter),
      selected_(std::move(selected)) {
  setWindowTitle(tr("Export items"));
  qint64 filtered = 0, total = 0;
  try {
    filtered = project_->count_items(filter_.toStdString());
    total = project_->count_items("");
  } catch (const std::exception&) {
    filtered = -1;
  }
  scope_[0] = new QRadioButton(
      filter_.isEmpty() ? tr("The grid (%1 items)").arg(filtered)
                        : tr("The grid's filter: %1 (%2 items)").arg(filter_).arg(filtered),
      this);
  scope_[1] = new QRadioButton(tr("The selected items (%1)").arg(selected_.size()), this);
  scope_[2] = new QRadioButton(tr("Every item (%1)").arg(total), this);
  scope_[1]->setEnabled(!selected_.empty());
  (selected_.size() > 1 ? scope_[1] : scope_[0])->setChecked(true);

  format_ = new QComboBox(this);
  format_->addItem(tr("RELION micrographs STAR"), "star");
  format_->addItem(tr("CSV with every metric"), "csv");
  format_->addItem(tr("List of paths"), "list");
  path_ = new QLineEdit(this);
  auto* browse = new QPushButton(tr("Browse…"), this);
  auto* path_row = new QHBoxLayout;
  path_row->addWidget(path_, 1);
  path_row->addWidget(browse);

  optics_ = new QWidget(this);
  auto* optics = new QFormLayout(optics_);
  optics->setContentsMargins(0, 0, 0, 0);
  voltage_ = spin(optics_, 1, 3000, 300, 0, " kV");
  cs_ = spin(optics_, 0, 100, 2.7, 2, " mm");
  amplitude_ = spin(optics_, 0, 1, 0.1, 3, QString());
  pixel_ = spin(optics_, 0, 1000, 0, 4, " Å");
  pixel_->setSpecialValueText(tr("from the items"));
  pixel_->setToolTip(tr("For items without a pixel size"));
  optics->addRow(tr("Voltage"), voltage_);
  optics->addRow(tr("Spherical aberration"), cs_);
  optics->addRow(tr("Amplitude contrast"), amplitude_);
  optics->addRow(tr("Pixel size"), pixel_);

  error_ = new QLabel(this);
  error_->setWordWrap(true);
  error_->setStyleSheet("color: #cf222e");
  error_->hide();
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
  buttons->addButton(tr("&Export"), QDialogButtonBox::AcceptRole);

  auto* form = new QFormLayout;
  form->addRow(tr("Format"), format_);
  form->addRow(tr("File"), path_row);
  auto* layout = new QVBoxLayout(this);
  for (QRadioButton* r : scope_)
    layout->addWidget(r);
  layout->addLayout(form);
  layout->addWidget(optics_);
  layout->addWidget(error_);
  layout->addWidget(buttons);

  connect(format_, &QComboBox::currentIndexChanged, this, [this] { updateForm(); });
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString ext = format_->currentData().toString() == "star"  ? "star"
                        : format_->currentData().toString() == "csv" ? "csv"
                                                                     : "txt";
    const QString p = QFileDialog::getSaveFileName(this, tr("Export to"), path_->text(),
                                                   tr("*.%1 files (*.%1)").arg(ext));
    if (!p.isEmpty()) path_->setText(p);
  });
  connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  updateForm();
}

void ExportDialog::updateForm() {
  const QString f = format_->currentData().toString();
  optics_->setVisible(f == "star");
  const QString ext = f == "star" ? ".star" : f == "csv" ? ".csv" : ".txt";
  QString p = path_->text();
  if (p.isEmpty())
    p = QString::fromStdString((project_->dir().parent_path() / "micrographs").string()) + ext;
  else if (const int dot = p.lastIndexOf('.'); dot > p.lastIndexOf('/'))
    p = p.left(dot) + ext;
  path_->setText(p);
}

void ExportDialog::setScope(int scope) {
  if (scope >= 0 && scope < 3 && scope_[scope]->isEnabled()) scope_[scope]->setChecked(true);
}

void ExportDialog::setFormat(const QString& format) {
  format_->setCurrentIndex(std::max(0, format_->findData(format)));
}

void ExportDialog::setPath(const QString& path) {
  path_->setText(path);
}

bool ExportDialog::exportNow() {
  error_text_.clear();
  project::ExportOptions o;
  o.voltage_kV = voltage_->value();
  o.spherical_aberration_mm = cs_->value();
  o.amplitude_contrast = amplitude_->value();
  o.pixel_size_A = pixel_->value();
  QApplication::setOverrideCursor(Qt::WaitCursor);
  try {
    if (scope_[0]->isChecked()) {
      o.filter = filter_.toStdString();
    } else if (scope_[1]->isChecked()) {
      project_->save_selection(kSelection, selected_);
      o.filter = std::string("selection = \"") + kSelection + "\"";
    }
    const auto s = project::export_items(
        *project_, project::parse_export_format(format_->currentData().toString().toStdString()),
        path_->text().toStdString(), o);
    summary_ = tr("Exported %1 items to %2").arg(s.items).arg(path_->text());
  } catch (const std::exception& e) {
    error_text_ = QString::fromStdString(e.what());
  }
  QApplication::restoreOverrideCursor();
  error_->setText(error_text_);
  error_->setVisible(!error_text_.isEmpty());
  return error_text_.isEmpty();
}

void ExportDialog::accept() {
  if (exportNow()) QDialog::accept();
}

} // namespace atelier

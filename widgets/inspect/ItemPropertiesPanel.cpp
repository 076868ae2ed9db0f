// The current item's facts, metrics and note (see ItemPropertiesPanel.h).
#include "widgets/inspect/ItemPropertiesPanel.h"

#include "core/metrics/movie_drift.h"
#include "widgets/inspect/DriftTrajectoryView.h"

#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTableWidget>
#include <QVBoxLayout>

namespace atelier {
namespace {

QString status_text(project::CurationStatus s) {
  switch (s) {
  case project::CurationStatus::accept: return QObject::tr("accepted");
  case project::CurationStatus::reject: return QObject::tr("rejected");
  case project::CurationStatus::none: break;
  }
  return QObject::tr("unset");
}

QString split_text(project::Split s) {
  switch (s) {
  case project::Split::train: return "train";
  case project::Split::val: return "val";
  case project::Split::test: return "test";
  case project::Split::none: break;
  }
  return QObject::tr("none");
}

QString joined(const std::vector<std::string>& v) {
  QStringList out;
  for (const std::string& s : v)
    out << QString::fromStdString(s);
  return out.join(", ");
}

} // namespace

ItemPropertiesPanel::ItemPropertiesPanel(QWidget* parent) : QWidget(parent) {
  table_ = new QTableWidget(0, 2, this);
  table_->setObjectName("itemProperties");
  table_->setHorizontalHeaderLabels({tr("Property"), tr("Value")});
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->hide();
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  drift_ = new DriftTrajectoryView(this);
  drift_->hide();
  note_ = new QPlainTextEdit(this);
  note_->setObjectName("itemNote");
  note_->setPlaceholderText(tr("Note on this item (saved on leaving the field or Ctrl+Return)"));
  note_->setMaximumHeight(90);
  note_->setEnabled(false);
  note_->installEventFilter(this);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(table_, 1);
  layout->addWidget(drift_);
  layout->addWidget(new QLabel(tr("Note"), this));
  layout->addWidget(note_);
}

void ItemPropertiesPanel::setProject(std::shared_ptr<project::Project> project) {
  saveNote();
  project_ = std::move(project);
  item_ = 0;
  setItem(0);
}

bool ItemPropertiesPanel::saveNote() {
  if (!project_ || item_ <= 0 || note_->toPlainText() == saved_note_) return true;
  try {
    project_->set_note(item_, note_->toPlainText().toStdString());
  } catch (const std::exception& e) {
    emit failed(tr("Cannot save the note: %1").arg(e.what()));
    return false;
  }
  saved_note_ = note_->toPlainText();
  emit noteSaved(item_);
  return true;
}

void ItemPropertiesPanel::reload() {
  if (note_->toPlainText() != saved_note_) return; // the user is writing
  const qint64 id = item_;
  item_ = 0; // shown again from the database
  setItem(id);
}

void ItemPropertiesPanel::setItem(qint64 item_id) {
  if (item_id != item_) saveNote();
  item_ = item_id;
  table_->setRowCount(0);
  drift_->setTrajectory({}, 0.0);
  drift_->hide();
  note_->clear();
  saved_note_.clear();
  note_->setEnabled(false);
  if (!project_ || item_id <= 0) return;
  std::optional<project::ItemRow> row;
  std::map<std::string, std::string> metadata;
  std::map<std::string, double> metrics;
  std::vector<std::string> labels, tags;
  try {
    row = project_->item(item_id);
    if (!row) return;
    metadata = project_->item_metadata(item_id);
    metrics = project_->item_metrics(item_id);
    labels = project_->labels(item_id);
    tags = project_->tags(item_id);
    saved_note_ = QString::fromStdString(project_->note(item_id));
  } catch (const std::exception& e) {
    emit failed(QString::fromStdString(e.what()));
    return;
  }
  const auto add = [this](const QString& name, const QString& value, bool heading = false) {
    const int r = table_->rowCount();
    table_->insertRow(r);
    auto* key = new QTableWidgetItem(name);
    if (heading) {
      QFont f = key->font();
      f.setBold(true);
      key->setFont(f);
    }
    table_->setItem(r, 0, key);
    auto* v = new QTableWidgetItem(value);
    v->setToolTip(value);
    table_->setItem(r, 1, v);
  };
  add(tr("path"), QString::fromStdString(row->rel_path));
  add(tr("format"), QString::fromStdString(row->format));
  add(tr("kind"), QString::fromStdString(row->kind));
  QString dims = QString("%1 x %2").arg(row->width).arg(row->height);
  if (row->depth > 1) dims += QString(" x %1").arg(row->depth);
  if (row->frames > 1) dims += tr(", %1 frames").arg(row->frames);
  if (row->channels > 1) dims += tr(", %1 bands").arg(row->channels);
  add(tr("size"), dims);
  add(tr("type"), QString::fromStdString(row->dtype));
  if (row->pixel_size_A > 0)
    add(tr("pixel size"), QString("%1 Å").arg(row->pixel_size_A, 0, 'g', 5));
  add(tr("bytes"), QLocale().formattedDataSize(row->size_bytes));
  if (!row->import_ok) add(tr("unreadable"), QString::fromStdString(row->import_error), true);
  add(tr("status"), status_text(row->status));
  add(tr("split"), split_text(row->split));
  if (!labels.empty()) add(tr("labels"), joined(labels));
  if (!tags.empty()) add(tr("tags"), joined(tags));
  for (const auto& [key, value] : metadata)
    if (key != metrics::kDriftTrajectoryKey) // drawn below the table instead
      add(QString::fromStdString(key), QString::fromStdString(value));
  if (const auto it = metadata.find(metrics::kDriftTrajectoryKey); it != metadata.end()) {
    auto frames = metrics::parse_trajectory(it->second);
    if (frames.size() >= 2) {
      drift_->setTrajectory(std::move(frames), row->pixel_size_A);
      drift_->show();
    }
  }
  if (!metrics.empty()) add(tr("Metrics"), QString(), true);
  for (const auto& [name, value] : metrics)
    add(QString::fromStdString(name), QString::number(value, 'g', 6));
  table_->resizeColumnToContents(0);
  note_->setPlainText(saved_note_);
  note_->setEnabled(true);
  note_->setReadOnly(project_->read_only()); // shown, not editable
}

bool ItemPropertiesPanel::eventFilter(QObject* watched, QEvent* event) {
  if (watched == note_) {
    if (event->type() == QEvent::FocusOut) saveNote();
    if (event->type() == QEvent::KeyPress) {
      const auto* key = static_cast<QKeyEvent*>(event);
      if ((key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) &&
          (key->modifiers() & Qt::ControlModifier)) {
        saveNote();
        return true;
      }
    }
  }
  return QWidget::eventFilter(watched, event);
}

} // namespace atelier

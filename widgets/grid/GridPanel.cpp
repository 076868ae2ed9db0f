// The curation grid's controller (see GridPanel.h).
#include "widgets/grid/GridPanel.h"

#include "widgets/grid/ItemGridDelegate.h"
#include "widgets/grid/ItemGridModel.h"
#include "widgets/grid/ThumbnailLoader.h"

#include <QAction>
#include <QHBoxLayout>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QSettings>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>

namespace atelier {

GridPanel::GridPanel(std::shared_ptr<project::Project> project, QWidget* parent)
    : QWidget(parent), project_(std::move(project)) {
  thumbnails_ = new ThumbnailLoader(QString::fromStdString(project_->cache_dir().string()),
                                    qint64{256} << 20, this);
  model_ = new ItemGridModel(project_, thumbnails_, this);
  delegate_ = new ItemGridDelegate(this);

  filter_ = new QLineEdit(this);
  filter_->setPlaceholderText(tr("Filter, e.g. ctf_max_resolution_A < 6 and status != reject"));
  filter_->setClearButtonEnabled(true);
  sort_ = new QLineEdit(this);
  sort_->setPlaceholderText(tr("Sort (id, path, a metric; -metric descending)"));
  sort_->setMaximumWidth(260);
  size_ = new QSlider(Qt::Horizontal, this);
  size_->setRange(64, 384);
  size_->setValue(delegate_->tileSize());
  size_->setMaximumWidth(160);
  size_->setToolTip(tr("Thumbnail size"));
  error_ = new QLabel(this);
  error_->setStyleSheet("color: #cf222e");
  error_->setWordWrap(true);
  error_->hide();

  view_ = new QListView(this);
  view_->setViewMode(QListView::IconMode);
  view_->setResizeMode(QListView::Adjust);
  view_->setMovement(QListView::Static);
  view_->setUniformItemSizes(true);
  view_->setLayoutMode(QListView::Batched);
  view_->setBatchSize(512);
  view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  view_->setItemDelegate(delegate_);
  view_->setModel(model_);

  auto* bar = new QHBoxLayout;
  bar->addWidget(filter_, 1);
  bar->addWidget(sort_);
  bar->addWidget(size_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(bar);
  layout->addWidget(error_);
  layout->addWidget(view_, 1);

  connect(view_, &QListView::doubleClicked, this, [this](const QModelIndex& index) {
    if (const std::int64_t id = model_->idAt(index.row()); id >= 0) emit openRequested(id);
  });
  connect(view_->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this](const QModelIndex& index) {
            const std::int64_t id = index.isValid() ? model_->idAt(index.row()) : 0;
            emit currentItemChanged(id > 0 ? id : 0);
          });
  connect(filter_, &QLineEdit::returnPressed, this, &GridPanel::applyBar);
  connect(sort_, &QLineEdit::returnPressed, this, &GridPanel::applyBar);
  connect(size_, &QSlider::valueChanged, this, [this](int v) {
    delegate_->setTileSize(v);
    view_->doItemsLayout();
    if (!settings_group_.isEmpty()) QSettings().setValue(settings_group_ + "/tileSize", v);
  });

  auto add_action = [this](const QString& text, const QKeySequence& key, auto&& fn) {
    auto* a = new QAction(text, this);
    a->setShortcut(key);
    a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(a, &QAction::triggered, this, fn);
    addAction(a);
  };
  add_action(tr("Accept"), QKeySequence(Qt::Key_A),
             [this] { setSelectedStatus(project::CurationStatus::accept); });
  add_action(tr("Reject"), QKeySequence(Qt::Key_R),
             [this] { setSelectedStatus(project::CurationStatus::reject); });
  add_action(tr("Unset"), QKeySequence(Qt::Key_U),
             [this] { setSelectedStatus(project::CurationStatus::none); });
  for (int k = 1; k <= 9; ++k)
    add_action(tr("Label %1").arg(k), QKeySequence(Qt::Key_0 + k),
               [this, k] { toggleSelectedLabel(labelForKey(k)); });
  add_action(tr("Open"), QKeySequence(Qt::Key_Space), [this] {
    if (const std::int64_t id = model_->idAt(view_->currentIndex().row()); id >= 0)
      emit openRequested(id);
  });
  add_action(tr("Undo"), QKeySequence::Undo, [this] { undo(); });
  add_action(tr("Redo"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Z), [this] { redo(); });

  reloadLabelSet();
  publishCounts();
}

GridPanel::~GridPanel() = default;

void GridPanel::reloadLabelSet() {
  QHash<QString, QColor> colours;
  for (int k = 1; k <= 9; ++k)
    key_labels_[k].clear();
  try {
    for (const project::LabelDef& l : project_->label_set()) {
      const QString name = QString::fromStdString(l.name);
      colours.insert(name, QColor(QString::fromStdString(l.colour)));
      if (l.key.size() == 1 && l.key[0] >= '1' && l.key[0] <= '9')
        key_labels_[l.key[0] - '0'] = name;
    }
  } catch (const std::exception& e) {
    emit message(QString::fromStdString(e.what()));
  }
  delegate_->setLabelColours(std::move(colours));
  view_->viewport()->update();
}

QString GridPanel::labelForKey(int k) const {
  if (k < 1 || k > 9) return {};
  return key_labels_[k].isEmpty() ? QString::number(k) : key_labels_[k];
}

QString GridPanel::setQuery(const QString& filter, const QString& sort) {
  project::ItemSort s;
  QString key = sort.trimmed();
  if (key.startsWith('-')) {
    s.descending = true;
    key.remove(0, 1);
  }
  s.key = key.isEmpty() ? std::string("id") : key.toStdString();
  const QString error = model_->setQuery(filter.trimmed(), s);
  error_->setText(error);
  error_->setVisible(!error.isEmpty());
  if (error.isEmpty() && !settings_group_.isEmpty()) {
    QSettings settings;
    settings.setValue(settings_group_ + "/filter", filter.trimmed());
    settings.setValue(settings_group_ + "/sort", sort.trimmed());
  }
  if (error.isEmpty()) {
    publishCounts();
    emit queryChanged(model_->filter());
  }
  return error;
}

QString GridPanel::applyFilter(const QString& filter) {
  filter_->setText(filter);
  return setQuery(filter, sort_->text());
}

void GridPanel::persistSettings(const QString& group) {
  settings_group_.clear(); // restoring does not write back half-restored values
  QSettings settings;
  const QString filter = settings.value(group + "/filter").toString();
  const QString sort = settings.value(group + "/sort").toString();
  size_->setValue(settings.value(group + "/tileSize", size_->value()).toInt());
  if (!filter.isEmpty() || !sort.isEmpty()) {
    filter_->setText(filter);
    sort_->setText(sort);
    if (!setQuery(filter, sort).isEmpty()) { // the project changed: start afresh
      filter_->clear();
      sort_->clear();
      setQuery({}, {});
    }
  }
  settings_group_ = group;
}

void GridPanel::refresh() {
  model_->refresh();
  publishCounts();
}

void GridPanel::applyBar() {
  setQuery(filter_->text(), sort_->text());
}

std::vector<std::int64_t> GridPanel::selectedIds() const {
  std::vector<std::int64_t> ids;
  for (const QModelIndex& i : view_->selectionModel()->selectedIndexes())
    if (const std::int64_t id = model_->idAt(i.row()); id >= 0) ids.push_back(id);
  return ids;
}

bool GridPanel::refuseWrite() {
  if (!project_->read_only()) return false;
  emit message(tr("This project is open read-only: curation is off (see the banner above the "
                  "grid)"));
  return true;
}

void GridPanel::recheckFiles() {
  thumbnails_->forgetProblems();
  refresh();
}

void GridPanel::setSelectedStatus(project::CurationStatus status) {
  const auto ids = selectedIds();
  if (ids.empty() || refuseWrite()) return;
  try {
    project_->set_status(ids, status);
  } catch (const std::exception& e) {
    emit message(QString::fromStdString(e.what()));
    return;
  }
  model_->refresh();
  publishCounts();
  emit message(
      tr("%n item(s) set to %1", nullptr, int(ids.size())).arg(project::to_string(status)));
}

void GridPanel::toggleSelectedLabel(const QString& label) {
  const auto ids = selectedIds();
  if (ids.empty() || refuseWrite()) return;
  const std::string name = label.toStdString();
  try {
    const auto labels = project_->labels_of(ids); // one query for the whole selection
    const bool all_have = std::all_of(ids.begin(), ids.end(), [&](std::int64_t id) {
      const auto it = labels.find(id);
      return it != labels.end() &&
             std::find(it->second.begin(), it->second.end(), name) != it->second.end();
    });
    if (all_have)
      project_->remove_label(ids, name);
    else
      project_->add_label(ids, name);
    model_->refresh();
    emit message(all_have ? tr("Label %1 removed").arg(label) : tr("Label %1 set").arg(label));
  } catch (const std::exception& e) {
    emit message(QString::fromStdString(e.what()));
  }
}

void GridPanel::step(int delta) {
  const int rows = model_->rowCount();
  if (rows == 0) return;
  const int row = std::clamp(view_->currentIndex().row() + delta, 0, rows - 1);
  const QModelIndex index = model_->index(row);
  view_->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect);
  view_->scrollTo(index);
  if (const std::int64_t id = model_->idAt(row); id >= 0) emit openRequested(id);
}

bool GridPanel::undo() {
  return replay(false);
}

bool GridPanel::redo() {
  return replay(true);
}

bool GridPanel::replay(bool forward) {
  if (refuseWrite()) return false;
  bool done = false;
  try {
    done = (forward ? project_->redo() : project_->undo()).has_value();
  } catch (const std::exception& e) {
    emit message(QString::fromStdString(e.what()));
    return false;
  }
  if (done) {
    model_->refresh();
    publishCounts();
  }
  emit message(forward ? (done ? tr("Redone") : tr("Nothing to redo"))
                       : (done ? tr("Undone") : tr("Nothing to undo")));
  return done;
}

void GridPanel::publishCounts() {
  try {
    // Index lookups only: the status bar must stay cheap at 300,000 items.
    emit countsChanged(project_->count_items(""), project_->count_items("status = accept"),
                       project_->count_items("status = reject"), model_->rowCount());
  } catch (const std::exception& e) {
    emit message(QString::fromStdString(e.what()));
  }
}

} // namespace atelier

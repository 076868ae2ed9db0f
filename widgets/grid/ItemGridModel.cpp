// Paged rows of a project query (see ItemGridModel.h).
#include "widgets/grid/ItemGridModel.h"

#include "widgets/grid/ThumbnailLoader.h"

#include <QFileInfo>

#include <algorithm>

namespace atelier {

namespace {

// The cache file's name: the content fingerprint (items with the same
// content share a thumbnail); an item without one (made by hand, not by
// the importer) still gets its source checked, under its id.
QString thumbnail_key(const project::ItemRow& row) {
  return row.fingerprint.empty() ? QStringLiteral("item-%1").arg(row.id)
                                 : QString::fromStdString(row.fingerprint);
}

} // namespace

ItemGridModel::ItemGridModel(std::shared_ptr<project::Project> project, ThumbnailLoader* thumbnails,
                             QObject* parent)
    : QAbstractListModel(parent), project_(std::move(project)), thumbnails_(thumbnails) {
  if (thumbnails_)
    connect(thumbnails_, &ThumbnailLoader::thumbnailReady, this, &ItemGridModel::thumbnailReady);
  setQuery({}, {});
}

QString ItemGridModel::setQuery(const QString& filter, const project::ItemSort& sort) {
  std::int64_t count = 0;
  try {
    count = project_->count_items(filter.toStdString()); // checks the filter
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  beginResetModel();
  paths_ = std::make_unique<project::ItemPaths>(*project_);
  filter_ = filter;
  sort_ = sort;
  count_ = count;
  pages_.clear();
  page_order_.clear();
  rows_by_key_.clear();
  endResetModel();
  emit countChanged(count_);
  return {};
}

void ItemGridModel::refresh() {
  const std::int64_t count = project_->count_items(filter_.toStdString());
  if (count != count_) {
    setQuery(filter_, sort_);
    return;
  }
  paths_ = std::make_unique<project::ItemPaths>(*project_);
  pages_.clear();
  page_order_.clear();
  rows_by_key_.clear();
  if (count_ > 0) emit dataChanged(index(0), index(static_cast<int>(count_ - 1)));
}

std::int64_t ItemGridModel::idAt(int row) const {
  const auto* r = rowAt(row);
  return r ? r->id : -1;
}

int ItemGridModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(std::min<std::int64_t>(count_, INT32_MAX));
}

const ItemGridModel::Page* ItemGridModel::pageOf(int row) const {
  if (row < 0 || row >= count_) return nullptr;
  const int page = row / kPageRows;
  auto it = pages_.find(page);
  if (it == pages_.end()) {
    Page fresh;
    try {
      fresh.rows = project_->query_items(filter_.toStdString(), sort_, kPageRows,
                                         std::int64_t{page} * kPageRows);
      std::vector<std::int64_t> ids;
      for (const auto& r : fresh.rows)
        ids.push_back(r.id);
      fresh.labels = project_->labels_of(ids);
    } catch (const std::exception&) {
      return nullptr; // the project changed underneath; refresh() follows
    }
    if (pages_.size() >= kPagesKept) {
      const int oldest = page_order_.back();
      page_order_.pop_back();
      for (const auto& r : pages_[oldest].rows)
        rows_by_key_.erase(thumbnail_key(r));
      pages_.erase(oldest);
    }
    for (std::size_t i = 0; i < fresh.rows.size(); ++i)
      rows_by_key_[thumbnail_key(fresh.rows[i])].push_back(page * kPageRows + static_cast<int>(i));
    it = pages_.emplace(page, std::move(fresh)).first;
    page_order_.push_front(page);
  } else if (page_order_.front() != page) {
    page_order_.remove(page);
    page_order_.push_front(page);
  }
  return &it->second;
}

const project::ItemRow* ItemGridModel::rowAt(int row) const {
  const Page* page = pageOf(row);
  if (!page) return nullptr;
  const std::size_t offset = static_cast<std::size_t>(row % kPageRows);
  return offset < page->rows.size() ? &page->rows[offset] : nullptr;
}

QVariant ItemGridModel::data(const QModelIndex& index, int role) const {
  const project::ItemRow* r = rowAt(index.row());
  if (!r) return {};
  switch (role) {
  case Qt::DisplayRole: return QFileInfo(QString::fromStdString(r->rel_path)).fileName();
  case Qt::ToolTipRole: {
    const auto [tag, reason] = problemOf(*r);
    return QString::fromStdString(r->rel_path) + (reason.isEmpty() ? QString() : "\n" + reason);
  }
  case ProblemRole: return problemOf(*r).first;
  case IdRole: return QVariant::fromValue<qlonglong>(r->id);
  case StatusRole: return QString(project::to_string(r->status));
  case SplitRole: return QString(project::to_string(r->split));
  case PathRole: return QString::fromStdString(r->rel_path);
  case ThumbnailRole: {
    if (!thumbnails_) return QImage();
    // Failed imports have no source to rebuild from; the cache is all.
    const QString key = thumbnail_key(*r);
    // Painting asks on every frame: the source path only when it will be used.
    if (QImage hit = thumbnails_->cached(key); !hit.isNull()) return hit;
    if (!r->import_ok) return thumbnails_->request(key);
    return thumbnails_->request(key, QString::fromStdString(paths_->absolute(*r)),
                                QString::fromStdString(r->format));
  }
  case SortValueRole: return r->sort_value ? QVariant(*r->sort_value) : QVariant();
  case LabelsRole: {
    QStringList labels;
    const Page* page = pageOf(index.row()); // cached: rowAt just loaded it
    if (const auto it = page->labels.find(r->id); it != page->labels.end())
      for (const auto& l : it->second)
        labels << QString::fromStdString(l);
    return labels;
  }
  default: return {};
  }
}

std::pair<QString, QString> ItemGridModel::problemOf(const project::ItemRow& row) const {
  if (!row.import_ok) return {tr("import error"), QString::fromStdString(row.import_error)};
  if (!thumbnails_) return {};
  const auto p = thumbnails_->problem(thumbnail_key(row));
  return {p.tag, p.reason};
}

void ItemGridModel::thumbnailReady(const QString& key) {
  const auto it = rows_by_key_.find(key);
  if (it == rows_by_key_.end()) return;
  for (int row : it->second)
    emit dataChanged(index(row), index(row), {ThumbnailRole});
}

} // namespace atelier

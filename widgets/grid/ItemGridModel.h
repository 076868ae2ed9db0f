// ItemGridModel: the items of a project matching a filter, in sort order,
// as a list model for the thumbnail grid. Rows are paged from SQLite on
// demand (256 per page, the most recent pages kept), so 300,000 items cost
// a count and the pages on screen. Thumbnails come from a ThumbnailLoader;
// when one arrives, only its rows repaint. Items whose source file is
// missing, whose thumbnail cannot be made or whose import failed carry a
// problem (ProblemRole, and the reason in the tooltip).
#pragma once

#include "core/project/project.h"

#include <QAbstractListModel>
#include <QImage>
#include <QString>

#include <list>
#include <map>
#include <memory>
#include <vector>

namespace atelier {

class ThumbnailLoader;

class ItemGridModel : public QAbstractListModel {
  Q_OBJECT
public:
  enum Role {
    IdRole = Qt::UserRole + 1,
    StatusRole,    // "none", "accept", "reject"
    SplitRole,     // "", "train", "val", "test"
    PathRole,      // the item's path relative to its dataset
    ThumbnailRole, // QImage, null until loaded
    SortValueRole, // the sort metric's value (QVariant() without one)
    LabelsRole,    // QStringList
    ProblemRole,   // "" or a short tag: "missing", "unreadable", "import error"
  };

  ItemGridModel(std::shared_ptr<project::Project> project, ThumbnailLoader* thumbnails,
                QObject* parent = nullptr);

  // Runs a new query. A filter the language rejects leaves the model as it
  // was and returns the error (empty on success).
  QString setQuery(const QString& filter, const project::ItemSort& sort);
  const QString& filter() const { return filter_; }
  // Re-reads the rows (after curation changes), keeping the query.
  void refresh();
  std::int64_t idAt(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;

signals:
  void countChanged(qint64 count);

private:
  static constexpr int kPageRows = 256;
  static constexpr std::size_t kPagesKept = 64;

  const project::ItemRow* rowAt(int row) const;
  void thumbnailReady(const QString& key);

  // The item's problem: (tag, reason), empty when none is known.
  std::pair<QString, QString> problemOf(const project::ItemRow& row) const;

  std::shared_ptr<project::Project> project_;
  ThumbnailLoader* thumbnails_;
  std::unique_ptr<project::ItemPaths> paths_; // absolute source paths, re-read with the rows
  QString filter_;
  project::ItemSort sort_;
  std::int64_t count_ = 0;
  struct Page {
    std::vector<project::ItemRow> rows;
    std::map<std::int64_t, std::vector<std::string>> labels; // by item id
  };
  const Page* pageOf(int row) const;

  // Page cache, most recently used first.
  mutable std::map<int, Page> pages_;
  mutable std::list<int> page_order_;
  mutable std::map<QString, std::vector<int>> rows_by_key_; // thumbnail key -> rows in pages_
};

} // namespace atelier

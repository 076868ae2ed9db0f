// ProjectTreePanel: the project's outline for the left dock: its datasets
// (items, pixel size), curation status, splits, labels and named
// selections, each with its count. Clicking an entry asks the grid to show
// just those items (a filter in the filter language; names are quoted).
#pragma once

#include "core/project/project.h"

#include <QWidget>

#include <memory>

class QTreeWidget;

namespace atelier {

class ProjectTreePanel : public QWidget {
  Q_OBJECT
public:
  explicit ProjectTreePanel(QWidget* parent = nullptr);

  // Shows project (nullptr: nothing).
  void setProject(std::shared_ptr<project::Project> project);
  // Re-reads the counts.
  void refresh();
  QTreeWidget& tree() { return *tree_; }

signals:
  void filterRequested(const QString& filter);

private:
  std::shared_ptr<project::Project> project_;
  QTreeWidget* tree_ = nullptr;
};

// A name as a filter-language string literal ("name", or 'name' when it
// holds a double quote).
QString filter_literal(const QString& name);

} // namespace atelier

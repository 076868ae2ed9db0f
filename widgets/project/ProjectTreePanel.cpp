// The project outline (see ProjectTreePanel.h).
#include "widgets/project/ProjectTreePanel.h"

#include <QHeaderView>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <map>

namespace atelier {
namespace {
constexpr int kFilterRole = Qt::UserRole + 1;
} // namespace

QString filter_literal(const QString& name) {
  return name.contains('"') ? "'" + name + "'" : "\"" + name + "\"";
}

ProjectTreePanel::ProjectTreePanel(QWidget* parent) : QWidget(parent) {
  tree_ = new QTreeWidget(this);
  tree_->setObjectName("projectTree");
  tree_->setColumnCount(2);
  tree_->setHeaderLabels({tr("Project"), tr("Items")});
  tree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  tree_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  tree_->header()->setStretchLastSection(false);
  tree_->setToolTip(tr("Click an entry to show its items in the grid"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(tree_);
  connect(tree_, &QTreeWidget::itemClicked, this, [this](QTreeWidgetItem* item) {
    const QVariant filter = item->data(0, kFilterRole);
    if (filter.isValid()) emit filterRequested(filter.toString());
  });
}

void ProjectTreePanel::setProject(std::shared_ptr<project::Project> project) {
  project_ = std::move(project);
  refresh();
}

void ProjectTreePanel::refresh() {
  tree_->clear();
  if (!project_) return;
  const project::ProjectStats s = project_->stats();
  auto* root =
      new QTreeWidgetItem(tree_, {QString::fromStdString(project_->dir().filename().string()),
                                  QString::number(s.items)});
  root->setData(0, kFilterRole, QString());
  const auto add = [](QTreeWidgetItem* parent, const QString& name, qint64 count,
                      const QString& filter) {
    auto* item = new QTreeWidgetItem(parent, {name, QString::number(count)});
    if (!filter.isNull()) item->setData(0, kFilterRole, filter);
    return item;
  };
  auto* datasets = add(root, tr("Datasets"), s.items, QString());
  std::map<std::string, const project::DatasetRecord*> by_name;
  const auto records = project_->datasets();
  for (const auto& d : records)
    by_name[d.name] = &d;
  for (const auto& [name, count] : s.datasets) {
    const QString n = QString::fromStdString(name);
    auto* item = add(datasets, n, count, "dataset = " + filter_literal(n));
    if (const auto it = by_name.find(name); it != by_name.end()) {
      QString tip = QString::fromStdString(it->second->root);
      if (it->second->pixel_size_A > 0)
        tip += tr("\npixel size %1 Å").arg(it->second->pixel_size_A, 0, 'g', 4);
      item->setToolTip(0, tip);
    }
  }
  auto* status = add(root, tr("Status"), s.items, QString());
  add(status, tr("Accepted"), s.accepted, "status = accept");
  add(status, tr("Rejected"), s.rejected, "status = reject");
  add(status, tr("Unset"), s.unset, "status = none");
  if (s.import_errors) add(status, tr("Unreadable"), s.import_errors, "import = error");
  auto* splits = add(root, tr("Splits"), s.train + s.val + s.test, QString());
  add(splits, tr("train"), s.train, "split = train");
  add(splits, tr("val"), s.val, "split = val");
  add(splits, tr("test"), s.test, "split = test");
  add(splits, tr("none"), s.unsplit, "split = none");
  if (!s.labels.empty()) {
    auto* labels = add(root, tr("Labels"), qint64(s.labels.size()), QString());
    for (const auto& [name, count] : s.labels) {
      const QString n = QString::fromStdString(name);
      add(labels, n, count, "label = " + filter_literal(n));
    }
  }
  const auto selections = project_->selection_names();
  if (!selections.empty()) {
    auto* sel = add(root, tr("Selections"), qint64(selections.size()), QString());
    for (const std::string& name : selections) {
      const QString n = QString::fromStdString(name);
      add(sel, n, qint64(project_->selection(name).size()), "selection = " + filter_literal(n));
    }
  }
  tree_->expandToDepth(0);
}

} // namespace atelier

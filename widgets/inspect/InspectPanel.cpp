#include "widgets/inspect/InspectPanel.h"

#include "core/io/file_inspect.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace atelier {

InspectPanel::InspectPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  status_ = new QLabel(tr("Open a file to see what it holds."), this);
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  table_ = new QTableView(this);
  table_->setModel(&model_);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->hide();
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
  table_->setAlternatingRowColors(true);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  layout->addWidget(status_);
  layout->addWidget(table_, 1);
  connect(&watcher_, &QFutureWatcher<Outcome>::finished, this, &InspectPanel::onFinished);
}

void InspectPanel::inspect(const QString& path) {
  path_ = path;
  model_.clear();
  status_->setText(tr("Reading %1 …").arg(path));
  const std::string p = path.toStdString();
  watcher_.setFuture(QtConcurrent::run([p]() {
    Outcome out;
    try {
      out.info = inspect_file(p);
    } catch (const std::exception& e) {
      out.error = QString::fromStdString(e.what());
    }
    return out;
  }));
}

void InspectPanel::onFinished() {
  const Outcome out = watcher_.result();
  if (!out.error.isEmpty()) {
    status_->setText(out.error);
    status_->setStyleSheet("color: #c0392b");
    emit failed(path_, out.error);
    return;
  }
  status_->setStyleSheet({});
  status_->setText(path_);
  model_.setInfo(out.info);
  table_->resizeColumnToContents(0);
  emit inspected(path_);
}

} // namespace atelier

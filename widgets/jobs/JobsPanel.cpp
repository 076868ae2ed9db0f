// Background jobs and their log (see JobsPanel.h).
#include "widgets/jobs/JobsPanel.h"

#include <QDateTime>
#include <QHeaderView>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSplitter>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <vector>

namespace atelier {
namespace {
enum Column { kTitle = 0, kProgress = 1, kDetail = 2, kCancel = 3 };
} // namespace

JobsPanel::JobsPanel(QWidget* parent) : QWidget(parent) {
  jobs_ = new QTreeWidget(this);
  jobs_->setObjectName("jobs");
  jobs_->setRootIsDecorated(false);
  jobs_->setColumnCount(4);
  jobs_->setHeaderLabels({tr("Job"), tr("Progress"), tr("Details"), QString()});
  jobs_->header()->setSectionResizeMode(kDetail, QHeaderView::Stretch);
  jobs_->header()->setStretchLastSection(false);
  jobs_->setColumnWidth(kTitle, 260);
  jobs_->setColumnWidth(kProgress, 200);
  log_ = new QPlainTextEdit(this);
  log_->setObjectName("jobLog");
  log_->setReadOnly(true);
  log_->setMaximumBlockCount(5000);
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(jobs_);
  split->addWidget(log_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(split);
}

int JobsPanel::addJob(const QString& title, std::function<void()> cancel) {
  const int id = next_++;
  auto* row = new QTreeWidgetItem({title});
  jobs_->insertTopLevelItem(0, row);
  auto* bar = new QProgressBar(jobs_);
  bar->setRange(0, 0);
  bar->setTextVisible(true);
  jobs_->setItemWidget(row, kProgress, bar);
  if (cancel) {
    auto* button = new QToolButton(jobs_);
    button->setText(tr("Cancel"));
    connect(button, &QToolButton::clicked, this, [this, id] {
      if (const auto it = running_.find(id); it != running_.end() && it->second) it->second();
    });
    jobs_->setItemWidget(row, kCancel, button);
  }
  rows_[id] = row;
  running_[id] = std::move(cancel);
  log(tr("started: %1").arg(title));
  return id;
}

void JobsPanel::cancelAll() {
  // A cancel may finish its job at once (erasing it): copy them first.
  std::vector<std::function<void()>> cancels;
  for (const auto& [id, cancel] : running_)
    if (cancel) cancels.push_back(cancel);
  for (const auto& cancel : cancels)
    cancel();
}

void JobsPanel::setProgress(int job, qint64 done, qint64 total, const QString& detail) {
  const auto it = rows_.find(job);
  if (it == rows_.end()) return;
  if (auto* bar = qobject_cast<QProgressBar*>(jobs_->itemWidget(it->second, kProgress))) {
    // QProgressBar holds ints: scale very long jobs.
    const int scale = total > (qint64(1) << 30) ? 1024 : 1;
    bar->setRange(0, int(total / scale));
    bar->setValue(int(done / scale));
    bar->setFormat(total > 0 ? QString("%1 / %2").arg(done).arg(total) : QString());
  }
  if (!detail.isNull()) it->second->setText(kDetail, detail);
}

void JobsPanel::finishJob(int job, const QString& summary, bool ok) {
  const auto it = rows_.find(job);
  if (it == rows_.end()) return;
  QTreeWidgetItem* row = it->second;
  if (auto* bar = qobject_cast<QProgressBar*>(jobs_->itemWidget(row, kProgress))) {
    if (bar->maximum() == 0) bar->setRange(0, 1);
    bar->setValue(ok ? bar->maximum() : bar->value());
  }
  if (QWidget* button = jobs_->itemWidget(row, kCancel)) {
    jobs_->removeItemWidget(row, kCancel);
    button->deleteLater();
  }
  row->setText(kDetail, summary);
  row->setToolTip(kDetail, summary);
  if (!ok) row->setForeground(kDetail, QColor(207, 34, 46));
  running_.erase(job);
  log(tr("%1: %2").arg(row->text(kTitle), summary));
}

void JobsPanel::log(const QString& line) {
  log_->appendPlainText(QDateTime::currentDateTime().toString("HH:mm:ss  ") + line);
}

} // namespace atelier

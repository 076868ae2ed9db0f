// RunMonitorPanel: the runs table, live plots and run actions.
#include "widgets/train/RunMonitorPanel.h"

#include "core/run/gpu_monitor.h"
#include "widgets/train/LinePlot.h"
#include "widgets/train/cli_process.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include <signal.h>

#include <cmath>
#include <filesystem>

namespace atelier {
namespace {

enum Column { kName, kState, kProgress, kEta, kBestVal, kSpeed, kDevice, kProblem, kColumns };

QString eta_text(const std::optional<double>& s) {
  if (!s) return "";
  const int t = int(std::lround(*s));
  if (t >= 3600) return QString("%1 h %2 min").arg(t / 3600).arg((t % 3600) / 60);
  if (t >= 60) return QString("%1 min %2 s").arg(t / 60).arg(t % 60);
  return QString("%1 s").arg(t);
}

const QColor kPalette[] = {QColor(90, 170, 255),  QColor(255, 150, 60), QColor(120, 210, 120),
                           QColor(230, 100, 160), QColor(200, 200, 90), QColor(160, 130, 255)};

} // namespace

RunMonitorPanel::RunMonitorPanel(QWidget* parent) : QWidget(parent) {
  table_ = new QTableWidget(0, kColumns, this);
  table_->setHorizontalHeaderLabels({tr("Run"), tr("Status"), tr("Progress"), tr("ETA"),
                                     tr("Best val loss"), tr("Images/s"), tr("Device"),
                                     tr("Problem")});
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setToolTip(tr("Select several runs to overlay their curves"));

  loss_ = new LinePlot(this);
  loss_->setTitle(tr("Loss (training, validation)"));
  loss_->setLogY(true);
  speed_ = new LinePlot(this);
  speed_->setTitle(tr("Throughput (images/s, megapixels/s)"));
  lr_ = new LinePlot(this);
  lr_->setTitle(tr("Learning rate"));
  grad_ = new LinePlot(this);
  grad_->setTitle(tr("Gradient norm"));
  gpu_plot_ = new LinePlot(this);
  gpu_plot_->setTitle(tr("GPU utilisation (%) and memory (GiB); none for CPU runs"));
  auto* plots = new QWidget(this);
  auto* grid = new QGridLayout(plots);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->addWidget(loss_, 0, 0);
  grid->addWidget(speed_, 0, 1);
  grid->addWidget(lr_, 1, 0);
  grid->addWidget(grad_, 1, 1);
  grid->addWidget(gpu_plot_, 0, 2, 2, 1);

  align_ = new QComboBox(this);
  align_->addItem(tr("by step"));
  align_->addItem(tr("by time"));
  smoothing_ = new QSlider(Qt::Horizontal, this);
  smoothing_->setRange(0, 99);
  smoothing_->setValue(60);
  smoothing_->setMaximumWidth(160);
  smoothing_->setToolTip(tr("Smoothing (moving average)"));
  log_y_ = new QCheckBox(tr("Log loss"), this);
  log_y_->setChecked(true);
  stop_ = new QPushButton(tr("&Stop"), this);
  stop_->setToolTip(tr("SIGTERM: the run writes a checkpoint and stops"));
  resume_ = new QPushButton(tr("Res&ume"), this);
  clone_ = new QPushButton(tr("&Clone…"), this);
  clone_->setToolTip(tr("Start a new run from this one's settings"));
  open_ = new QPushButton(tr("Open &folder"), this);
  gpu_ = new QLabel(this);
  delete_ = new QPushButton(tr("&Delete…"), this);
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("Align"), this));
  bar->addWidget(align_);
  bar->addWidget(new QLabel(tr("Smoothing"), this));
  bar->addWidget(smoothing_);
  bar->addWidget(log_y_);
  bar->addWidget(gpu_);
  bar->addStretch();
  for (QPushButton* b : {stop_, resume_, clone_, open_, delete_})
    bar->addWidget(b);

  log_ = new QPlainTextEdit(this);
  log_->setReadOnly(true);
  log_->setMaximumBlockCount(200);
  log_->setPlaceholderText(tr("The selected run's log"));

  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(table_);
  split->addWidget(plots);
  split->addWidget(log_);
  split->setStretchFactor(1, 3);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(split);

  connect(table_, &QTableWidget::itemSelectionChanged, this, [this] {
    rebuildPlots();
    updateLog();
  });
  connect(align_, &QComboBox::currentIndexChanged, this, &RunMonitorPanel::rebuildPlots);
  connect(smoothing_, &QSlider::valueChanged, this, [this](int v) {
    for (LinePlot* p : {loss_, speed_, lr_, grad_, gpu_plot_})
      p->setSmoothing(v / 100.0);
  });
  connect(log_y_, &QCheckBox::toggled, loss_, &LinePlot::setLogY);
  auto each_selected = [this](auto action) {
    for (const QString& name : selectedRuns()) {
      QString error;
      if (!action(name, &error)) emit message(error);
    }
  };
  connect(stop_, &QPushButton::clicked, this, [this, each_selected] {
    each_selected([this](const QString& n, QString* e) { return stopRun(n, e); });
  });
  connect(resume_, &QPushButton::clicked, this, [this, each_selected] {
    each_selected([this](const QString& n, QString* e) { return resumeRun(n, e); });
  });
  connect(clone_, &QPushButton::clicked, this, [this] {
    const QStringList names = selectedRuns();
    if (names.size() == 1) emit cloneRequested(QDir(runs_dir_).filePath(names.front()));
  });
  connect(open_, &QPushButton::clicked, this, [this] {
    for (const QString& name : selectedRuns())
      QDesktopServices::openUrl(QUrl::fromLocalFile(QDir(runs_dir_).filePath(name)));
  });
  connect(delete_, &QPushButton::clicked, this, [this, each_selected] {
    const QStringList names = selectedRuns();
    if (names.isEmpty()) return;
    if (QMessageBox::question(
            this, tr("Delete runs"),
            tr("Delete %1 with its checkpoints and metrics?\n%2")
                .arg(names.size() == 1 ? tr("this run") : tr("%1 runs").arg(names.size()),
                     names.join(", "))) != QMessageBox::Yes)
      return;
    each_selected([this](const QString& n, QString* e) { return deleteRun(n, e); });
  });
  for (LinePlot* p : {loss_, speed_, lr_, grad_, gpu_plot_})
    p->setSmoothing(smoothing_->value() / 100.0);

  timer_ = new QTimer(this);
  timer_->setInterval(1000);
  connect(timer_, &QTimer::timeout, this, &RunMonitorPanel::refresh);
}

void RunMonitorPanel::setRunsDir(const QString& dir) {
  runs_dir_ = dir;
  runs_.clear();
  table_->setRowCount(0);
  rebuildPlots();
  refresh();
  timer_->start();
}

const run::RunSummary* RunMonitorPanel::summary(const QString& name) const {
  const auto it = runs_.find(name);
  return it == runs_.end() ? nullptr : &it->second.follower->summary();
}

QStringList RunMonitorPanel::selectedRuns() const {
  QStringList out;
  for (const auto& range : table_->selectedRanges())
    for (int row = range.topRow(); row <= range.bottomRow(); ++row)
      if (const QTableWidgetItem* item = table_->item(row, kName)) out << item->text();
  return out;
}

bool RunMonitorPanel::selectRun(const QString& name) {
  const auto it = runs_.find(name);
  if (it == runs_.end()) return false;
  table_->clearSelection();
  table_->selectRow(it->second.row);
  return true;
}

void RunMonitorPanel::selectWhenListed(const QString& name) {
  if (!selectRun(name)) select_when_listed_ = name;
}

void RunMonitorPanel::refresh() {
  if (runs_dir_.isEmpty()) return;
  bool added = false;
  for (const std::string& dir : run::list_run_dirs(runs_dir_.toStdString())) {
    const QString name = QString::fromStdString(std::filesystem::path(dir).filename().string());
    if (runs_.count(name)) continue;
    Followed f;
    f.follower = std::make_unique<run::RunFollower>(dir);
    f.row = table_->rowCount();
    table_->insertRow(f.row);
    for (int c = 0; c < kColumns; ++c)
      table_->setItem(f.row, c, new QTableWidgetItem);
    table_->item(f.row, kName)->setText(name);
    runs_.emplace(name, std::move(f));
    added = true;
  }
  // Runs deleted from outside disappear.
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (!std::filesystem::exists(it->second.follower->summary().dir)) {
      table_->removeRow(it->second.row);
      it = runs_.erase(it);
      for (int row = 0; row < table_->rowCount(); ++row) // rows below moved up
        runs_[table_->item(row, kName)->text()].row = row;
      added = true;
    } else {
      ++it;
    }
  }
  for (auto& [name, f] : runs_)
    if (f.follower->poll()) updateRow(f);
  if (!select_when_listed_.isEmpty() && selectRun(select_when_listed_)) select_when_listed_.clear();
  if (added)
    rebuildPlots();
  else
    appendNewPoints();
  updateLog();
  gpu_->setText(QString::fromStdString(run::describe_gpus(run::sample_gpus())));
}

QString RunMonitorPanel::gpuText() const {
  return gpu_->text();
}

void RunMonitorPanel::updateRow(const Followed& f) {
  const run::RunSummary& s = f.follower->summary();
  table_->item(f.row, kState)->setText(QString::fromUtf8(run::run_state_name(s.state).data()));
  const double pct = s.total_steps > 0 ? 100.0 * double(s.step) / double(s.total_steps) : 0.0;
  table_->item(f.row, kProgress)
      ->setText(s.total_steps > 0
                    ? QString("%1 / %2 (%3%)").arg(s.step).arg(s.total_steps).arg(pct, 0, 'f', 0)
                    : QString::number(s.step));
  table_->item(f.row, kEta)->setText(eta_text(s.eta_s));
  table_->item(f.row, kBestVal)
      ->setText(s.best_val_loss ? QString::number(*s.best_val_loss, 'g', 5) : QString());
  table_->item(f.row, kSpeed)
      ->setText(s.images_per_s ? QString::number(*s.images_per_s, 'f', 1) : QString());
  table_->item(f.row, kDevice)->setText(QString::fromStdString(s.device));
  table_->item(f.row, kProblem)->setText(QString::fromStdString(s.problem));
  table_->item(f.row, kProblem)->setToolTip(QString::fromStdString(s.problem));
}

void RunMonitorPanel::rebuildPlots() {
  for (LinePlot* p : {loss_, speed_, lr_, grad_, gpu_plot_})
    p->clear();
  plotted_.clear();
  const QStringList names = selectedRuns();
  int colour = 0;
  for (const QString& name : names) {
    const auto it = runs_.find(name);
    if (it == runs_.end()) continue;
    const QColor c = kPalette[colour++ % std::size(kPalette)];
    const QString prefix = names.size() > 1 ? name + " " : QString();
    auto add = [&](LinePlot* plot, const char* metric, const QString& label, QColor col) {
      plotted_.push_back(
          {plot, plot->addSeries(prefix + label, col), name.toStdString(), metric, 0});
    };
    add(loss_, "loss", tr("loss"), c);
    add(loss_, "val_loss", tr("val"), c.lighter(150));
    add(speed_, "images_per_s", tr("images/s"), c);
    add(speed_, "megapixels_per_s", tr("MP/s"), c.darker(140));
    add(lr_, "lr", tr("lr"), c);
    add(grad_, "grad_norm", tr("grad norm"), c);
    add(gpu_plot_, "gpu_util_pct", tr("GPU %"), c);
    add(gpu_plot_, "gpu_mem_used_gib", tr("GiB"), c.darker(140));
  }
  appendNewPoints();
}

void RunMonitorPanel::appendNewPoints() {
  const bool by_time = align_->currentIndex() == 1;
  for (Plotted& p : plotted_) {
    const auto it = runs_.find(QString::fromStdString(p.run));
    if (it == runs_.end()) continue;
    const auto& series = it->second.follower->series();
    const auto s = series.find(p.metric);
    if (s == series.end()) continue;
    if (s->second.value.size() < p.count) { // restarted on resume
      p.plot->clearSeries(p.series);
      p.count = 0;
    }
    if (s->second.value.size() == p.count) continue;
    p.plot->append(p.series, by_time ? s->second.time_s : s->second.step, s->second.value, p.count);
    p.count = s->second.value.size();
  }
}

void RunMonitorPanel::updateLog() {
  const QStringList names = selectedRuns();
  if (names.size() != 1) {
    log_->clear();
    return;
  }
  const run::RunSummary* s = summary(names.front());
  if (!s) return;
  QString text = QString::fromStdString(run::log_tail(s->dir, 40));
  if (!s->problem.empty()) text += "\n" + QString::fromStdString(s->problem);
  if (text != log_->toPlainText()) log_->setPlainText(text);
}

QString RunMonitorPanel::logText() const {
  return log_->toPlainText();
}

bool RunMonitorPanel::stopRun(const QString& name, QString* error) {
  const run::RunSummary* s = summary(name);
  if (!s) return false;
  if (s->state != run::RunState::running && s->state != run::RunState::queued) {
    if (error) *error = tr("%1 is not running").arg(name);
    return false;
  }
  if (!s->status.host.empty() && s->status.host != run::host_name()) {
    if (error)
      *error = tr("%1 runs on %2: stop it there").arg(name, QString::fromStdString(s->status.host));
    return false;
  }
  if (s->status.pid <= 0 || ::kill(pid_t(s->status.pid), SIGTERM) != 0) {
    if (error) *error = tr("%1: cannot signal process %2").arg(name).arg(s->status.pid);
    return false;
  }
  emit message(tr("Stopping %1: it writes a checkpoint first").arg(name));
  return true;
}

bool RunMonitorPanel::resumeRun(const QString& name, QString* error) {
  const run::RunSummary* s = summary(name);
  if (!s) return false;
  if (s->state == run::RunState::running || s->state == run::RunState::queued) {
    if (error) *error = tr("%1 is still running").arg(name);
    return false;
  }
  if (s->state == run::RunState::done) {
    if (error) *error = tr("%1 is done; clone it to train further").arg(name);
    return false;
  }
  const QString dir = QString::fromStdString(s->dir);
  if (!start_cli_detached({"train", "--resume", dir, "--quiet"}, QDir(dir).filePath("stdout.txt"),
                          error))
    return false;
  emit message(tr("Resuming %1").arg(name));
  return true;
}

bool RunMonitorPanel::deleteRun(const QString& name, QString* error) {
  const run::RunSummary* s = summary(name);
  if (!s) return false;
  if (s->state == run::RunState::running || s->state == run::RunState::queued) {
    if (error) *error = tr("%1 is running: stop it first").arg(name);
    return false;
  }
  std::error_code ec;
  std::filesystem::remove_all(s->dir, ec);
  if (ec) {
    if (error)
      *error =
          tr("%1: %2").arg(QString::fromStdString(s->dir), QString::fromStdString(ec.message()));
    return false;
  }
  refresh();
  return true;
}

} // namespace atelier

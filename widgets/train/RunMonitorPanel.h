// RunMonitorPanel: the runs of a folder (a project's runs/) with status,
// progress, ETA, best validation loss, throughput and device, refreshed every
// second from the run directories (so reopening re-attaches to running jobs);
// live plots of the selected runs (loss and validation loss, throughput,
// learning rate, gradient norm), overlaid when several are selected and
// aligned by step or time; the log tail; and Stop (SIGTERM: the job
// checkpoints), Resume, Clone (into the launch form), Open folder and Delete;
// and the GPUs' utilisation and memory (NVML, "n/a" without a driver).
#pragma once

#include "core/run/run_follower.h"

#include <QWidget>

#include <map>
#include <memory>
#include <string>

class QCheckBox;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QSlider;
class QTableWidget;
class QTimer;

namespace atelier {

class LinePlot;

class RunMonitorPanel : public QWidget {
  Q_OBJECT
public:
  explicit RunMonitorPanel(QWidget* parent = nullptr);

  void setRunsDir(const QString& dir);
  const QString& runsDir() const { return runs_dir_; }
  // Polls every run now (the timer does it every second).
  void refresh();
  // Selects the run in runs_dir/name; false when unknown.
  bool selectRun(const QString& name);
  // Selects the run now, or on the refresh that first lists it (a run just
  // launched has no folder yet).
  void selectWhenListed(const QString& name);
  QStringList selectedRuns() const;
  const run::RunSummary* summary(const QString& name) const;

  bool stopRun(const QString& name, QString* error = nullptr);
  bool resumeRun(const QString& name, QString* error = nullptr);
  // Deletes the folder (no question asked here; the button asks).
  bool deleteRun(const QString& name, QString* error = nullptr);

  LinePlot& gpuPlot() { return *gpu_plot_; }
  LinePlot& lossPlot() { return *loss_; }
  LinePlot& throughputPlot() { return *speed_; }
  QTableWidget& table() { return *table_; }
  QString logText() const;

  QString gpuText() const;

signals:
  void message(const QString& text);
  // Clone: the launch form takes this run's settings to edit.
  void cloneRequested(const QString& run_dir);

private:
  struct Followed {
    std::unique_ptr<run::RunFollower> follower;
    int row = -1;
  };
  void rebuildPlots();
  void appendNewPoints();
  void updateRow(const Followed& f);
  void updateLog();

  QString runs_dir_;
  QString select_when_listed_;
  std::map<QString, Followed> runs_;
  // Plot series per (run, metric): index and how many points it has.
  struct Plotted {
    LinePlot* plot;
    int series;
    std::string run, metric;
    std::size_t count = 0;
  };
  std::vector<Plotted> plotted_;
  QTableWidget* table_ = nullptr;
  LinePlot* loss_ = nullptr;
  LinePlot* speed_ = nullptr;
  LinePlot* lr_ = nullptr;
  LinePlot* grad_ = nullptr;
  LinePlot* gpu_plot_ = nullptr; // NVML utilisation and memory of the run's GPU
  QComboBox* align_ = nullptr;
  QSlider* smoothing_ = nullptr;
  QCheckBox* log_y_ = nullptr;
  QPlainTextEdit* log_ = nullptr;
  QPushButton *stop_ = nullptr, *resume_ = nullptr, *clone_ = nullptr, *open_ = nullptr,
              *delete_ = nullptr;
  QLabel* gpu_ = nullptr;
  QTimer* timer_ = nullptr;
};

} // namespace atelier

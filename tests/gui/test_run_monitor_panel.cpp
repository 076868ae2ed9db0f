// The run monitor on run folders written here: status, progress and best
// validation loss in the table; a truncated last line and a vanished process
// shown as they are, with the log tail; live points appended to the plots
// without re-plotting; several runs overlaid; the plot's readout and zoom.
#include "core/run/run_dir.h"
#include "tests/support/test_support.h"
#include "widgets/train/LinePlot.h"
#include "widgets/train/RunMonitorPanel.h"

#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace atelier;
using namespace atelier::run;

namespace {

void add_metrics(RunDirectory& rd, int from, int to) {
  for (int step = from; step <= to; step += 10) {
    MetricsRecord r;
    r.add("step", step).add("time_s", 0.1 * step).add("loss", 1.0 / step).add("lr", 1e-3);
    r.add("images_per_s", 50.0).add("grad_norm", 0.5);
    // As a GPU run logs them (NVML): every other record here.
    if (step % 20 == 0) r.add("gpu_util_pct", 90.0).add("gpu_mem_used_gib", 12.5);
    if (step % 50 == 0) r.add("val_loss", 2.0 / step);
    rd.append_metrics(r);
  }
}

std::int64_t dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

QString cell(QTableWidget& t, const QString& run, int column) {
  for (int r = 0; r < t.rowCount(); ++r)
    if (t.item(r, 0)->text() == run) return t.item(r, column)->text();
  return "?";
}

} // namespace

class TestRunMonitorPanel : public QObject {
  Q_OBJECT

private slots:
  void shows_runs_as_they_are() {
    QTemporaryDir tmp;
    const std::string runs = tmp.filePath("runs").toStdString();
    // A live run (this process), a run cut mid-line, and one whose process died.
    RunDirectory live = RunDirectory::create(
        runs + "/live", "{\"recipe\":\"denoise\",\"options\":{\"device\":\"cpu\"}}");
    RunStatus s;
    s.state = RunState::running;
    s.total_steps = 1000;
    live.write_status(s);
    add_metrics(live, 10, 200);
    RunDirectory torn = RunDirectory::create(runs + "/torn", "{}");
    s.state = RunState::stopped;
    torn.write_status(s);
    add_metrics(torn, 10, 30);
    {
      std::ofstream out(runs + "/torn/metrics.jsonl", std::ios::app);
      out << "{\"step\":40,\"lo";
    }
    RunDirectory dead = RunDirectory::create(runs + "/dead", "{}");
    s.state = RunState::running;
    s.pid = dead_pid();
    dead.write_status(s);
    dead.log("loading pairs\nstep 20 of 1000");

    RunMonitorPanel panel;
    panel.resize(1000, 700);
    panel.setRunsDir(tmp.filePath("runs"));
    QTableWidget& t = panel.table();
    QCOMPARE(t.rowCount(), 3);
    QCOMPARE(cell(t, "live", 1), QString("running"));
    QVERIFY(cell(t, "live", 2).startsWith("200 / 1000"));
    QCOMPARE(cell(t, "live", 4), QString::number(2.0 / 200, 'g', 5));
    QCOMPARE(cell(t, "live", 6), QString("cpu"));
    QCOMPARE(cell(t, "torn", 1), QString("stopped"));
    QCOMPARE(cell(t, "dead", 1), QString("failed"));
    QVERIFY(panel.gpuText().startsWith("GPU")); // "GPU n/a ..." without a driver
    QVERIFY(cell(t, "dead", 7).contains("without writing a final status"));

    // The torn run plots its three complete lines; its partial one waits.
    QVERIFY(panel.selectRun("torn"));
    QCOMPARE(panel.lossPlot().pointCount(0), std::size_t(3));
    // The dead run's log tail and problem are shown.
    QVERIFY(panel.selectRun("dead"));
    QVERIFY(panel.logText().contains("step 20 of 1000"));
    QVERIFY(panel.logText().contains("without writing a final status"));

    // Live points: new lines are appended to the plot on the next refresh.
    QVERIFY(panel.selectRun("live"));
    QCOMPARE(panel.lossPlot().pointCount(0), std::size_t(20));
    QCOMPARE(panel.lossPlot().pointCount(1), std::size_t(4)); // val every 50
    QCOMPARE(panel.gpuPlot().pointCount(0), std::size_t(10)); // GPU utilisation
    QCOMPARE(panel.gpuPlot().pointCount(1), std::size_t(10)); // GPU memory
    add_metrics(live, 210, 300);
    panel.refresh();
    QCOMPARE(panel.lossPlot().pointCount(0), std::size_t(30));
    QVERIFY(cell(t, "live", 2).startsWith("300 / 1000"));

    // Two runs selected: overlaid, series named by run.
    t.clearSelection();
    t.setSelectionMode(QAbstractItemView::MultiSelection);
    for (int r = 0; r < t.rowCount(); ++r)
      if (t.item(r, 0)->text() != "dead") t.selectRow(r);
    QCOMPARE(panel.selectedRuns().size(), 2);
    QCOMPARE(panel.lossPlot().seriesCount(), 4);

    // Stop and delete refuse what they cannot do.
    QString error;
    QVERIFY(!panel.stopRun("torn", &error));
    QVERIFY(error.contains("not running"));
    QVERIFY(!panel.deleteRun("live", &error));
    QVERIFY(error.contains("stop it first"));
    // A run launched a moment ago is selected once its folder is listed.
    panel.selectWhenListed("later");
    RunDirectory::create(runs + "/later", "{}");
    panel.refresh();
    QCOMPARE(panel.selectedRuns(), QStringList{"later"});
    QVERIFY(!panel.deleteRun("later", &error));   // queued: it may start any moment
    std::filesystem::remove_all(runs + "/later"); // removed from outside: it goes
    panel.refresh();
    QCOMPARE(t.rowCount(), 3);
    QVERIFY(panel.deleteRun("torn", &error));
    QCOMPARE(t.rowCount(), 2);
    QVERIFY(!QFileInfo::exists(QString::fromStdString(runs + "/torn")));
  }

  void plot_reads_out_zooms_and_follows() {
    LinePlot plot;
    plot.resize(600, 300);
    const int loss = plot.addSeries("loss", Qt::cyan);
    for (int i = 1; i <= 1000; ++i)
      plot.append(loss, i, 1.0 / i);
    QVERIFY(plot.autoFollow());
    QCOMPARE(plot.xRange().second, 1000.0);
    plot.append(loss, 1001, 0.0009);
    QCOMPARE(plot.xRange().second, 1001.0); // follows new points
    plot.setXRange(100, 200);
    QVERIFY(!plot.autoFollow());
    plot.append(loss, 1002, 0.0009);
    QCOMPARE(plot.xRange().second, 200.0); // stays where the user looks
    // The readout names the series, value and step under the cursor.
    plot.setSmoothing(0);
    const QString text = plot.readoutAt(56 + 0.5 * (600 - 66)); // the middle: step 150
    QVERIFY2(text.startsWith("loss ") && text.contains("@ 150"), qPrintable(text));
    plot.setAutoFollow(true);
    QCOMPARE(plot.xRange().first, 1.0);
    // Log scale and smoothing keep every point.
    plot.setLogY(true);
    plot.setSmoothing(0.9);
    QCOMPARE(plot.pointCount(loss), std::size_t(1002));
  }
};

QTEST_MAIN(TestRunMonitorPanel)
#include "test_run_monitor_panel.moc"

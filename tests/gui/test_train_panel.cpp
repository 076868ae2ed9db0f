// Training from the GUI with real atelier-cli processes on the CPU: the train
// panel launches a tiny run of a project, its run folder appears and live
// points reach the plot; Stop writes a checkpoint and the status turns
// stopped; Resume continues the step count. Validation refuses bad forms.
// A screenshot of the dashboard during the run is kept as an artefact.
#include "core/run/run_dir.h"
#include "core/run/run_follower.h"
#include "tests/support/test_support.h"
#include "widgets/train/LinePlot.h"
#include "widgets/train/RunMonitorPanel.h"
#include "widgets/train/TrainPanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSplitter>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

using namespace atelier;

namespace {

// A project with simulated odd/even pairs, split 50/25/25.
QString make_project(const QTemporaryDir& tmp) {
  const QString sim = tmp.filePath("sim"), proj = tmp.filePath("p.atelier");
  if (test::run_cli({"simulate", "denoise-pairs", sim, "--count", "5", "--size", "128"})
              .exit_code != 0 ||
      test::run_cli({"project", "create", proj}).exit_code != 0 ||
      test::run_cli({"import", proj, sim, "--quiet", "--no-thumbnails"}).exit_code != 0 ||
      test::run_cli(
          {"split", proj, "--train", "0.5", "--val", "0.25", "--test", "0.25", "--seed", "2"})
              .exit_code != 0)
    return {};
  return proj;
}

template <typename Ready>
bool wait_for(RunMonitorPanel& runs, Ready ready, int ms) {
  return QTest::qWaitFor(
      [&] {
        runs.refresh();
        return ready();
      },
      ms);
}

} // namespace

class TestTrainPanel : public QObject {
  Q_OBJECT

  std::int64_t pid_ = 0; // a run to kill if the test fails midway

private slots:
  void cleanup() {
    if (pid_ > 0 && run::process_alive(pid_)) ::kill(pid_t(pid_), SIGKILL);
    pid_ = 0;
  }

  void the_form_refuses_what_cannot_run() {
    QTemporaryDir tmp;
    TrainPanel panel;
    QVERIFY(!panel.isEnabled()); // no project yet
    panel.setProject(tmp.path());
    QVERIFY(panel.isEnabled());
    QVERIFY(panel.runName().text().startsWith("denoise-"));
    QString error;
    panel.runName().setText("../escape");
    QVERIFY(panel.arguments(&error).isEmpty());
    QVERIFY(error.contains("Run name"));
    panel.runName().setText("ok-name");
    QDir().mkpath(tmp.filePath("runs/ok-name"));
    QVERIFY(panel.arguments(&error).isEmpty());
    QVERIFY(error.contains("exists already"));
    panel.runName().setText("fresh");
    panel.crop().setValue(100);
    QVERIFY(panel.arguments(&error).isEmpty());
    QVERIFY(error.contains("multiple of 32"));
    panel.crop().setValue(64);
    const QStringList args = panel.arguments(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QVERIFY(args.contains("--project") && args.contains("--run-dir"));
    QCOMPARE(args.at(args.indexOf("--where") + 1), QString("status = accept"));
    QCOMPARE(args.at(args.indexOf("--normalisation") + 1), QString("image"));
    QVERIFY(!args.contains("--init-from"));
    // Starting weights pick the model they fit; a file that is not weights
    // is refused naming it.
    const QString weights = QString(ATELIER_GOLDEN_DIR) + "/unet_small.state_dict.f16.safetensors";
    panel.initFrom().setText(weights);
    const QStringList tuned = panel.arguments(&error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(tuned.at(tuned.indexOf("--init-from") + 1), weights);
    QVERIFY(!tuned.contains("--model")); // the weights' own
    panel.initFrom().setText(tmp.filePath("runs/ok-name"));
    QVERIFY(panel.arguments(&error).isEmpty());
    QVERIFY2(error.contains("ok-name"), qPrintable(error));
  }

  void launch_watch_stop_and_resume_a_cpu_run() {
    QTemporaryDir tmp;
    const QString proj = make_project(tmp);
    QVERIFY(!proj.isEmpty());
    QSplitter page;
    auto* form = new TrainPanel(&page);
    auto* runs = new RunMonitorPanel(&page);
    page.resize(1400, 800);
    form->setProject(proj);
    runs->setRunsDir(QDir(proj).filePath("runs"));
    form->filter().setText("status != reject");
    form->steps().setValue(1'000'000); // runs until stopped
    form->batch().setValue(1);
    form->crop().setValue(64);
    form->device().setCurrentIndex(form->device().findData("cpu"));
    form->normalisation().setCurrentIndex(form->normalisation().findData("dataset"));
    form->runName().setText("tiny");
    // Fine-tuned from PyTorch's weights, repeatable: the form passes both on.
    const QString weights = QString(ATELIER_GOLDEN_DIR) + "/unet_small.state_dict.bf16.safetensors";
    form->initFrom().setText(weights);
    form->deterministic().setChecked(true);
    QSignalSpy launched(form, &TrainPanel::launched);
    QVERIFY(form->launch());
    QCOMPARE(launched.count(), 1);

    // The folder appears and live points reach the plot.
    QVERIFY(wait_for(
        *runs, [&] { return runs->selectRun("tiny"); }, 60000));
    QVERIFY(wait_for(
        *runs, [&] { return runs->lossPlot().pointCount(0) >= 3; }, 120000));
    const run::RunSummary* s = runs->summary("tiny");
    QCOMPARE(s->state, run::RunState::running);
    pid_ = s->status.pid;
    QCOMPARE(s->recipe, std::string("denoise"));
    QCOMPARE(s->device, std::string("cpu"));
    if (const QString keep = qEnvironmentVariable("ATELIER_TEST_ARTEFACTS"); !keep.isEmpty()) {
      QDir().mkpath(keep);
      page.grab().save(QDir(keep).filePath("training_dashboard.png"));
    }

    // Stop: a checkpoint, then "stopped".
    QString error;
    QVERIFY2(runs->stopRun("tiny", &error), qPrintable(error));
    QVERIFY(wait_for(
        *runs, [&] { return runs->summary("tiny")->state == run::RunState::stopped; }, 60000));
    const std::int64_t stopped_at = runs->summary("tiny")->status.step;
    QVERIFY(stopped_at > 0);
    const QString run_dir = QDir(proj).filePath("runs/tiny");
    // The dataset's record was frozen into the run.
    const run::JsonNode rj = run::read_run_json(run_dir.toStdString());
    const run::JsonNode* norm = rj.find("normalisation");
    QVERIFY(norm && norm->find("scheme") && norm->find("std"));
    QCOMPARE(norm->find("scheme")->text, std::string("dataset_mean_std"));
    QVERIFY(norm->find("std")->number > 0);
    QVERIFY(QFileInfo::exists(
        run_dir + QString("/checkpoints/step-%1.safetensors").arg(stopped_at, 6, 10, QChar('0'))));
    QVERIFY(!runs->resumeRun("nope", &error));

    // Resume: the step count continues past the stop.
    QVERIFY2(runs->resumeRun("tiny", &error), qPrintable(error));
    QVERIFY(wait_for(
        *runs,
        [&] {
          const auto* r = runs->summary("tiny");
          return r->state == run::RunState::running && r->step > stopped_at + 10;
        },
        120000));
    pid_ = runs->summary("tiny")->status.pid;
    QVERIFY(runs->stopRun("tiny", &error));
    QVERIFY(wait_for(
        *runs, [&] { return runs->summary("tiny")->state == run::RunState::stopped; }, 60000));
    QVERIFY(runs->summary("tiny")->status.step > stopped_at);

    // Clone: the form takes the run's settings under a new name.
    form->crop().setValue(512);
    form->batch().setValue(8);
    form->normalisation().setCurrentIndex(0);
    form->initFrom().clear();
    form->deterministic().setChecked(false);
    QVERIFY(form->cloneFrom(run_dir));
    QCOMPARE(form->initFrom().text(), weights);
    QVERIFY(form->deterministic().isChecked());
    QCOMPARE(form->runName().text(), QString("tiny-clone"));
    QCOMPARE(form->crop().value(), 64);
    QCOMPARE(form->batch().value(), 1);
    QCOMPARE(form->device().currentData().toString(), QString("cpu"));
    QCOMPARE(form->normalisation().currentData().toString(), QString("dataset"));
    QVERIFY(!form->cloneFrom(tmp.filePath("no-such-run")));
  }
};

QTEST_MAIN(TestTrainPanel)
#include "test_train_panel.moc"

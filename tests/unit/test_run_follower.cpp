// Following runs from the outside: metric series built from new lines only
// (a torn last line waits), best validation loss and ETA, a run rewritten on
// resume starts over, a dead process and a silent remote host are reported;
// and the plot pyramid's summaries match brute force.
#include "core/base/error.h"
#include "core/display/series_pyramid.h"
#include "core/run/gpu_monitor.h"
#include "core/run/run_dir.h"
#include "core/run/run_follower.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>

using namespace atelier;
using namespace atelier::run;

namespace {

MetricsRecord record(std::int64_t step, double loss, double val = NAN) {
  MetricsRecord r;
  r.add("step", step).add("time_s", 0.5 * double(step)).add("loss", loss);
  if (!std::isnan(val)) r.add("val_loss", val);
  return r;
}

std::int64_t dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

} // namespace

class TestRunFollower : public QObject {
  Q_OBJECT

private slots:
  void follows_new_lines_and_summarises() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("runs/r1").toStdString();
    RunDirectory rd = RunDirectory::create(
        dir, "{\"recipe\":\"denoise\",\"options\":{\"device\":\"cpu\",\"crop\":1000}}");
    RunStatus s;
    s.state = RunState::running;
    s.total_steps = 100;
    rd.write_status(s); // this process: alive
    rd.append_metrics(record(10, 1.0));
    MetricsRecord with_speed = record(20, 0.8, 0.9);
    with_speed.add("images_per_s", 4.0);
    rd.append_metrics(with_speed);
    RunFollower f(dir);
    QVERIFY(f.poll());
    QCOMPARE(f.summary().name, std::string("r1"));
    QCOMPARE(f.summary().recipe, std::string("denoise"));
    QCOMPARE(f.summary().device, std::string("cpu"));
    QCOMPARE(f.summary().state, RunState::running);
    QCOMPARE(f.series().at("loss").value.size(), std::size_t(2));
    QCOMPARE(f.series().at("val_loss").step.front(), 20.0);
    QCOMPARE(*f.summary().best_val_loss, 0.9);
    QCOMPARE(f.summary().step, std::int64_t(20));
    // images/s x the 1000^2 crop: megapixels/s.
    QCOMPARE(f.series().at("megapixels_per_s").value.front(), 4.0);
    // 0.5 s per step, 80 steps to go.
    QCOMPARE(*f.summary().eta_s, 40.0);
    QVERIFY(!f.poll()); // nothing new

    // A torn line is not read until its newline arrives.
    {
      std::ofstream out(dir + "/metrics.jsonl", std::ios::app);
      out << "{\"step\":30,\"time_s\":15,\"loss\":0.7,\"val_";
    }
    f.poll();
    QCOMPARE(f.series().at("loss").value.size(), std::size_t(2));
    {
      std::ofstream out(dir + "/metrics.jsonl", std::ios::app);
      out << "loss\":0.6}\n";
    }
    QVERIFY(f.poll());
    QCOMPARE(f.series().at("loss").value.size(), std::size_t(3));
    QCOMPARE(*f.summary().best_val_loss, 0.6);

    // Resuming from step 10 rewrites the file: the follower starts over.
    rd.truncate_metrics_after(10);
    QVERIFY(f.poll());
    QCOMPARE(f.series().at("loss").value.size(), std::size_t(1));
    QVERIFY(!f.summary().best_val_loss);
    QCOMPARE(list_run_dirs(tmp.filePath("runs").toStdString()), std::vector<std::string>{dir});
  }

  void a_vanished_process_is_a_failed_run() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("r2").toStdString();
    RunDirectory rd = RunDirectory::create(dir, "{}");
    RunStatus s;
    s.state = RunState::running;
    s.pid = dead_pid();
    rd.write_status(s);
    rd.log("step 5 of 100");
    RunFollower f(dir);
    f.poll();
    QCOMPARE(f.summary().status.state, RunState::running); // as written
    QCOMPARE(f.summary().state, RunState::failed);         // as it is
    QVERIFY(f.summary().problem.find("without writing a final status") != std::string::npos);
    QVERIFY(log_tail(dir).find("step 5 of 100") != std::string::npos);
  }

  void a_silent_remote_host_is_reported() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("r3").toStdString();
    RunDirectory rd = RunDirectory::create(dir, "{}");
    RunStatus s;
    s.state = RunState::running;
    s.pid = 4242;
    s.host = "node-elsewhere";
    s.updated_unix_s = now_s() - 3600;
    rd.write_status(s);
    RunFollower f(dir);
    f.poll();
    QCOMPARE(f.summary().state, RunState::running);
    QVERIFY(f.summary().problem.find("no word from node-elsewhere") != std::string::npos);
  }

  void a_missing_status_is_queued_and_bad_status_is_a_problem() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("r4").toStdString();
    RunDirectory::create(dir, "{}");
    RunFollower f(dir);
    f.poll();
    QCOMPARE(f.summary().state, RunState::queued);
    QVERIFY(f.summary().problem.empty());
    test::write_text(dir + "/status.json", "{not json");
    f.poll();
    QVERIFY2(f.summary().problem.find("status.json") != std::string::npos,
             f.summary().problem.c_str());
  }

  void best_checkpoint_is_the_lowest_validation_loss() {
    QTemporaryDir tmp;
    const std::string dir = tmp.filePath("r5").toStdString();
    RunDirectory rd = RunDirectory::create(dir, "{}");
    QVERIFY(!best_checkpoint(dir));
    for (int step : {100, 200, 300})
      test::write_text(rd.checkpoint_path(step), "x");
    test::write_text(dir + "/checkpoints/step-000400.safetensors.tmp", "x"); // skipped
    rd.append_metrics(record(100, 1.0, 0.50));
    rd.append_metrics(record(150, 1.0, 0.10)); // no checkpoint at 150
    rd.append_metrics(record(200, 1.0, 0.30));
    rd.append_metrics(record(300, 1.0, 0.40));
    QCOMPARE(*best_checkpoint(dir), rd.checkpoint_path(200));
    QCOMPARE(*last_checkpoint_file(dir), rd.checkpoint_path(300));
    // Without validation losses: the latest.
    QTemporaryDir tmp2;
    const std::string dir2 = tmp2.filePath("r6").toStdString();
    RunDirectory rd2 = RunDirectory::create(dir2, "{}");
    test::write_text(rd2.checkpoint_path(7), "x");
    QCOMPARE(*best_checkpoint(dir2), rd2.checkpoint_path(7));
  }

  void gpu_samples_are_described_or_na() {
    QCOMPARE(describe_gpus(std::nullopt), std::string("GPU n/a (no NVIDIA driver)"));
    GpuSample a;
    a.index = 0, a.utilisation_pct = 87, a.memory_used_gib = 12.34, a.memory_total_gib = 79.6;
    GpuSample b = a;
    b.index = 1, b.utilisation_pct = 3;
    QCOMPARE(describe_gpus(std::vector<GpuSample>{a, b}),
             std::string("GPU 0 87% 12.3/79.6 GiB · GPU 1 3% 12.3/79.6 GiB"));
    // Whatever this machine has, sampling never throws.
    const auto samples = sample_gpus();
    QVERIFY(!samples || samples->size() < 64);
  }

  void pyramid_summaries_match_brute_force() {
    display::SeriesPyramid p;
    const int n = 100000;
    for (int i = 0; i < n; ++i)
      p.append(i * 0.5, (i % 997 == 0) ? std::numeric_limits<double>::quiet_NaN()
                                       : std::sin(i * 0.01) + 0.001 * (i % 13));
    QCOMPARE(p.size(), std::size_t(n));
    for (const auto& [lo, hi, buckets] :
         {std::tuple{0.0, n * 0.5, 500}, std::tuple{1000.0, 1500.0, 300},
          std::tuple{20000.0, 30000.0, 64}}) {
      const auto out = p.query(lo, hi, std::size_t(buckets));
      QVERIFY(!out.empty() && out.size() <= std::size_t(4 * buckets + 2));
      QVERIFY(out.front().x0 <= lo && out.back().x1 >= std::min(hi, (n - 1) * 0.5));
      for (const auto& b : out) {
        double mn = INFINITY, mx = -INFINITY;
        for (int i = int(b.x0 * 2); i <= int(b.x1 * 2); ++i)
          if (!std::isnan(p.y()[std::size_t(i)]))
            mn = std::min(mn, p.y()[std::size_t(i)]), mx = std::max(mx, p.y()[std::size_t(i)]);
        QCOMPARE(b.y_min, mn);
        QCOMPARE(b.y_max, mx);
      }
    }
    // Few points come back as themselves.
    const auto few = p.query(10.0, 12.0, 100);
    QCOMPARE(few.size(), std::size_t(7)); // x 10..12 by 0.5, plus one each side
    QCOMPARE(p.nearest(10.2), std::size_t(20));
    ATELIER_VERIFY_THROWS(p.append(0.0, 1.0), Error, "must not decrease");
  }
};

QTEST_GUILESS_MAIN(TestRunFollower)
#include "test_run_follower.moc"

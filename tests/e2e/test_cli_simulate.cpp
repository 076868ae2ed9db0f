// atelier-cli simulate micrographs, project create/info and import as a user
// runs them: the files the simulator promises, the project folder, and an
// import that skips unchanged files the second time.
#include "core/formats/mrc/mrc_file.h"
#include "tests/support/test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include <cmath>
#include <map>

namespace {

using atelier::test::CliResult;
using atelier::test::run_cli;

} // namespace

class TestCliSimulate : public QObject {
  Q_OBJECT
private slots:
  void simulateMicrographs() {
    QTemporaryDir tmp;
    const QString out = tmp.filePath("sim");
    CliResult r = run_cli({"simulate", "micrographs", out, "--count", "2", "--size", "128",
                           "--frames", "4", "--seed", "7", "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    for (const char* suffix : {"movie.mrcs", "sum.mrc", "odd.mrc", "even.mrc", "clean.mrc"})
      for (const char* name : {"sim_0001_", "sim_0002_"})
        QVERIFY2(QFile::exists(out + "/" + name + suffix), suffix);
    const atelier::MrcFile movie((out + "/sim_0001_movie.mrcs").toStdString());
    QCOMPARE(movie.frame_count(), std::int64_t(4));
    QCOMPARE(int(movie.dtype()), int(atelier::DType::u16));
    QFile truth(out + "/truth.json");
    QVERIFY(truth.open(QIODevice::ReadOnly));
    QVERIFY(!QJsonDocument::fromJson(truth.readAll()).isNull());

    const QString sums = tmp.filePath("sums");
    r = run_cli({"simulate", "micrographs", sums, "--count", "1", "--size", "64", "--frames", "2",
                 "--no-movies", "--quiet"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY(QDir(sums).entryList({"*.mrcs"}, QDir::Files).isEmpty());
    QVERIFY(QFile::exists(sums + "/sim_0001_sum.mrc"));

    r = run_cli({"simulate", "micrographs", sums, "--frames", "0"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("--frames"), r.err.constData());
    // A folder with files in it is left alone unless --overwrite.
    const QStringList again{"simulate", "micrographs", sums, "--count",     "1",      "--size",
                            "64",       "--frames",    "2",  "--no-movies", "--quiet"};
    r = run_cli(again);
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("is not empty"), r.err.constData());
    QCOMPARE(run_cli(QStringList(again) << "--overwrite").exit_code, 0);
  }

  void projectCreateAndInfo() {
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("demo.atelier");
    CliResult r = run_cli({"project", "create", dir});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY(QFile::exists(dir + "/project.sqlite"));
    QVERIFY(QDir(dir + "/cache").exists() && QDir(dir + "/runs").exists());
    r = run_cli({"project", "info", dir});
    QCOMPARE(r.exit_code, 0);
    const QJsonObject info = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(info["items"].toInt(), 0);
    QCOMPARE(info["journal_mode"].toString(), QString("wal"));
    r = run_cli({"project", "create", dir});
    QCOMPARE(r.exit_code, 1);
    QVERIFY(r.err.contains("demo.atelier"));
  }

  void importSimulatedMicrographs() {
    QTemporaryDir tmp;
    const QString sim = tmp.filePath("sim"), proj = tmp.filePath("p.atelier");
    QCOMPARE(run_cli({"simulate", "micrographs", sim, "--count", "2", "--size", "128", "--frames",
                      "3", "--quiet"})
                 .exit_code,
             0);
    QFile(sim + "/notes.md").open(QIODevice::WriteOnly);
    QCOMPARE(run_cli({"project", "create", proj}).exit_code, 0);
    CliResult r = run_cli({"import", proj, sim, "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.out.contains("10 imported, 0 errors, 0 unchanged, 2 not images"), r.out.constData());
    r = run_cli({"import", proj, sim, "--quiet", "--exclude", "*movie*"});
    QCOMPARE(r.exit_code, 0);
    QVERIFY2(r.out.contains("0 imported, 0 errors, 8 unchanged"), r.out.constData());
    r = run_cli({"project", "info", proj});
    QCOMPARE(QJsonDocument::fromJson(r.out).object()["items"].toInt(), 10);
    QVERIFY(!QDir(proj + "/cache").entryList({"*.jpg"}, QDir::Files).isEmpty());
    r = run_cli({"import", proj, tmp.filePath("missing")});
    QCOMPARE(r.exit_code, 1);
    QVERIFY(r.err.contains("missing"));
  }

  // Import measures each movie's drift; the simulator's truth says what it is.
  void importMeasuresMovieDrift() {
    QTemporaryDir tmp;
    const QString sim = tmp.filePath("sim"), proj = tmp.filePath("p.atelier");
    QCOMPARE(run_cli({"simulate", "micrographs", sim, "--count", "3", "--size", "512", "--frames",
                      "12", "--seed", "3", "--quiet"})
                 .exit_code,
             0);
    QCOMPARE(run_cli({"project", "create", proj}).exit_code, 0);
    CliResult r = run_cli({"import", proj, sim, "--quiet", "--include", "*movie*"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QFile truth_file(sim + "/truth.json");
    QVERIFY(truth_file.open(QIODevice::ReadOnly));
    std::map<QString, double> true_total;
    const QJsonObject truth_json = QJsonDocument::fromJson(truth_file.readAll()).object();
    for (const auto value : truth_json["micrographs"].toArray()) {
      const QJsonObject m = value.toObject();
      const QJsonArray d = m["drifts_px"].toArray();
      double total = 0;
      for (qsizetype f = 1; f < d.size(); ++f)
        total += std::hypot(d[f].toArray()[0].toDouble() - d[f - 1].toArray()[0].toDouble(),
                            d[f].toArray()[1].toDouble() - d[f - 1].toArray()[1].toDouble());
      true_total[m["name"].toString()] = total;
    }
    r = run_cli({"ls", proj, "--json", "--sort", "drift_total_A"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    const QJsonArray items = QJsonDocument::fromJson(r.out).array();
    QCOMPARE(items.size(), qsizetype(3));
    for (const auto value : items) {
      const QJsonObject item = value.toObject();
      const QString name = QFileInfo(item["path"].toString()).fileName().left(8);
      const QJsonObject metrics = item["metrics"].toObject();
      const double measured = metrics["drift_total_A"].toDouble(), truth = true_total.at(name);
      qInfo("%s: drift %.2f A (true %.2f)", qPrintable(name), measured, truth);
      // 1 A pixels; measured within 0.4 px on these movies.
      QVERIFY2(std::abs(measured - truth) <= 0.15 * truth + 0.4, qPrintable(name));
      QVERIFY(metrics.contains("drift_net_px"));
    }
  }

  // movies align: drift-corrected sums and halves with their trajectories;
  // done movies are skipped; a file that is not a movie is named.
  void alignMoviesIntoHalfSums() {
    QTemporaryDir tmp;
    const QString sim = tmp.filePath("sim"), out = tmp.filePath("aligned");
    QCOMPARE(run_cli({"simulate", "micrographs", sim, "--count", "2", "--size", "256", "--frames",
                      "6", "--drift", "8", "--quiet"})
                 .exit_code,
             0);
    CliResult r = run_cli({"movies", "align", sim, "--out", out, "--quiet"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.out.contains("2 aligned, 0 failed, 0 already done"), r.out.constData());
    for (const char* stem : {"sim_0001_movie", "sim_0002_movie"}) {
      for (const char* suffix : {"_sum.mrc", "_odd.mrc", "_even.mrc"}) {
        const atelier::MrcFile f((out + "/" + stem + suffix).toStdString());
        QCOMPARE(int(f.dtype()), int(atelier::DType::f32));
        QCOMPARE(f.width(), std::int64_t(256));
        QCOMPARE(f.spacing().xyz[0], 1.0);
      }
      QFile json(out + "/" + stem + "_drift.json");
      QVERIFY(json.open(QIODevice::ReadOnly));
      const QJsonObject drift = QJsonDocument::fromJson(json.readAll()).object();
      QCOMPARE(drift["frames_px"].toArray().size(), qsizetype(6));
      QVERIFY(drift["drift_total_px"].toDouble() > 0.5);
    }
    r = run_cli({"movies", "align", sim, "--out", out, "--quiet"});
    QVERIFY2(r.out.contains("0 aligned, 0 failed, 2 already done"), r.out.constData());
    // Asking for the exposure-weighted sums realigns the movies that lack one.
    r = run_cli({"movies", "align", sim, "--out", out, "--quiet", "--dose-per-frame", "6.67"});
    QVERIFY2(r.out.contains("2 aligned, 0 failed, 0 already done"), r.out.constData());
    QCOMPARE(atelier::MrcFile((out + "/sim_0001_movie_sum_dw.mrc").toStdString()).width(),
             std::int64_t(256));
    r = run_cli({"movies", "align", sim, "--out", out, "--voltage", "200"});
    QCOMPARE(r.exit_code, 2);
    QVERIFY2(r.err.contains("--dose-per-frame"), r.err.constData());
    r = run_cli({"movies", "align", sim + "/sim_0001_sum.mrc", "--out", out, "--quiet"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains("sim_0001_sum.mrc") && r.err.contains("single frame"),
             r.err.constData());
    // A path given twice is aligned once; a second movie of the same name
    // (another folder) is refused instead of overwriting the first's outputs.
    QDir(sim).mkdir("other");
    QVERIFY(QFile::copy(sim + "/sim_0001_movie.mrcs", sim + "/other/sim_0001_movie.mrcs"));
    r = run_cli({"movies", "align", sim + "/sim_0001_movie.mrcs", sim + "/sim_0001_movie.mrcs",
                 sim + "/other/sim_0001_movie.mrcs", "--out", tmp.filePath("out2"), "--quiet"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.out.contains("1 aligned, 1 failed"), r.out.constData());
    QVERIFY2(r.err.contains("other/sim_0001_movie.mrcs") && r.err.contains("same name"),
             r.err.constData());
    r = run_cli({"movies", "align", sim});
    QCOMPARE(r.exit_code, 2);
    QVERIFY(r.err.contains("--out"));
  }
};

QTEST_GUILESS_MAIN(TestCliSimulate)
#include "test_cli_simulate.moc"

// atelier-cli simulate micrographs, project create/info and import as a user
// runs them: the files the simulator promises, the project folder, and an
// import that skips unchanged files the second time.
#include "core/formats/mrc/mrc_file.h"
#include "tests/support/test_support.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

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
};

QTEST_GUILESS_MAIN(TestCliSimulate)
#include "test_cli_simulate.moc"

// The curation commands as a user runs them on an imported folder: ls (table
// and JSON), set, label, split, undo/redo across processes, stats, export to
// STAR (read back with Atelier's STAR reader), CSV and a path list, and the
// errors for a bad expression or a bulk change without --where/--all;
// import --watch; a dataset's pixel size set by the user.
#include "core/formats/mrc/mrc_writer.h"
#include "core/formats/star/star_reader.h"
#include "core/project/writer_lock.h"
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

QByteArray read_all(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestCliCurate : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  QString project_, data_;

  CliResult ok(const QStringList& args) {
    CliResult r = run_cli(args);
    if (r.exit_code != 0)
      qWarning("%s -> %d: %s", qPrintable(args.join(' ')), r.exit_code, r.err.constData());
    return r;
  }

private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    data_ = tmp_.filePath("data");
    QVERIFY(QDir().mkpath(data_));
    // Eight 64x64 float micrographs: brightness i, pixel size 1.5 Å (the
    // last two 2.0 Å, a second optics group).
    for (int i = 0; i < 8; ++i) {
      atelier::Image img(64, 64, 1, atelier::DType::f32);
      auto v = img.values<float>();
      for (std::size_t k = 0; k < v.size(); ++k)
        v[k] = float(i) + 0.01f * float((k * 7919) % 101);
      img.spacing.xyz = {i < 6 ? 1.5 : 2.0, i < 6 ? 1.5 : 2.0, 1.0};
      img.spacing.unit = "A";
      atelier::write_mrc(QString("%1/mic_%2.mrc").arg(data_).arg(i).toStdString(), img);
    }
    project_ = tmp_.filePath("p.atelier");
    QCOMPARE(ok({"project", "create", project_}).exit_code, 0);
    QCOMPARE(ok({"import", project_, data_, "--quiet"}).exit_code, 0);
  }

  void lsTableAndJson() {
    CliResult r = ok({"ls", project_, "--where", "mean >= 4", "--sort", "-mean"});
    QCOMPARE(r.exit_code, 0);
    const QList<QByteArray> lines = r.out.trimmed().split('\n');
    QCOMPARE(lines.size(), 4);
    QVERIFY(lines[0].endsWith("mic_7.mrc"));  // brightest first
    QCOMPARE(lines[0].split('\t').size(), 5); // id status split value path

    r = ok({"ls", project_, "--json", "--limit", "3", "--offset", "1"});
    const QJsonArray items = QJsonDocument::fromJson(r.out).array();
    QCOMPARE(items.size(), 3);
    const QJsonObject first = items[0].toObject();
    QVERIFY(first["path"].toString().startsWith(data_));
    QCOMPARE(first["status"].toString(), QString("none"));
    QVERIFY(first["metrics"].toObject().contains("mean"));
    QCOMPARE(first["pixel_size_A"].toDouble(), 1.5);
  }

  void curateUndoRedo() {
    QVERIFY(ok({"set", project_, "--status", "reject", "--where", "mean < 2"})
                .out.startsWith("2 items set to reject"));
    QVERIFY(ok({"set", project_, "--status", "accept", "--where", "status = none"})
                .out.startsWith("6 items"));
    QVERIFY(ok({"label", project_, "bright", "--where", "mean > 6"}).out.startsWith("2 items"));
    QCOMPARE(ok({"ls", project_, "--where", "label = bright"}).out.count('\n'), 2);
    QVERIFY(ok({"label", project_, "bright", "--rename", "glowing"}).out.startsWith("2 items"));
    QCOMPARE(ok({"ls", project_, "--where", "label = glowing"}).out.count('\n'), 2);
    QVERIFY(ok({"undo", project_}).out.startsWith("undone: rename_label"));
    {
      // While the app holds the project, changes still go in and say so.
      auto app = atelier::project::WriterLock::try_acquire(project_.toStdString(), "atelier-app");
      QVERIFY(app);
      const CliResult r = ok({"label", project_, "bright", "--rename", "glowing"});
      QVERIFY2(r.err.contains("is open in atelier-app"), r.err.constData());
      QVERIFY(ok({"undo", project_}).out.startsWith("undone: rename_label"));
    }
    QVERIFY(!ok({"ls", project_}).err.contains("is open in"));

    // Each command is its own process: undo/redo work from the event log.
    QVERIFY(ok({"undo", project_}).out.startsWith("undone: add_label"));
    QCOMPARE(ok({"ls", project_, "--where", "label = bright"}).out.count('\n'), 0);
    QVERIFY(ok({"undo", project_}).out.startsWith("undone: set_status"));
    QCOMPARE(ok({"ls", project_, "--where", "status = accept"}).out.count('\n'), 0);
    QVERIFY(ok({"redo", project_}).out.startsWith("redone: set_status"));
    QCOMPARE(ok({"ls", project_, "--where", "status = accept"}).out.count('\n'), 6);

    QVERIFY(
        ok({"split", project_, "--train", "0.5", "--val", "0.25", "--test", "0.25", "--seed", "4"})
            .out.startsWith("train 4, val 2, test 2"));
    const QJsonObject stats =
        QJsonDocument::fromJson(ok({"stats", project_, "--json"}).out).object();
    QCOMPARE(stats["items"].toInt(), 8);
    QCOMPARE(stats["status"].toObject()["accept"].toInt(), 6);
    QCOMPARE(stats["status"].toObject()["reject"].toInt(), 2);
    QCOMPARE(stats["split"].toObject()["train"].toInt(), 4);
    // Import recorded the dataset's normalisation (band 0: all values).
    const QJsonArray norm = stats["normalisation"].toObject()["data"].toArray();
    QCOMPARE(norm.size(), 1);
    QCOMPARE(norm[0].toObject()["items"].toInt(), 8);
    QVERIFY(std::abs(norm[0].toObject()["mean"].toDouble() - 4.0) < 0.1); // means 0.5 .. 7.5
    const QJsonObject mean = stats["metrics"].toObject()["mean"].toObject();
    QCOMPARE(mean["count"].toInt(), 8);
    QVERIFY(mean["min"].toDouble() < 1.0 && mean["max"].toDouble() > 7.0);
  }

  void exportStarCsvList() {
    const QString star = tmp_.filePath("accepted.star");
    CliResult r = ok({"export", project_, "--format", "star", "--where", "status = accept", star});
    QCOMPARE(r.exit_code, 0);
    QVERIFY(r.out.contains("6 items") && r.out.contains("2 optics groups"));
    const atelier::StarFile f = atelier::read_star(star.toStdString());
    QCOMPARE(f.star_style(), std::string("relion3.1 with data_optics"));
    const atelier::StarTable& mics = f.main_table();
    QCOMPARE(mics.name(), std::string("micrographs"));
    QCOMPARE(mics.rows(), std::size_t(6));
    for (std::size_t row = 0; row < mics.rows(); ++row) {
      const std::string name = mics.value(row, "rlnMicrographName");
      QVERIFY(QFile::exists(QString::fromStdString(name)));
      const double px = *f.pixel_size_A(row);
      QCOMPARE(px,
               name.find("mic_6") != std::string::npos || name.find("mic_7") != std::string::npos
                   ? 2.0
                   : 1.5);
    }

    const QString csv = tmp_.filePath("all.csv");
    QCOMPARE(ok({"export", project_, "--format", "csv", csv}).exit_code, 0);
    const QList<QByteArray> rows = read_all(csv).trimmed().split('\n');
    QCOMPARE(rows.size(), 9);
    QVERIFY(rows[0].startsWith("id,path,dataset,"));
    QVERIFY(rows[0].contains(",mean,"));

    const QString list = tmp_.filePath("rejected.txt");
    QCOMPARE(
        ok({"export", project_, "--format", "list", "--where", "status = reject", list}).exit_code,
        0);
    QCOMPARE(read_all(list).count('\n'), 2);
  }

  void importWatch() {
    // import --watch picks up files that appear later, waits for files still
    // being written (--settle), and stops cleanly on SIGTERM.
    const QString dir = tmp_.filePath("incoming"), proj = tmp_.filePath("watch.atelier");
    QVERIFY(QDir().mkpath(dir));
    QCOMPARE(ok({"project", "create", proj}).exit_code, 0);
    auto write = [&](int i) {
      atelier::Image img(32, 32, 1, atelier::DType::f32);
      for (float& v : img.values<float>())
        v = float(i);
      atelier::write_mrc(QString("%1/m%2.mrc").arg(dir).arg(i).toStdString(), img);
    };
    write(0);
    QProcess watcher;
    watcher.start(
        qEnvironmentVariable("ATELIER_CLI"),
        {"import", proj, dir, "--watch", "--interval", "0.2", "--settle", "0.5", "--quiet"});
    QVERIFY(watcher.waitForStarted(10000));
    auto count = [&] { return ok({"ls", proj}).out.count('\n'); };
    QTRY_COMPARE_WITH_TIMEOUT(count(), 1, 30000);
    write(1);
    write(2);
    QTRY_COMPARE_WITH_TIMEOUT(count(), 3, 30000);
    watcher.terminate(); // SIGTERM
    QVERIFY(watcher.waitForFinished(20000));
    QCOMPARE(watcher.exitStatus(), QProcess::NormalExit);
    QCOMPARE(watcher.exitCode(), 0);
    QVERIFY(watcher.readAllStandardOutput().contains("imported"));
  }

  void badInput() {
    // A malformed expression or option is a usage error (2) naming the problem.
    CliResult r = run_cli({"ls", project_, "--where", "mean >"});
    QCOMPARE(r.exit_code, 2);
    QVERIFY(r.err.contains("--where"));
    r = run_cli({"set", project_, "--status", "accept"});
    QCOMPARE(r.exit_code, 2);
    QVERIFY(r.err.contains("--all"));
    r = run_cli({"set", project_, "--status", "maybe", "--all"});
    QCOMPARE(r.exit_code, 2);
    r = run_cli({"export", project_, "--format", "xml", tmp_.filePath("x")});
    QCOMPARE(r.exit_code, 2);
    QVERIFY(r.err.contains("star, csv or list"));
    r = run_cli({"split", project_, "--train", "0.9", "--val", "0.3"});
    QCOMPARE(r.exit_code, 2);
    // Quotes in user text are data, not SQL.
    r = ok({"ls", project_, "--where", "path ~ \"'; DROP TABLE items; --\""});
    QCOMPARE(r.exit_code, 0);
    QCOMPARE(ok({"stats", project_, "--json"}).exit_code, 0);
    // A project that does not exist is a file error (1).
    r = run_cli({"ls", tmp_.filePath("missing.atelier")});
    QCOMPARE(r.exit_code, 1);
    // Nothing to redo after a new change.
    QVERIFY(ok({"undo", project_}).out.startsWith("undone:"));
    QVERIFY(ok({"label", project_, "x", "--all"}).out.startsWith("8 items"));
    QVERIFY(ok({"redo", project_}).out.startsWith("nothing to redo"));
  }

  void datasetPixelSize() {
    // The user's pixel size for a dataset wins over the headers and shows in
    // ls --json with its source; bad values and names are refused.
    CliResult r = ok({"project", "pixel-size", project_, "data", "1.2"});
    QVERIFY(r.out.contains("on 8 items"));
    const QJsonArray items =
        QJsonDocument::fromJson(ok({"ls", project_, "--json", "--limit", "1"}).out).array();
    QCOMPARE(items[0].toObject()["pixel_size_A"].toDouble(), 1.2);
    QCOMPARE(items[0].toObject()["pixel_size_source"].toString(), QString("user"));
    QCOMPARE(run_cli({"project", "pixel-size", project_, "data", "-3"}).exit_code, 2);
    QCOMPARE(run_cli({"project", "pixel-size", project_, "nosuch", "1.0"}).exit_code, 1);
    // Re-import keeps the user's value.
    QCOMPARE(ok({"import", project_, data_, "--quiet"}).exit_code, 0);
    QVERIFY(ok({"ls", project_, "--where", "pixel_size = 1.2"}).out.count('\n') == 8);
  }
};

QTEST_GUILESS_MAIN(TestCliCurate)
#include "test_cli_curate.moc"

// atelier-cli as a user runs it: --version, info in both output forms, and
// the exit codes and one-line errors for bad input.
#include "tests/support/test_support.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

namespace {

using atelier::test::CliResult;

CliResult run_cli(const QStringList& args) {
  return atelier::test::run_cli(args, 60000);
}

QByteArray mrc_bytes(int nx, int ny, int nz, int mode, std::size_t data_bytes) {
  QByteArray b(1024 + static_cast<int>(data_bytes), '\0');
  auto put = [&](int word, qint32 v) { memcpy(b.data() + 4 * word, &v, 4); };
  put(0, nx);
  put(1, ny);
  put(2, nz);
  put(3, mode);
  put(7, nx);
  put(8, ny);
  put(9, nz);
  put(16, 1);
  put(17, 2);
  put(18, 3);
  b.replace(208, 4, "MAP ");
  b[212] = 0x44;
  b[213] = 0x44;
  return b;
}

} // namespace

class TestCliInfo : public QObject {
  Q_OBJECT
private slots:
  void version();
  void usageErrors();
  void infoJsonSingleObject();
  void infoJsonOneLinePerFile();
  void humanSummary();
  void badFilesGiveOneLineErrors_data();
  void badFilesGiveOneLineErrors();

private:
  QTemporaryDir dir_;
  QString write(const QString& name, const QByteArray& bytes) {
    const QString p = dir_.path() + "/" + name;
    atelier::test::write_file(p.toStdString(),
                              std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
    return p;
  }
};

void TestCliInfo::version() {
  const auto r = run_cli({"--version"});
  QCOMPARE(r.exit_code, 0);
  QVERIFY(r.out.startsWith("atelier-cli "));
}

void TestCliInfo::usageErrors() {
  QCOMPARE(run_cli({}).exit_code, 2);
  QCOMPARE(run_cli({"frobnicate"}).exit_code, 2);
  const auto r = run_cli({"info"});
  QCOMPARE(r.exit_code, 2);
  QVERIFY(r.err.contains("no file given"));
}

void TestCliInfo::infoJsonSingleObject() {
  QByteArray m = mrc_bytes(3, 2, 1, 2, 3 * 2 * 4);
  const float values[6] = {1, 2, 3, 4, 5, 6};
  memcpy(m.data() + 1024, values, sizeof values);
  const QString p = write("tiny.mrc", m);
  const auto r = run_cli({"info", "--json", p});
  QCOMPARE(r.exit_code, 0);
  QJsonParseError err;
  const QJsonObject o = QJsonDocument::fromJson(r.out, &err).object();
  QCOMPARE(err.error, QJsonParseError::NoError);
  QCOMPARE(o.value("format").toString(), QString("mrc"));
  QCOMPARE(o.value("dims").toVariant().toList().size(), 3);
  QCOMPARE(o.value("dtype").toString(), QString("float32"));
  QCOMPARE(o.value("min").toDouble(), 1.0);
  QCOMPARE(o.value("max").toDouble(), 6.0);
  QCOMPARE(o.value("mean").toDouble(), 3.5);
}

void TestCliInfo::infoJsonOneLinePerFile() {
  const QString a = write("a.mrc", mrc_bytes(2, 2, 1, 2, 16));
  const QString b = write("b.mrc", mrc_bytes(4, 1, 1, 1, 8));
  const auto r = run_cli({"info", "--json", a, b});
  QCOMPARE(r.exit_code, 0);
  const QList<QByteArray> lines = r.out.trimmed().split('\n');
  QCOMPARE(lines.size(), 2);
  QCOMPARE(QJsonDocument::fromJson(lines[1]).object().value("dtype").toString(), QString("int16"));
}

void TestCliInfo::humanSummary() {
  const QString p = write("h.mrc", mrc_bytes(2, 2, 1, 6, 8));
  const auto r = run_cli({"info", p});
  QCOMPARE(r.exit_code, 0);
  QVERIFY(r.out.contains("uint16"));
  QVERIFY(r.out.contains("2 x 2 x 1"));
}

void TestCliInfo::badFilesGiveOneLineErrors_data() {
  QTest::addColumn<QString>("name");
  QTest::addColumn<QByteArray>("bytes");
  QTest::addColumn<QString>("reason");
  QTest::newRow("truncated mrc") << "t.mrc" << mrc_bytes(64, 64, 1, 2, 100) << "truncated";
  QTest::newRow("unknown format") << "notes.md" << QByteArray("# notes\n") << "unrecognised";
  QTest::newRow("empty png") << "e.png" << QByteArray("\x89PNG\r\n\x1a\n", 8) << "e.png";
}

void TestCliInfo::badFilesGiveOneLineErrors() {
  QFETCH(QString, name);
  QFETCH(QByteArray, bytes);
  QFETCH(QString, reason);
  const QString good = write("good.mrc", mrc_bytes(2, 2, 1, 2, 16));
  const QString bad = write(name, bytes);
  // The bad file fails with exit 1, and the good one is still reported.
  const auto r = run_cli({"info", "--json", bad, good});
  QCOMPARE(r.exit_code, 1);
  const QString err = QString::fromUtf8(r.err).trimmed();
  QCOMPARE(err.count('\n'), 0);
  QVERIFY2(err.contains(name) && err.contains(reason), qPrintable(err));
  QCOMPARE(r.out.trimmed().split('\n').size(), 1);
  const auto missing = run_cli({"info", dir_.path() + "/absent.tif"});
  QCOMPARE(missing.exit_code, 1);
  QVERIFY(missing.err.contains("absent.tif: cannot open"));
}

QTEST_APPLESS_MAIN(TestCliInfo)
#include "test_cli_info.moc"

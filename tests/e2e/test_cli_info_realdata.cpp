// `atelier-cli info --json` on every real sample file succeeds, prints one
// JSON object per file with the manifest's format and dims, and never
// writes to stderr (no library chatter).
#include "tests/support/test_support.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

class TestCliInfoRealdata : public QObject {
  Q_OBJECT
private slots:
  void allSampleFiles();
};

void TestCliInfoRealdata::allSampleFiles() {
  ATELIER_REQUIRE_SAMPLE_DATA();
  const QString root = atelier::test::sample_data_dir();
  QFile mf(root + "/manifest.json");
  QVERIFY(mf.open(QIODevice::ReadOnly));
  const QJsonArray files = QJsonDocument::fromJson(mf.readAll()).object().value("files").toArray();
  QStringList args{"info", "--json"};
  for (const auto& f : files)
    args << root + "/" + f.toObject().value("path").toString();

  QProcess p;
  p.start(qEnvironmentVariable("ATELIER_CLI"), args);
  QVERIFY(p.waitForFinished(240000));
  const QByteArray err = p.readAllStandardError();
  QVERIFY2(err.isEmpty(), err.constData());
  QCOMPARE(p.exitCode(), 0);
  const QList<QByteArray> lines = p.readAllStandardOutput().trimmed().split('\n');
  QCOMPARE(lines.size(), files.size());
  for (int i = 0; i < files.size(); ++i) {
    const QJsonObject want = files[i].toObject();
    const QJsonObject got = QJsonDocument::fromJson(lines[i]).object();
    QCOMPARE(got.value("format").toString(), want.value("format").toString());
    if (want.contains("dims")) QCOMPARE(got.value("dims").toArray(), want.value("dims").toArray());
  }
}

QTEST_APPLESS_MAIN(TestCliInfoRealdata)
#include "test_cli_info_realdata.moc"

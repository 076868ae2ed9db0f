#include "tests/support/test_support.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryFile>

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

namespace atelier::test {

QString sample_data_dir() {
  const QString dir = qEnvironmentVariable("ATELIER_SAMPLE_DATA");
  if (dir.isEmpty() || !QFileInfo(dir + "/manifest.json").exists()) return {};
  return QDir(dir).absolutePath();
}

std::string sample_path(const QString& relative) {
  return (sample_data_dir() + "/" + relative).toStdString();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

bool running_in_ci() {
  const QString ci = qEnvironmentVariable("CI").toLower();
  return ci == "true" || ci == "1";
}

QJsonArray manifest_entries(const QStringList& formats) {
  QFile f(sample_data_dir() + "/manifest.json");
  if (sample_data_dir().isEmpty() || !f.open(QIODevice::ReadOnly)) return {};
  QJsonArray out;
  for (const auto& v : QJsonDocument::fromJson(f.readAll()).object().value("files").toArray())
    if (formats.isEmpty() || formats.contains(v.toObject().value("format").toString()))
      out.append(v);
  return out;
}

void add_manifest_rows(const QStringList& formats) {
  QTest::addColumn<QJsonObject>("entry");
  const QJsonArray entries = manifest_entries(formats);
  for (const auto& v : entries) {
    const QJsonObject e = v.toObject();
    QTest::newRow(qPrintable(e.value("path").toString())) << e;
  }
  if (entries.isEmpty()) QTest::newRow("no manifest entries") << QJsonObject();
}

std::string capture_stderr(const std::function<void()>& action) {
  QTemporaryFile file;
  if (!file.open()) throw std::runtime_error("cannot create a temporary file");
  std::fflush(stderr);
  const int saved = ::dup(2);
  ::dup2(file.handle(), 2);
  try {
    action();
  } catch (...) {
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    throw;
  }
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  file.seek(0);
  return file.readAll().toStdString();
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void write_text(const std::string& path, const std::string& text) {
  write_file(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int run_program(const QString& program, const QStringList& args, QString* output) {
  QProcess p;
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(program, args);
  if (!p.waitForStarted(10000)) return -1;
  if (!p.waitForFinished(120000)) {
    p.kill();
    return -1;
  }
  if (output) *output = QString::fromLocal8Bit(p.readAll());
  return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

CliResult run_cli(const QStringList& args, int timeout_ms) {
  QProcess p;
  p.start(qEnvironmentVariable("ATELIER_CLI"), args);
  CliResult r;
  if (!p.waitForStarted(10000)) return r;
  if (!p.waitForFinished(timeout_ms)) {
    p.kill();
    p.waitForFinished();
    return r;
  }
  r.exit_code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = p.readAllStandardOutput();
  r.err = p.readAllStandardError();
  return r;
}

bool have_program(const QString& program) {
  return !QStandardPaths::findExecutable(program).isEmpty();
}

} // namespace atelier::test

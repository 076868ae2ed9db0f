// Detached atelier-cli processes.
#include "widgets/train/cli_process.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>

namespace atelier {

QString atelier_cli_path() {
  const QString env = qEnvironmentVariable("ATELIER_CLI");
  if (!env.isEmpty()) return env;
  return QDir(QCoreApplication::applicationDirPath()).filePath("atelier-cli");
}

bool start_cli_detached(const QStringList& args, const QString& log_file, QString* error) {
  const QString cli = atelier_cli_path();
  if (!QFileInfo(cli).isExecutable()) {
    if (error) *error = QObject::tr("%1: atelier-cli not found or not executable").arg(cli);
    return false;
  }
  QProcess process;
  process.setProgram(cli);
  process.setArguments(args);
  if (!log_file.isEmpty()) {
    process.setStandardOutputFile(log_file, QIODevice::Append);
    process.setStandardErrorFile(log_file, QIODevice::Append);
  }
  if (!process.startDetached()) {
    if (error) *error = QObject::tr("%1: cannot start (%2)").arg(cli, process.errorString());
    return false;
  }
  return true;
}

} // namespace atelier

// Training runs are separate atelier-cli processes (DESIGN.md, process
// model): closing or crashing the GUI never stops them.
#pragma once

#include <QString>
#include <QStringList>

namespace atelier {

// The atelier-cli beside this program, or ATELIER_CLI when set.
QString atelier_cli_path();

// Starts atelier-cli with args, detached (own session, output to
// log_file when given); false with *error when it cannot start.
bool start_cli_detached(const QStringList& args, const QString& log_file, QString* error);

} // namespace atelier

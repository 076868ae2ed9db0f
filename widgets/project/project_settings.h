// Where a project's view settings (the grid's filter, sort and thumbnail
// size, the metrics panel's metrics) live in QSettings: a group per project
// folder, named by a hash of its canonical path so any path is a valid key.
#pragma once

#include <QString>

namespace atelier {

// "projects/<sha1 of the canonical path>"
QString project_settings_group(const QString& project_dir);

} // namespace atelier

// A word on stderr when a command changes a project the app has open for
// writing: the change is safe (SQLite serialises writers) and the app picks
// it up within seconds, but the user should know who else is editing.
#pragma once

#include <string>

namespace atelier::cli {

void note_if_open_in_app(const std::string& project_dir);

} // namespace atelier::cli

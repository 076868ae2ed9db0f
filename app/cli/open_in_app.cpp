// The note for projects the app has open (see open_in_app.h).
#include "app/cli/open_in_app.h"

#include "core/project/writer_lock.h"

#include <iostream>

namespace atelier::cli {

void note_if_open_in_app(const std::string& project_dir) {
  if (const auto holder = project::WriterLock::holder(project_dir))
    std::cerr << "note: " << project_dir << " is open in " << holder->describe()
              << "; it shows these changes within seconds\n";
}

} // namespace atelier::cli

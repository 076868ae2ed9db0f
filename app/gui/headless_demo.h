// The demo without a display: makes (or resumes) the demo project with text
// progress and prints what it holds and how to curate it from the CLI.
#pragma once

#include "core/import/demo_project.h"

#include <iosfwd>

namespace atelier {

// Returns the process exit code (0 when the project is ready).
int run_headless_demo(const import::DemoPlan& plan, std::ostream& out, std::ostream& err);

} // namespace atelier

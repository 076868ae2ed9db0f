// For suites that render with VTK (atelier_render): skip without an X
// display, fail under CI=true, where scripts/test.sh runs ctest under Xvfb.
#pragma once

#include "tests/support/test_support.h"
#include "widgets/render/offscreen_render.h"

#define ATELIER_REQUIRE_DISPLAY()                                                                  \
  do {                                                                                             \
    if (!atelier::render::display_available()) {                                                   \
      if (atelier::test::running_in_ci()) QFAIL("no X display under CI");                          \
      QSKIP("rendering needs an X display (run under xvfb-run)");                                  \
    }                                                                                              \
  } while (0)

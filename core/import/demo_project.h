// The demo project: simulated cryo-EM sessions (one good, one with heavy
// drift and a poor envelope, so curation has something to reject) and the
// shared sample files when present, imported into DIR/demo.atelier. The raw
// data lives beside the project in DIR/data, as a user's would.
//
// Every step can be interrupted and resumed: a session is simulated again
// unless its truth.json (written last) exists, imports skip what they have,
// and DIR/demo-ready marks a demo whose imports all finished.
#pragma once

#include "core/import/importer.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace atelier::import {

struct DemoPlan {
  std::filesystem::path root;        // the demo's folder
  std::filesystem::path project_dir; // root / demo.atelier
  std::filesystem::path data_dir;    // root / data: the simulated sessions
  std::string sample_dir;            // sample files to import too; empty: none
};

// One import of the demo: its roots and options (dataset name, globs).
struct DemoImport {
  std::vector<std::string> paths;
  ImportOptions options;
};

// sample_dir is used only when it is a folder.
DemoPlan demo_plan(const std::filesystem::path& root, const std::string& sample_dir);
// Whether every step of the demo finished once (DIR/demo-ready).
bool demo_ready(const DemoPlan& plan);
void mark_demo_ready(const DemoPlan& plan);

// Simulates the sessions not yet on disk; progress(done, total) counts
// micrographs. Returns false when *cancel became true (the unfinished
// session is simulated again next time). Throws Error on a write failure.
bool simulate_demo_data(const DemoPlan& plan, const std::function<void(int, int)>& progress = {},
                        const std::atomic<bool>* cancel = nullptr);
// Opens the demo project, creating it when missing.
project::Project open_demo_project(const DemoPlan& plan);
// The imports that fill it, in order (the sessions, then the samples).
std::vector<DemoImport> demo_imports(const DemoPlan& plan, int threads);

} // namespace atelier::import

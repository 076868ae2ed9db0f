// The demo project (see demo_project.h).
#include "core/import/demo_project.h"

#include "core/base/error.h"
#include "core/simulate/micrograph_simulator.h"

#include <fstream>
#include <system_error>

namespace atelier::import {
namespace {

struct DemoSession {
  const char* name;
  simulate::SimulationOptions options;
};

// Two microscope sessions of 1024^2 micrographs (8 frames, int8 movies, as
// counting detectors write them): a good one, and one whose stage drifted
// and whose envelope is poor, so its CTF fits and sharpness are worse.
std::vector<DemoSession> demo_sessions() {
  simulate::SimulationOptions good;
  good.count = 12;
  good.size = 1024;
  good.frames = 8;
  good.seed = 2026;
  good.movie_storage = simulate::MovieStorage::int8;
  simulate::SimulationOptions poor = good;
  poor.count = 6;
  poor.seed = 2027;
  poor.bfactor_A2 = 400.0;
  poor.drift_max_px = 24.0;
  poor.ice_thickness_A = 900.0;
  return {{"session_1", good}, {"session_2_drift", poor}};
}

struct Cancelled {};

} // namespace

DemoPlan demo_plan(const std::filesystem::path& root, const std::string& sample_dir) {
  DemoPlan plan;
  plan.root = root;
  plan.project_dir = root / "demo.atelier";
  plan.data_dir = root / "data";
  std::error_code ec;
  if (!sample_dir.empty() && std::filesystem::is_directory(sample_dir, ec))
    plan.sample_dir = sample_dir;
  return plan;
}

bool demo_ready(const DemoPlan& plan) {
  std::error_code ec;
  return std::filesystem::exists(plan.root / "demo-ready", ec) &&
         std::filesystem::exists(plan.project_dir / "project.sqlite", ec);
}

void mark_demo_ready(const DemoPlan& plan) {
  std::ofstream(plan.root / "demo-ready") << "sample_dir=" << plan.sample_dir << '\n';
}

bool simulate_demo_data(const DemoPlan& plan, const std::function<void(int, int)>& progress,
                        const std::atomic<bool>* cancel) {
  const std::vector<DemoSession> sessions = demo_sessions();
  int total = 0;
  for (const DemoSession& s : sessions)
    total += s.options.count;
  int done = 0;
  for (const DemoSession& s : sessions) {
    const std::filesystem::path dir = plan.data_dir / s.name;
    std::error_code ec;
    if (std::filesystem::exists(dir / "truth.json", ec)) {
      done += s.options.count;
      if (progress) progress(done, total);
      continue;
    }
    if (cancel && cancel->load()) return false;
    try {
      simulate::simulate_micrographs(dir.string(), s.options, [&](int session_done, int) {
        if (progress) progress(done + session_done, total);
        if (cancel && cancel->load()) throw Cancelled{};
      });
    } catch (const Cancelled&) {
      return false;
    }
    done += s.options.count;
  }
  return true;
}

project::Project open_demo_project(const DemoPlan& plan) {
  std::error_code ec;
  if (std::filesystem::exists(plan.project_dir / "project.sqlite", ec))
    return project::Project::open(plan.project_dir);
  std::filesystem::create_directories(plan.root, ec);
  if (ec) throw Error("cannot create the demo folder " + plan.root.string() + ": " + ec.message());
  // A folder left by an interrupted create holds no database: start again.
  std::filesystem::remove_all(plan.project_dir, ec);
  return project::Project::create(plan.project_dir);
}

std::vector<DemoImport> demo_imports(const DemoPlan& plan, int threads) {
  std::vector<DemoImport> imports;
  DemoImport sessions;
  for (const DemoSession& s : demo_sessions())
    sessions.paths.push_back((plan.data_dir / s.name).string());
  // The noiseless truth is the simulator's; a microscope never writes one.
  sessions.options.exclude_globs = {"*_clean.mrc"};
  sessions.options.threads = threads;
  imports.push_back(sessions);
  if (!plan.sample_dir.empty()) {
    DemoImport samples;
    samples.paths = {plan.sample_dir};
    samples.options.dataset_name = "samples";
    samples.options.threads = threads;
    imports.push_back(samples);
  }
  return imports;
}

} // namespace atelier::import

// The headless demo (see headless_demo.h).
#include "app/gui/headless_demo.h"

#include "core/import/importer.h"
#include "core/project/project.h"

#include <algorithm>
#include <iostream>
#include <ostream>
#include <thread>

#include <unistd.h>

namespace atelier {
namespace {

// "name 12, other 3" for (name, count) pairs.
template <class Pairs>
void print_counts(std::ostream& out, const Pairs& pairs) {
  bool first = true;
  for (const auto& [name, count] : pairs) {
    out << (first ? "" : ", ") << name << ' ' << count;
    first = false;
  }
  out << '\n';
}

// What the demo holds, and how to curate it from the command line.
void print_summary(const import::DemoPlan& plan, std::ostream& out) {
  const project::Project p = project::Project::open(plan.project_dir);
  const project::ProjectStats s = p.stats();
  const std::string dir = plan.project_dir.string();
  out << "the demo project: " << dir << '\n'
      << "  " << s.items << " items (" << s.import_errors << " unreadable)\n  datasets: ";
  print_counts(out, s.datasets);
  out << "  kinds: ";
  print_counts(out, s.kinds);
  out << "  metrics: " << s.metrics.size() << " (atelier-cli stats shows their ranges)\n";
  out << "curate it from the command line:\n";
  out << "  atelier-cli ls '" << dir << "' --where 'kind = image' --sort -thon_visibility\n";
  out << "  atelier-cli ls '" << dir << "' --where 'kind = movie' --sort -drift_total_A\n";
  out << "  atelier-cli set '" << dir << "' --status reject --where 'dataset = session_2_drift'\n";
  out << "  atelier-cli stats '" << dir << "' --where 'status != reject'\n";
  out << "or open it in the app (with a display): atelier --demo\n";
}

// Simulates and imports what is missing; progress on one line on a
// terminal, the totals only otherwise.
void make_demo(const import::DemoPlan& plan, std::ostream& out, std::ostream& err, bool tty) {
  import::simulate_demo_data(plan, [&](int done, int total) {
    if (tty || done == total)
      out << "\rsimulating micrographs " << done << '/' << total << std::flush;
});
out << '\n';
project::Project p = import::open_demo_project(plan);
const int threads = int(std::max(1u, std::thread::hardware_concurrency()));
for (const import::DemoImport& job : import::demo_imports(plan, threads)) {
  const auto report = [&](const import::ImportProgress& pr) {
    if (pr.done == pr.total || (tty && pr.done % 8 == 0))
      out << "\rimporting " << pr.done << '/' << pr.total << std::flush;
  };
  const import::ImportSummary s = import::import_paths(p, job.paths, job.options, report);
  out << "\nimported " << s.imported << ", " << s.errors << " unreadable, " << s.skipped_unchanged
      << " unchanged\n";
  for (const std::string& m : s.error_messages)
    err << "  " << m << '\n';
}
import::mark_demo_ready(plan);
} // namespace

} // namespace atelier

int run_headless_demo(const import::DemoPlan& plan, std::ostream& out, std::ostream& err) {
  try {
    out << "demo folder: " << plan.root.string() << '\n';
    if (!import::demo_ready(plan)) make_demo(plan, out, err, &out == &std::cout && isatty(1));
    print_summary(plan, out);
    return 0;
  } catch (const std::exception& e) {
    err << "atelier: the demo failed: " << e.what() << '\n';
    return 1;
  }
}

} // namespace atelier

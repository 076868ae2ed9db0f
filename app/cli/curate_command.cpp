// Curation from the command line: `set` (accept/reject), `label`, `split`,
// `undo` and `redo`. Each change is one transaction with one event in the
// project's log, so the GUI's undo sees command-line changes too.
#include "app/cli/commands.h"
#include "app/cli/item_query_options.h"
#include "app/cli/open_in_app.h"
#include "core/project/project.h"

#include <iostream>

namespace atelier::cli {
namespace {

// Items a bulk change applies to: --where EXPR, or every item with --all (a
// bulk change never defaults to everything by accident).
std::vector<std::int64_t> chosen_items(const project::Project& p, const CliOptions& o) {
  if (o.has("where") == o.flag("all")) throw UsageError("give either --where EXPR or --all");
  return p.query_ids(item_query(o).filter);
}

// Runs body, mapping errors to exit codes: usage 2, anything else 1.
template <typename Fn>
int guarded(const char* command, const char* usage, Fn&& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    std::cerr << "error: " << command << ": " << e.what() << '\n' << usage;
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "error: " << command << ": " << e.what() << '\n';
    return kExitFileError;
  }
}

} // namespace

int run_set(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli set PROJECT --status accept|reject|none (--where EXPR | --all)\n";
  return guarded("set", usage, [&] {
    const CliOptions o = parse_options(args, {"status", "where"}, {"all"});
    if (o.positional().size() != 1) throw UsageError("give one project");
    const std::string status = o.required("status");
    if (status != "accept" && status != "reject" && status != "none")
      throw UsageError("--status must be accept, reject or none, not '" + status + "'");
    project::Project p = project::Project::open(o.positional()[0]);
    note_if_open_in_app(o.positional()[0]);
    const auto ids = chosen_items(p, o);
    if (!ids.empty()) p.set_status(ids, project::parse_status(status));
    std::cout << ids.size() << " items set to " << status << '\n';
    return kExitOk;
  });
}

int run_label(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli label PROJECT NAME (--where EXPR | --all) [--remove]\n"
      "       atelier-cli label PROJECT NAME --rename NEW   on every item and in the label set\n";
  return guarded("label", usage, [&] {
    const CliOptions o = parse_options(args, {"where", "rename"}, {"all", "remove"});
    if (o.positional().size() != 2) throw UsageError("give a project and a label name");
    const std::string& name = o.positional()[1];
    if (name.empty()) throw UsageError("a label needs a name");
    project::Project p = project::Project::open(o.positional()[0]);
    note_if_open_in_app(o.positional()[0]);
    if (o.has("rename")) {
      if (o.has("where") || o.has("all") || o.has("remove"))
        throw UsageError("--rename renames the label everywhere: no --where, --all or --remove");
      const std::string to = o.text("rename", "");
      if (to.empty()) throw UsageError("--rename needs the new name");
      const std::size_t n = p.rename_label(name, to);
      std::cout << n << " items: '" << name << "' renamed to '" << to << "'\n";
      return kExitOk;
    }
    const auto ids = chosen_items(p, o);
    if (!ids.empty()) {
      if (o.flag("remove"))
        p.remove_label(ids, name);
      else
        p.add_label(ids, name);
    }
    std::cout << ids.size() << " items " << (o.flag("remove") ? "without" : "labelled") << " '"
              << name << "'\n";
    return kExitOk;
  });
}

int run_split(const std::vector<std::string>& args) {
  static const char* usage =
      "usage: atelier-cli split PROJECT [--train 0.8] [--val 0.1] [--test 0.1] [--seed S]\n"
      "                         [--group-by METADATA_KEY]\n"
      "  Assigns every item to train/val/test; items sharing the metadata value stay\n"
      "  together. Deterministic for a seed; undoable.\n";
  return guarded("split", usage, [&] {
    const CliOptions o = parse_options(args, {"train", "val", "test", "seed", "group-by"}, {});
    if (o.positional().size() != 1) throw UsageError("give one project");
    project::SplitFractions f;
    f.train = o.number("train", 0.8, 0.0, 1.0);
    f.val = o.number("val", 0.1, 0.0, 1.0);
    f.test = o.number("test", 0.1, 0.0, 1.0);
    const double total = f.train + f.val + f.test;
    if (total < 0.999 || total > 1.001)
      throw UsageError("--train, --val and --test must add up to 1 (they add up to " +
                       std::to_string(total) + ")");
    const auto seed = static_cast<std::uint64_t>(o.integer("seed", 0, 0, INT64_MAX));
    project::Project p = project::Project::open(o.positional()[0]);
    note_if_open_in_app(o.positional()[0]);
    const auto c = p.assign_splits(f, seed, o.text("group-by", ""));
    std::cout << "train " << c.train << ", val " << c.val << ", test " << c.test << '\n';
    return kExitOk;
  });
}

namespace {

int undo_or_redo(const std::vector<std::string>& args, bool redo) {
  const char* command = redo ? "redo" : "undo";
  const std::string usage = std::string("usage: atelier-cli ") + command + " PROJECT\n";
  return guarded(command, usage.c_str(), [&] {
    const CliOptions o = parse_options(args, {}, {});
    if (o.positional().size() != 1) throw UsageError("give one project");
    project::Project p = project::Project::open(o.positional()[0]);
    note_if_open_in_app(o.positional()[0]);
    const std::optional<project::Event> e = redo ? p.redo() : p.undo();
    if (!e) {
      std::cout << "nothing to " << command << '\n';
      return kExitOk;
    }
    std::cout << (redo ? "redone: " : "undone: ") << e->kind << " of " << e->time << '\n';
    return kExitOk;
  });
}

} // namespace

int run_undo(const std::vector<std::string>& args) {
  return undo_or_redo(args, false);
}
int run_redo(const std::vector<std::string>& args) {
  return undo_or_redo(args, true);
}

} // namespace atelier::cli

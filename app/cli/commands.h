// Subcommands of atelier-cli. Each takes its own arguments (after the
// subcommand name) and returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace atelier::cli {

// Exit codes: 0 success, 1 a file could not be read, 2 usage or build error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFileError = 1;
inline constexpr int kExitUsage = 2;

int run_info(const std::vector<std::string>& args);
int run_bench(const std::vector<std::string>& args);
int run_train(const std::vector<std::string>& args);
int run_denoise(const std::vector<std::string>& args);
int run_simulate(const std::vector<std::string>& args);
int run_project(const std::vector<std::string>& args); // builds with the format libraries
int run_import(const std::vector<std::string>& args);  // builds with the format libraries
// Curation (with the format libraries too): query_commands.cpp, curate_command.cpp,
// export_command.cpp, and relink in project_command.cpp.
int run_ls(const std::vector<std::string>& args);
int run_stats(const std::vector<std::string>& args);
int run_set(const std::vector<std::string>& args);
int run_label(const std::vector<std::string>& args);
int run_split(const std::vector<std::string>& args);
int run_undo(const std::vector<std::string>& args);
int run_redo(const std::vector<std::string>& args);
int run_export(const std::vector<std::string>& args);
int run_relink(const std::vector<std::string>& args);
// 3D rendering (links atelier_render, the VTK-only scene library): render_command.cpp,
// thumbnails_command.cpp (3D-rendered grid thumbnails of a project's volumes).
int run_render(const std::vector<std::string>& args);
int run_thumbnails(const std::vector<std::string>& args);
// Movie processing (drift-corrected sums and halves): movies_command.cpp.
int run_movies(const std::vector<std::string>& args);

} // namespace atelier::cli

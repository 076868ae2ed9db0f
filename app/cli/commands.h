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

} // namespace atelier::cli

// `atelier-cli info [--json] FILE...`: header facts and statistics of files.
#include "app/cli/commands.h"
#include "app/cli/info_summary.h"
#include "core/base/error.h"
#include "core/io/file_info_json.h"
#include "core/io/file_inspect.h"

#include <algorithm>
#include <iostream>

namespace atelier::cli {

int run_info(const std::vector<std::string>& args) {
  bool json = false;
  std::vector<std::string> files;
  for (const auto& a : args) {
    if (a == "--json") {
      json = true;
    } else if (a == "-h" || a == "--help") {
      std::cout << "usage: atelier-cli info [--json] FILE...\n"
                   "  Prints format, dimensions, stored type, pixel size and statistics.\n"
                   "  --json  one JSON object per file (one object for one file)\n";
      return kExitOk;
    } else if (a.starts_with("--")) {
      std::cerr << "atelier-cli info: unknown option " << a << '\n';
      return kExitUsage;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    std::cerr << "atelier-cli info: no file given (usage: atelier-cli info [--json] FILE...)\n";
    return kExitUsage;
  }

  int rc = kExitOk;
  for (const auto& path : files) {
    try {
      const FileInfo info = inspect_file(path);
      if (json)
        std::cout << file_info_to_json(info, files.size() == 1 ? 1 : -1) << '\n';
      else
        std::cout << info_summary(info);
      std::cout.flush();
    } catch (const UnsupportedError& e) {
      std::cerr << "error: " << e.message() << '\n';
      rc = std::max(rc, kExitUsage);
    } catch (const Error& e) {
      std::cerr << "error: " << e.message() << '\n';
      rc = std::max(rc, kExitFileError);
    } catch (const std::bad_alloc&) {
      std::cerr << "error: " << path << ": out of memory while reading\n";
      rc = std::max(rc, kExitFileError);
    } catch (const std::exception& e) {
      std::cerr << "error: " << path << ": " << e.what() << '\n';
      rc = std::max(rc, kExitFileError);
    }
  }
  return rc;
}

} // namespace atelier::cli

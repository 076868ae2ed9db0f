// Option parsing for atelier-cli subcommands.
#include "app/cli/cli_options.h"

#include "core/base/error.h"

#include <charconv>
#include <cmath>

namespace atelier::cli {

CliOptions::CliOptions(const std::vector<std::string>& args, const std::set<std::string>& valued,
                       const std::set<std::string>& flags) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const std::size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (flags.count(name)) {
      if (inline_value) throw Error("option --" + name + " takes no value");
      values_[name] = "1";
    } else if (valued.count(name)) {
      if (!inline_value) {
        if (i + 1 >= args.size()) throw Error("option --" + name + " needs a value");
        value = args[++i];
      }
      values_[name] = value;
    } else {
      throw Error("unknown option --" + name);
    }
  }
}

bool CliOptions::has(const std::string& name) const {
  return values_.count(name) != 0;
}

std::string CliOptions::text(const std::string& name, const std::string& fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::string CliOptions::required(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) throw Error("option --" + name + " is required");
  return it->second;
}

std::int64_t CliOptions::integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                                 std::int64_t max) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  std::int64_t v = 0;
  const char* b = it->second.data();
  const char* e = b + it->second.size();
  const auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e || v < min || v > max)
    throw Error("option --" + name + " must be an integer in [" + std::to_string(min) + ", " +
                std::to_string(max) + "], got '" + it->second + "'");
  return v;
}

double CliOptions::number(const std::string& name, double fallback, double min, double max) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  double v = 0;
  const char* b = it->second.data();
  const char* e = b + it->second.size();
  const auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e || !std::isfinite(v) || v < min || v > max)
    throw Error("option --" + name + " must be a number in [" + std::to_string(min) + ", " +
                std::to_string(max) + "], got '" + it->second + "'");
  return v;
}

} // namespace atelier::cli

// A small command-line option reader for the subcommands: "--name value",
// "--name=value" and flags, checked against the options a command knows, with
// typed getters that name the option in their errors.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace atelier::cli {

class CliOptions {
public:
  // valued: options that take a value; flags: those that do not. Throws
  // atelier::Error for an unknown option or a missing value; everything not
  // starting with "--" is positional.
  CliOptions(const std::vector<std::string>& args, const std::set<std::string>& valued,
             const std::set<std::string>& flags = {});

  bool has(const std::string& name) const;
  bool flag(const std::string& name) const { return has(name); }
  std::string text(const std::string& name, const std::string& fallback) const;
  std::string required(const std::string& name) const;
  // Integers within [min, max]; Error naming the option otherwise.
  std::int64_t integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  double number(const std::string& name, double fallback, double min, double max) const;
  const std::vector<std::string>& positional() const { return positional_; }

private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

} // namespace atelier::cli

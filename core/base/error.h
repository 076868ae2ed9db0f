// Exceptions thrown by Atelier's libraries. Every error carries the source
// location that raised it; format errors also name the file and the reason.
// Libraries throw, they never exit(); the app catches at thread and process
// boundaries.
#pragma once

#include <stdexcept>
#include <string>

namespace atelier {

// Where an error was raised. Not std::source_location: clang 14 (the fuzz
// build) cannot compile libstdc++ 12's <source_location>. __builtin_FILE and
// __builtin_LINE in a default argument give the caller's location in both
// GCC and clang.
struct SourceLocation {
  const char* file = "";
  unsigned line = 0;
  static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                          unsigned line = __builtin_LINE()) noexcept {
    return {file, line};
  }
};

class Error : public std::runtime_error {
public:
  explicit Error(const std::string& message, SourceLocation where = SourceLocation::current());
  // The message without the source location, for people.
  const std::string& message() const noexcept { return message_; }
  const char* source_file() const noexcept { return file_; }
  unsigned source_line() const noexcept { return line_; }

private:
  std::string message_;
  const char* file_ = "";
  unsigned line_ = 0;
};

// A file could not be read or written as the format it claims to be.
// what() is one line: "<path>: <reason>".
class FormatError : public Error {
public:
  FormatError(const std::string& path, const std::string& reason,
              SourceLocation where = SourceLocation::current());
  const std::string& path() const noexcept { return path_; }
  const std::string& reason() const noexcept { return reason_; }

private:
  std::string path_;
  std::string reason_;
};

// The build lacks a library a format or feature needs.
class UnsupportedError : public Error {
public:
  using Error::Error;
};

} // namespace atelier

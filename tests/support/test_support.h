// Helpers shared by the Qt Test suites: sample-data lookup (skip when absent,
// fail under CI), temporary files, running independent tools and atelier-cli.
#pragma once

#include <QByteArray>
#include <QJsonArray>
#include <QString>
#include <QStringList>
#include <QTest>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace atelier::test {

// The ../shared/data folder, or an empty string when it is absent.
QString sample_data_dir();
// Absolute path of a sample file ("cryoem/EMD-3197.map").
std::string sample_path(const QString& relative);
bool running_in_ci();
// Entries of ../shared/data/manifest.json whose "format" is one of formats
// (all entries when formats is empty); empty when the manifest is absent.
QJsonArray manifest_entries(const QStringList& formats = {});
// For a data-driven test function: an "entry" column (QJsonObject) and one
// row per manifest entry of formats (all when empty), named by its path.
// With no entries (sample data absent) one empty placeholder row is added,
// so the function still runs and reports itself skipped.
void add_manifest_rows(const QStringList& formats = {});
// What `action` wrote to stderr (file descriptor 2), e.g. library chatter.
std::string capture_stderr(const std::function<void()>& action);

// The median (the mean of the middle two for an even count; 0 when empty):
// benchmarks report medians of noisy timings.
double median(std::vector<double> values);

void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes);
void write_text(const std::string& path, const std::string& text);
std::vector<std::uint8_t> read_file(const std::string& path);

// Runs an external program; returns its exit code (-1 if it could not start).
// Output goes to *output when given.
int run_program(const QString& program, const QStringList& args, QString* output = nullptr);
bool have_program(const QString& program);

// What atelier-cli (the ATELIER_CLI the tests are given) printed and
// returned; exit_code -1 when it did not start, crashed or ran past timeout
// (then it is killed).
struct CliResult {
  int exit_code = -1;
  QByteArray out, err;
};
CliResult run_cli(const QStringList& args, int timeout_ms = 120000);

} // namespace atelier::test

// Skips the test function when ../shared/data is absent; fails under CI=true.
#define ATELIER_REQUIRE_SAMPLE_DATA()                                                              \
  do {                                                                                             \
    if (atelier::test::sample_data_dir().isEmpty()) {                                              \
      if (atelier::test::running_in_ci()) QFAIL("sample data ../shared/data missing");             \
      QSKIP("sample data ../shared/data is absent");                                               \
    }                                                                                              \
  } while (0)

// Skips when an independent tool (gdal_translate, gdcmconv, ...) is missing;
// fails under CI=true, where scripts/install-deps.sh must have installed it.
#define ATELIER_REQUIRE_PROGRAM(name)                                                              \
  do {                                                                                             \
    if (!atelier::test::have_program(name)) {                                                      \
      if (atelier::test::running_in_ci()) QFAIL("tool missing: " name);                            \
      QSKIP("tool missing: " name);                                                                \
    }                                                                                              \
  } while (0)

// Asserts that `statement` throws ExceptionType whose what() contains `needle`.
#define ATELIER_VERIFY_THROWS(statement, ExceptionType, needle)                                    \
  do {                                                                                             \
    bool thrown_ = false;                                                                          \
    try {                                                                                          \
      statement;                                                                                   \
    } catch (const ExceptionType& e_) {                                                            \
      thrown_ = true;                                                                              \
      const std::string what_ = e_.what();                                                         \
      if (what_.find(needle) == std::string::npos)                                                 \
        QFAIL(qPrintable(QString("message \"%1\" lacks \"%2\"")                                    \
                             .arg(QString::fromStdString(what_), QString(needle))));               \
    }                                                                                              \
    if (!thrown_) QFAIL("expected " #ExceptionType " from: " #statement);                          \
  } while (0)

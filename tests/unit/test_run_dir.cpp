// Unit tests of the run directory (create/resume, atomic status, metrics with
// torn lines and NaN, truncation on resume, log, checkpoint discovery), the
// checkpoint container (bit-exact round trip, read and write errors), the
// progress line and printer, and the stop-signal flag.
#include "core/base/error.h"
#include "core/io/safetensors.h"
#include "core/run/checkpoint.h"
#include "core/run/metrics_log.h"
#include "core/run/progress_bar.h"
#include "core/run/run_dir.h"
#include "core/run/run_json.h"
#include "core/run/run_status.h"
#include "core/run/stop_signal.h"
#include "tests/support/test_support.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <thread>

using namespace atelier;
using namespace atelier::run;
namespace fs = std::filesystem;

namespace {

std::string text_of(const std::string& path) {
  const auto bytes = test::read_file(path);
  return std::string(bytes.begin(), bytes.end());
}

void append_text(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "ab");
  QVERIFY(f != nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

std::vector<std::string> dir_names(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

float float_from_bits(std::uint32_t bits) {
  float f = 0;
  std::memcpy(&f, &bits, 4);
  return f;
}

Checkpoint small_checkpoint(std::int64_t step) {
  Checkpoint ck;
  ck.step = step;
  ck.recipe_json = R"({"recipe":"denoise"})";
  ck.tensors.push_back({"enc.0.0.weight", {2, 2}, {1.f, 2.f, 3.f, 4.f}});
  ck.tensors.push_back({"optim.exp_avg.enc.0.0.weight", {2, 2}, {0.f, 0.f, 0.f, 0.f}});
  ck.rng_state = {1, 2, 3};
  return ck;
}

std::string memstream_text(const std::function<void(std::FILE*)>& fn) {
  char* buf = nullptr;
  std::size_t len = 0;
  std::FILE* f = ::open_memstream(&buf, &len);
  fn(f);
  std::fclose(f);
  std::string out(buf, len);
  std::free(buf);
  return out;
}

extern "C" void dummy_handler(int) {}

// ATELIER_VERIFY_THROWS with a std::string needle.
#define VERIFY_THROWS_STR(statement, ExceptionType, needle)                                        \
  do {                                                                                             \
    const std::string needle_text_ = needle;                                                       \
    ATELIER_VERIFY_THROWS(statement, ExceptionType, needle_text_.c_str());                         \
  } while (0)

} // namespace

class TestRunDir : public QObject {
  Q_OBJECT

private slots:
  void testCreateAndOpen() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/runs/run-1";
    const std::string run_json =
        "{\"recipe\": {\"lr\": 0.001, \"steps\": 1000}, \"code\": \"abc\"}";
    {
      RunDirectory rd = RunDirectory::create(path, run_json);
      QCOMPARE(rd.path(), path);
      QCOMPARE(rd.run_json(), run_json);
    }
    QCOMPARE(text_of(path + "/run.json"), run_json);
    QVERIFY(fs::is_directory(path + "/checkpoints"));
    QCOMPARE(dir_names(path), (std::vector<std::string>{"checkpoints", "run.json"}));

    // Resume reads run.json back and recreates a missing checkpoints/.
    fs::remove(path + "/checkpoints");
    const RunDirectory rd = RunDirectory::open_for_resume(path);
    QCOMPARE(rd.run_json(), run_json);
    QVERIFY(fs::is_directory(path + "/checkpoints"));

    // An existing empty folder may become a run.
    const std::string empty = tmp.path().toStdString() + "/empty";
    fs::create_directory(empty);
    RunDirectory::create(empty, "{}");
    QCOMPARE(text_of(empty + "/run.json"), std::string("{}"));
  }

  void testDiscardRemovesOnlyWhatTheRunWrote() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    {
      RunDirectory rd = RunDirectory::create(path, "{}");
      rd.log("started");
      rd.write_status({});
      rd.discard(true);
    }
    QVERIFY(!fs::exists(path)); // nothing else was there: the folder goes too
    {
      RunDirectory rd = RunDirectory::create(path, "{}");
      rd.log("started");
      test::write_text(path + "/notes.txt", "what I tried");
      rd.discard(true);
    }
    QCOMPARE(dir_names(path), std::vector<std::string>{"notes.txt"});
  }

  void testCreateRefusesExistingRun() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    RunDirectory::create(path, "{\"a\":1}");
    VERIFY_THROWS_STR(RunDirectory::create(path, "{\"a\":2}"), Error,
                      path + ": run directory already exists and is not empty; resume it or "
                             "choose another run id");
    QCOMPARE(text_of(path + "/run.json"), std::string("{\"a\":1}")); // untouched

    const std::string file = tmp.path().toStdString() + "/plain_file";
    test::write_text(file, "x");
    VERIFY_THROWS_STR(RunDirectory::create(file, "{}"), Error,
                      file + ": exists and is not a folder");
  }

  void testCreateOpenErrors_data() {
    QTest::addColumn<QString>("run_json");
    QTest::addColumn<QString>("error");
    QTest::newRow("not an object") << "[1, 2]"
                                   << "run.json: run.json is not a JSON object";
    QTest::newRow("cut") << "{\"recipe\": {\"lr\": 0.0"
                         << "run.json: invalid JSON: unexpected end at byte 21";
    QTest::newRow("garbage") << "{\"a\": tru}"
                             << "run.json: invalid JSON: unexpected character at byte 6";
    QTest::newRow("trailing") << "{} x"
                              << "run.json: invalid JSON: trailing characters at byte 3";
  }
  void testCreateOpenErrors() {
    QFETCH(QString, run_json);
    QFETCH(QString, error);
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    VERIFY_THROWS_STR(RunDirectory::create(path, run_json.toStdString()), FormatError,
                      error.toStdString());
    QVERIFY(!fs::exists(path)); // nothing created for bad input
    fs::create_directory(path);
    test::write_text(path + "/run.json", run_json.toStdString());
    VERIFY_THROWS_STR(RunDirectory::open_for_resume(path), FormatError, error.toStdString());
  }

  void testOpenForResumeNotARun() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString();
    VERIFY_THROWS_STR(RunDirectory::open_for_resume(path), FormatError,
                      path + ": not a run directory (no run.json)");
    VERIFY_THROWS_STR(RunDirectory::open_for_resume(path + "/missing"), FormatError,
                      path + "/missing: not a run directory (no such folder)");
  }

  void testStatusRoundTrip() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    RunDirectory rd = RunDirectory::create(path, "{}");
    RunStatus s;
    s.state = RunState::running;
    s.pid = 4242;
    s.host = "node-07";
    s.step = 450;
    s.total_steps = 1000;
    s.message = "loss \"ok\"\nnext";
    s.updated_unix_s = 1714566896.5;
    rd.write_status(s);
    QCOMPARE(text_of(path + "/status.json"),
             std::string("{\n"
                         "  \"state\": \"running\",\n"
                         "  \"pid\": 4242,\n"
                         "  \"host\": \"node-07\",\n"
                         "  \"step\": 450,\n"
                         "  \"total_steps\": 1000,\n"
                         "  \"message\": \"loss \\\"ok\\\"\\nnext\",\n"
                         "  \"updated\": \"2024-05-01T12:34:56Z\",\n"
                         "  \"updated_unix_s\": 1714566896.5\n"
                         "}\n"));
    const RunStatus r = read_status(path);
    QVERIFY(r.state == RunState::running);
    QCOMPARE(r.pid, std::int64_t{4242});
    QCOMPARE(r.host, std::string("node-07"));
    QCOMPARE(r.step, std::int64_t{450});
    QCOMPARE(r.total_steps, std::int64_t{1000});
    QCOMPARE(r.message, s.message);
    QCOMPARE(r.updated_unix_s, 1714566896.5);

    // Zero pid, empty host and zero time are filled in.
    RunStatus d;
    d.state = RunState::done;
    rd.write_status(d);
    const RunStatus rd2 = read_status(path);
    QVERIFY(rd2.state == RunState::done);
    QCOMPARE(rd2.pid, std::int64_t{::getpid()});
    QVERIFY(!rd2.host.empty());
    QVERIFY(rd2.updated_unix_s > 1.7e9);
    QCOMPARE(dir_names(path), (std::vector<std::string>{"checkpoints", "run.json", "status.json"}));

    for (const char* name : {"queued", "running", "done", "failed", "stopped"})
      QCOMPARE(run_state_name(*parse_run_state(name)), std::string_view(name));
    QVERIFY(!parse_run_state("paused"));
  }

  void testStatusReplaceIsAtomic() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    RunDirectory rd = RunDirectory::create(path, "{}");
    RunStatus s;
    s.state = RunState::running;
    s.message = std::string(20000, 'm'); // large enough that a torn write would show
    s.step = 0;
    rd.write_status(s);
    std::atomic<bool> done{false};
    std::thread writer([&] {
      RunStatus w = s;
      for (int i = 1; i <= 300; ++i) {
        w.step = i;
        rd.write_status(w);
      }
      done = true;
    });
    int reads = 0;
    std::int64_t last = 0;
    bool ok = true;
    while (!done || reads < 10) {
      try {
        const RunStatus r = read_status(path);
        if (r.step < last || r.message.size() != 20000) ok = false;
        last = r.step;
      } catch (const Error&) {
        ok = false;
      }
      ++reads;
    }
    writer.join();
    QVERIFY2(ok, "a reader saw a partial or older status.json");
    QCOMPARE(read_status(path).step, std::int64_t{300});
    QCOMPARE(dir_names(path), (std::vector<std::string>{"checkpoints", "run.json", "status.json"}));
  }

  void testStatusErrors_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");
    QTest::newRow("missing") << ""
                             << "status.json: no status.json";
    QTest::newRow("torn") << "{\"state\": \"runn"
                          << "status.json: invalid JSON: unterminated string at byte 15";
    QTest::newRow("array") << "[]"
                           << "status.json: status is not a JSON object";
    QTest::newRow("no state") << "{\"step\": 1}"
                              << "status.json: no \"state\"";
    QTest::newRow("bad state") << "{\"state\": \"paused\"}"
                               << "status.json: unknown state \"paused\"";
    QTest::newRow("step text") << "{\"state\": \"done\", \"step\": \"7\"}"
                               << "status.json: \"step\" is not an integer";
    QTest::newRow("step float") << "{\"state\": \"done\", \"step\": 7.5}"
                                << "status.json: \"step\" is not an integer";
    QTest::newRow("time text") << "{\"state\": \"done\", \"updated_unix_s\": \"now\"}"
                               << "status.json: \"updated_unix_s\" is not a number";
  }
  void testStatusErrors() {
    QFETCH(QString, text);
    QFETCH(QString, error);
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    if (!text.isEmpty()) test::write_text(dir + "/status.json", text.toStdString());
    VERIFY_THROWS_STR(read_status(dir), FormatError, error.toStdString());
  }

  void testMetricsAppendAndRead() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    {
      RunDirectory rd = RunDirectory::create(path, "{}");
      rd.append_metrics(MetricsRecord().add("step", 1).add("time_s", 0.5).add("loss", 0.25));
      rd.append_metrics(MetricsRecord()
                            .add("step", 2)
                            .add("loss", std::numeric_limits<double>::quiet_NaN())
                            .add("grad_norm", std::numeric_limits<double>::infinity())
                            .add("lr", -std::numeric_limits<double>::infinity())
                            .add("phase", "val \"x\"")
                            .add("big", std::int64_t{9007199254740993}));
    }
    const std::string metrics = path + "/metrics.jsonl";
    QCOMPARE(text_of(metrics),
             std::string("{\"step\":1,\"time_s\":0.5,\"loss\":0.25}\n"
                         "{\"step\":2,\"loss\":null,\"grad_norm\":null,\"lr\":null,"
                         "\"phase\":\"val \\\"x\\\"\",\"big\":9007199254740993}\n"));
    std::size_t skipped = 99;
    auto recs = read_metrics(metrics, &skipped);
    QCOMPARE(skipped, std::size_t{0});
    QCOMPARE(recs.size(), std::size_t{2});
    QCOMPARE(recs[0].fields.size(), std::size_t{3});
    QCOMPARE(recs[0].fields[1].first, std::string("time_s"));
    QCOMPARE(*recs[0].step(), std::int64_t{1});
    QCOMPARE(*recs[0].number("loss"), 0.25);
    QVERIFY(std::isnan(*recs[1].number("loss")));
    QVERIFY(std::isnan(*recs[1].number("grad_norm")));
    QCOMPARE(std::get<std::string>(*recs[1].find("phase")), std::string("val \"x\""));
    QCOMPARE(std::get<std::int64_t>(*recs[1].find("big")), std::int64_t{9007199254740993});
    QVERIFY(!recs[1].number("phase"));
    QVERIFY(!recs[1].number("absent"));

    // Every double survives the text round trip exactly.
    std::mt19937_64 rng(7);
    for (int i = 0; i < 200; ++i) {
      std::uint64_t bits = rng();
      double d = 0;
      std::memcpy(&d, &bits, 8);
      if (!std::isfinite(d)) continue;
      const auto line = format_metrics_line(MetricsRecord().add("v", d));
      const auto back = parse_metrics_line(line, "x");
      QCOMPARE(*back.number("v"), d);
    }

    // A missing file is an empty log, not an error.
    QVERIFY(read_metrics(tmp.path().toStdString() + "/none.jsonl").empty());
  }

  void testMetricsTornLastLine_data() {
    QTest::addColumn<QString>("tail");
    QTest::addColumn<int>("records");
    QTest::addColumn<int>("skipped");
    QTest::newRow("cut mid-number") << "{\"step\":3,\"loss\":0.12" << 2 << 1;
    QTest::newRow("cut after minus") << "{\"step\":3,\"loss\":-" << 2 << 1;
    QTest::newRow("cut in exponent") << "{\"step\":3,\"loss\":1e" << 2 << 1;
    QTest::newRow("cut in key") << "{\"ste" << 2 << 1;
    QTest::newRow("only brace") << "{" << 2 << 1;
    QTest::newRow("complete, no newline") << "{\"step\":3}" << 3 << 0;
  }
  void testMetricsTornLastLine() {
    QFETCH(QString, tail);
    QFETCH(int, records);
    QFETCH(int, skipped);
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    const std::string metrics = path + "/metrics.jsonl";
    {
      RunDirectory rd = RunDirectory::create(path, "{}");
      rd.append_metrics(MetricsRecord().add("step", 1).add("loss", 0.5));
      rd.append_metrics(MetricsRecord().add("step", 2).add("loss", 0.4));
    }
    append_text(metrics, tail.toStdString()); // what a kill -9 mid-write leaves
    std::size_t n_skipped = 0;
    auto recs = read_metrics(metrics, &n_skipped);
    QCOMPARE(int(recs.size()), records);
    QCOMPARE(int(n_skipped), skipped);
    QCOMPARE(*recs[1].number("loss"), 0.4);

    // Polling readers take complete lines only and resume where they stopped.
    const MetricsChunk c1 = read_metrics_since(metrics, 0);
    QCOMPARE(c1.records.size(), std::size_t{2});
    const std::string before = text_of(metrics);
    const std::uint64_t two_lines = before.find('\n', before.find('\n') + 1) + 1;
    QCOMPARE(c1.next_offset, two_lines);
    QVERIFY(!c1.restarted);

    // A resumed job ends the torn line before appending, so the new line stays intact.
    {
      RunDirectory rd = RunDirectory::open_for_resume(path);
      rd.append_metrics(MetricsRecord().add("step", 3).add("loss", 0.3));
    }
    recs = read_metrics(metrics, &n_skipped);
    QCOMPARE(int(recs.size()), records + 1);
    QCOMPARE(int(n_skipped), skipped);
    QCOMPARE(*recs.back().number("loss"), 0.3);
    const MetricsChunk c2 = read_metrics_since(metrics, c1.next_offset);
    QCOMPARE(int(c2.records.size()), records - 2 + 1);
    QCOMPARE(int(c2.skipped_lines), skipped);
    QCOMPARE(c2.next_offset, std::uint64_t(text_of(metrics).size()));
    const MetricsChunk c3 = read_metrics_since(metrics, c2.next_offset);
    QVERIFY(c3.records.empty());
    QCOMPARE(c3.next_offset, c2.next_offset);
    const MetricsChunk c4 = read_metrics_since(metrics, c2.next_offset + 1000);
    QVERIFY(c4.restarted);
    QCOMPARE(int(c4.records.size()), records + 1);
  }

  void testMetricsLineParsing() {
    const auto r = parse_metrics_line(
        R"({"a":true,"b":false,"c":null,"d":[1,2],"e":{"x":1},"f":-0.0,"g":1e400,"h":"\u00e9\ud83d\ude00"})",
        "m");
    QCOMPARE(r.fields.size(), std::size_t{6}); // arrays and objects skipped
    QCOMPARE(std::get<std::int64_t>(*r.find("a")), std::int64_t{1});
    QCOMPARE(std::get<std::int64_t>(*r.find("b")), std::int64_t{0});
    QVERIFY(std::isnan(*r.number("c")));
    QVERIFY(std::signbit(*r.number("f")));
    QVERIFY(std::isinf(*r.number("g")));
    QCOMPARE(std::get<std::string>(*r.find("h")), std::string("\xc3\xa9\xf0\x9f\x98\x80"));
    ATELIER_VERIFY_THROWS(parse_metrics_line("[1]", "m"), FormatError,
                          "m: metrics line is not a JSON object");
    ATELIER_VERIFY_THROWS(parse_metrics_line("{\"a\":01}", "m"), FormatError,
                          "m: invalid JSON: expected ',' or '}' at byte 6");
    ATELIER_VERIFY_THROWS(parse_metrics_line(std::string(100, '['), "m"), FormatError,
                          "m: invalid JSON: nesting deeper than 64 at byte 64");
  }

  void testTruncateMetricsAfter() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    const std::string metrics = path + "/metrics.jsonl";
    RunDirectory rd = RunDirectory::create(path, "{}");
    for (int step = 1; step <= 10; ++step) {
      rd.append_metrics(MetricsRecord().add("step", step).add("loss", 1.0 / step));
      if (step == 4) append_text(metrics, "{\"step\":5,\"lo\n"); // a torn line mid-file
    }
    append_text(metrics, "{\"event\":\"note\"}\n{\"step\":11,\"loss\":0.0"); // no step; torn tail
    // Steps 7-10 and the two torn lines go, into metrics.dropped.jsonl.
    QCOMPARE(rd.truncate_metrics_after(6), std::size_t{6});
    const std::string dropped = text_of(rd.dropped_metrics_path());
    QVERIFY(dropped.starts_with("{\"step\":5,\"lo\n{\"step\":7,"));
    QVERIFY(dropped.ends_with("{\"step\":11,\"loss\":0.0\n"));
    QCOMPARE(std::count(dropped.begin(), dropped.end(), '\n'), 6);
    std::size_t skipped = 1;
    auto recs = read_metrics(metrics, &skipped);
    QCOMPARE(skipped, std::size_t{0});
    QCOMPARE(recs.size(), std::size_t{7});
    for (int i = 0; i < 6; ++i)
      QCOMPARE(*recs[i].step(), std::int64_t{i + 1});
    QCOMPARE(std::get<std::string>(*recs[6].find("event")), std::string("note"));
    QVERIFY(text_of(metrics).starts_with("{\"step\":1,\"loss\":1}\n{\"step\":2,\"loss\":0.5}\n"));
    // Appending continues in the rewritten file, not the replaced one.
    rd.append_metrics(MetricsRecord().add("step", 7).add("loss", 0.125));
    recs = read_metrics(metrics);
    QCOMPARE(recs.size(), std::size_t{8});
    QCOMPARE(*recs.back().number("loss"), 0.125);
    QCOMPARE(dir_names(path), (std::vector<std::string>{"checkpoints", "metrics.dropped.jsonl",
                                                        "metrics.jsonl", "run.json"}));
    // Nothing past the step: nothing dropped, the side file untouched.
    QCOMPARE(rd.truncate_metrics_after(100), std::size_t{0});
    QCOMPARE(text_of(rd.dropped_metrics_path()), dropped);
    // A resume that stopped after keeping the dropped lines but before the
    // cut drops them again when run anew, and does not keep them twice.
    rd.append_metrics(MetricsRecord().add("step", 8).add("loss", 0.1));
    const std::string cut_pending = text_of(metrics);
    QCOMPARE(rd.truncate_metrics_after(7), std::size_t{1});
    const std::string side = text_of(rd.dropped_metrics_path());
    QVERIFY(side.ends_with("{\"step\":8,\"loss\":0.1}\n"));
    QVERIFY(QFile::remove(QString::fromStdString(metrics)));
    append_text(metrics, cut_pending); // as if the cut never happened
    QCOMPARE(rd.truncate_metrics_after(7), std::size_t{1});
    QCOMPARE(text_of(rd.dropped_metrics_path()), side);
    QCOMPARE(read_metrics(metrics).size(), std::size_t{8});
  }

  void testSetAside() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    RunDirectory rd = RunDirectory::create(path, "{}");
    const std::string ckpt = rd.checkpoint_path(4);
    append_text(ckpt, "damaged");
    QCOMPARE(rd.set_aside(ckpt), ckpt + ".unreadable");
    append_text(ckpt, "damaged again");
    QCOMPARE(rd.set_aside(ckpt), ckpt + ".unreadable-2");
    QVERIFY(rd.checkpoint_files().empty()); // neither is tried again
    QCOMPARE(text_of(ckpt + ".unreadable"), std::string("damaged"));
    ATELIER_VERIFY_THROWS(rd.set_aside(ckpt), Error, "cannot move");
  }

  void testLog() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    {
      RunDirectory rd = RunDirectory::create(path, "{}");
      rd.log("started");
      rd.log("two\nlines\n");
      rd.log("");
    }
    const QString text = QString::fromStdString(text_of(path + "/log.txt"));
    const QStringList lines = text.split('\n');
    QCOMPARE(lines.size(), 5); // 4 lines + the empty piece after the last newline
    const QString stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ ";
    QVERIFY(QRegularExpression("^" + stamp + "started$").match(lines[0]).hasMatch());
    QVERIFY(QRegularExpression("^" + stamp + "two$").match(lines[1]).hasMatch());
    QVERIFY(QRegularExpression("^" + stamp + "lines$").match(lines[2]).hasMatch());
    QVERIFY(QRegularExpression("^" + stamp + "$").match(lines[3]).hasMatch());
    QCOMPARE(lines[4], QString());
  }

  void testCheckpointNames() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    RunDirectory rd = RunDirectory::create(path, "{}");
    QCOMPARE(rd.checkpoint_path(100), path + "/checkpoints/step-000100.safetensors");
    QCOMPARE(rd.checkpoint_path(0), path + "/checkpoints/step-000000.safetensors");
    QCOMPARE(rd.checkpoint_path(12345678), path + "/checkpoints/step-12345678.safetensors");
    ATELIER_VERIFY_THROWS(rd.checkpoint_path(-1), Error, "negative checkpoint step -1");
    QCOMPARE(*checkpoint_step_from_name("step-000100.safetensors"), std::int64_t{100});
    QCOMPARE(*checkpoint_step_from_name("step-12345678.safetensors"), std::int64_t{12345678});
    QVERIFY(!checkpoint_step_from_name("step-000100.safetensors.tmp"));
    QVERIFY(!checkpoint_step_from_name("step-00100.safetensors"));
    QVERIFY(!checkpoint_step_from_name("step-0001x0.safetensors"));
    QVERIFY(!checkpoint_step_from_name("step--00100.safetensors"));
    QVERIFY(!checkpoint_step_from_name("best.safetensors"));
  }

  void testLatestCheckpoint() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/run";
    RunDirectory rd = RunDirectory::create(path, "{}");
    QVERIFY(!rd.latest_checkpoint());
    write_checkpoint(rd.checkpoint_path(100), small_checkpoint(100));
    write_checkpoint(rd.checkpoint_path(200), small_checkpoint(200));
    QCOMPARE(*rd.latest_checkpoint(), rd.checkpoint_path(200));

    // Leftovers of a kill -9 and corrupt files are passed over.
    const auto good = test::read_file(rd.checkpoint_path(200));
    test::write_file(rd.checkpoint_path(300) + ".tmp", good);
    test::write_file(rd.checkpoint_path(400),
                     std::vector<std::uint8_t>(good.begin(), good.end() - 3)); // truncated
    test::write_file(rd.checkpoint_path(500), {1, 2, 3});
    write_checkpoint(rd.checkpoint_path(600), small_checkpoint(7)); // step does not match the name
    write_safetensors(rd.checkpoint_path(700), {}, {{"format", "other"}});
    test::write_text(rd.checkpoints_dir() + "/step-000900.safetensors.123.tmp", "junk");
    fs::create_directory(rd.checkpoints_dir() + "/step-000800.safetensors");
    QCOMPARE(*rd.latest_checkpoint(), rd.checkpoint_path(200));

    // Step numbers compare as numbers, beyond 6 digits too.
    write_checkpoint(rd.checkpoint_path(1000000), small_checkpoint(1000000));
    QCOMPARE(*rd.latest_checkpoint(), path + "/checkpoints/step-1000000.safetensors");
  }

  void testCheckpointRoundTrip() {
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/ck.safetensors";
    std::mt19937 rng(1234);
    Checkpoint ck;
    ck.step = 123456;
    ck.recipe_json = R"({"recipe":"denoise","lr":0.001,"name":"ünï"})";
    ck.metadata = {{"code_version", "v1.2-3-gabc"}, {"best_val_loss", "0.0123"}};
    std::vector<float> special = {0.0f,
                                  -0.0f,
                                  1.0f,
                                  -1.0f,
                                  float_from_bits(0x00000001u), // smallest denormal
                                  float_from_bits(0x807fffffu), // largest negative denormal
                                  float_from_bits(0x7f800000u),
                                  float_from_bits(0xff800000u),
                                  float_from_bits(0x7fc00000u),
                                  float_from_bits(0x7fa12345u),
                                  float_from_bits(0xffc00001u),
                                  float_from_bits(0x7f7fffffu)};
    std::vector<float> random(3 * 5 * 7);
    for (auto& v : random)
      v = float_from_bits(rng()); // every bit pattern: NaN payloads and denormals included
    ck.tensors.push_back({"enc.0.0.weight", {3, 4}, special});
    ck.tensors.push_back({"enc.0.0.bias", {3, 5, 7}, random});
    ck.tensors.push_back({"optim.exp_avg.enc.0.0.weight", {12}, special});
    ck.tensors.push_back({"optim.lr_scale", {}, {0.5f}});
    ck.tensors.push_back({"optim.empty", {0, 4}, {}});
    ck.raw_tensors.push_back({"dec.bf16.weight", "BF16", {2}, {0x80, 0x3f, 0xc1, 0x7f}});
    ck.raw_tensors.push_back({"optim.step_count", "I64", {}, {1, 0, 0, 0, 0, 0, 0, 0x80}});
    for (int i = 0; i < 5000; ++i)
      ck.rng_state.push_back(static_cast<std::uint8_t>(rng()));
    write_checkpoint(file, ck);

    const Checkpoint back = read_checkpoint(file);
    QCOMPARE(back.step, ck.step);
    QCOMPARE(back.recipe_json, ck.recipe_json);
    QCOMPARE(back.rng_state, ck.rng_state);
    auto sorted_meta = ck.metadata;
    std::sort(sorted_meta.begin(), sorted_meta.end());
    QCOMPARE(back.metadata, sorted_meta);
    QCOMPARE(back.tensors.size(), ck.tensors.size());
    for (const auto& t : ck.tensors) {
      const CheckpointTensor* b = back.find(t.name);
      QVERIFY2(b != nullptr, t.name.c_str());
      QCOMPARE(b->shape, t.shape);
      QCOMPARE(b->values.size(), t.values.size());
      QVERIFY(t.values.empty() ||
              std::memcmp(b->values.data(), t.values.data(), t.values.size() * 4) == 0);
    }
    QCOMPARE(back.raw_tensors.size(), std::size_t{2});
    for (const auto& t : ck.raw_tensors) {
      const CheckpointRawTensor* b = back.find_raw(t.name);
      QVERIFY(b != nullptr);
      QCOMPARE(b->dtype, t.dtype);
      QCOMPARE(b->shape, t.shape);
      QCOMPARE(b->bytes, t.bytes);
    }
    // Tensors come back in name order.
    QCOMPARE(back.tensors.front().name, std::string("enc.0.0.bias"));

    // On disk: the reserved metadata keys and the U8 RNG tensor a PyTorch
    // loader would filter out by its "optim." prefix.
    const SafetensorsFile f(file);
    QCOMPARE(f.metadata(),
             (std::vector<std::pair<std::string, std::string>>{{"best_val_loss", "0.0123"},
                                                               {"code_version", "v1.2-3-gabc"},
                                                               {"format", "atelier-checkpoint"},
                                                               {"recipe", ck.recipe_json},
                                                               {"step", "123456"},
                                                               {"version", "1"}}));
    QCOMPARE(f.info("optim.rng_state").dtype, std::string("U8"));
    QCOMPARE(f.info("optim.rng_state").shape, (std::vector<std::int64_t>{5000}));
    QCOMPARE(f.info("enc.0.0.weight").dtype, std::string("F32"));

    // Deterministic: writing the read-back checkpoint gives the same bytes.
    const std::string again = tmp.path().toStdString() + "/again.safetensors";
    write_checkpoint(again, back);
    QVERIFY(test::read_file(again) == test::read_file(file));
    QCOMPARE(dir_names(tmp.path().toStdString()),
             (std::vector<std::string>{"again.safetensors", "ck.safetensors"}));
  }

  void testCheckpointReadErrors_data() {
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("error");
    QTest::newRow("no metadata")
        << 0 << "not an Atelier checkpoint (metadata \"format\" is not \"atelier-checkpoint\")";
    QTest::newRow("other format")
        << 1 << "not an Atelier checkpoint (metadata \"format\" is not \"atelier-checkpoint\")";
    QTest::newRow("no version") << 2 << "checkpoint has no \"version\" metadata";
    QTest::newRow("version 2") << 3 << "unsupported checkpoint version \"2\"";
    QTest::newRow("no step") << 4 << "checkpoint has no \"step\" metadata";
    QTest::newRow("negative step") << 5 << "invalid \"step\" metadata \"-5\"";
    QTest::newRow("step text") << 6 << "invalid \"step\" metadata \"12a\"";
    QTest::newRow("step overflow") << 7 << "invalid \"step\" metadata \"99999999999999999999\"";
    QTest::newRow("rng f32") << 8 << "\"optim.rng_state\" is F32 [2], expected 1-d U8";
    QTest::newRow("rng 2-d") << 9 << "\"optim.rng_state\" is U8 [2,2], expected 1-d U8";
    QTest::newRow("truncated") << 10
                               << "ck.safetensors: tensor 'optim.rng_state': data_offsets [32, 35] "
                                  "exceed the 34-byte data buffer";
    QTest::newRow("missing file") << 11 << "ck.safetensors";
  }
  void testCheckpointReadErrors() {
    QFETCH(int, kind);
    QFETCH(QString, error);
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/ck.safetensors";
    using Meta = std::vector<std::pair<std::string, std::string>>;
    const std::vector<float> w = {1.f, 2.f};
    const std::vector<std::uint8_t> w_bytes(reinterpret_cast<const std::uint8_t*>(w.data()),
                                            reinterpret_cast<const std::uint8_t*>(w.data()) + 8);
    std::vector<TensorView> tensors = {{"w", "F32", {2}, w_bytes}};
    const std::vector<std::uint8_t> four = {1, 2, 3, 4};
    auto meta = [](const char* step) {
      return Meta{{"format", "atelier-checkpoint"}, {"version", "1"}, {"step", step}};
    };
    switch (kind) {
    case 0: write_safetensors(file, tensors, {}); break;
    case 1:
      write_safetensors(file, tensors, {{"format", "pt"}, {"version", "1"}, {"step", "1"}});
      break;
    case 2:
      write_safetensors(file, tensors, {{"format", "atelier-checkpoint"}, {"step", "1"}});
      break;
    case 3:
      write_safetensors(file, tensors,
                        {{"format", "atelier-checkpoint"}, {"version", "2"}, {"step", "1"}});
      break;
    case 4:
      write_safetensors(file, tensors, {{"format", "atelier-checkpoint"}, {"version", "1"}});
      break;
    case 5: write_safetensors(file, tensors, meta("-5")); break;
    case 6: write_safetensors(file, tensors, meta("12a")); break;
    case 7: write_safetensors(file, tensors, meta("99999999999999999999")); break;
    case 8:
      tensors.push_back({"optim.rng_state", "F32", {2}, w_bytes});
      write_safetensors(file, tensors, meta("1"));
      break;
    case 9:
      tensors.push_back({"optim.rng_state", "U8", {2, 2}, four});
      write_safetensors(file, tensors, meta("1"));
      break;
    case 10: {
      write_checkpoint(file, small_checkpoint(5));
      auto bytes = test::read_file(file);
      bytes.pop_back();
      test::write_file(file, bytes);
      break;
    }
    default: break;
    }
    VERIFY_THROWS_STR(read_checkpoint(file), FormatError, error.toStdString());
    if (kind != 11) QVERIFY(!probe_checkpoint_step(file));
  }

  void testCheckpointWriteErrors() {
    QTemporaryDir tmp;
    const std::string file = tmp.path().toStdString() + "/ck.safetensors";
    Checkpoint ck = small_checkpoint(1);
    ck.tensors[0].values.pop_back();
    VERIFY_THROWS_STR(write_checkpoint(file, ck), FormatError,
                      file + ": tensor \"enc.0.0.weight\": shape [2,2] does not match 3 values");
    ck = small_checkpoint(1);
    ck.tensors[0].shape = {-2, -2};
    ATELIER_VERIFY_THROWS(write_checkpoint(file, ck), FormatError,
                          "shape [-2,-2] does not match 4 values");
    ck = small_checkpoint(-3);
    ATELIER_VERIFY_THROWS(write_checkpoint(file, ck), FormatError, "negative checkpoint step -3");
    ck = small_checkpoint(1);
    ck.metadata = {{"step", "9"}};
    ATELIER_VERIFY_THROWS(write_checkpoint(file, ck), FormatError,
                          "metadata key \"step\" is reserved");
    ck = small_checkpoint(1);
    ck.tensors.push_back({"optim.rng_state", {1}, {0.f}});
    ATELIER_VERIFY_THROWS(write_checkpoint(file, ck), FormatError,
                          "tensor name \"optim.rng_state\" is reserved for the RNG state");
    ck = small_checkpoint(1);
    ck.tensors.push_back(ck.tensors[0]);
    ATELIER_VERIFY_THROWS(write_checkpoint(file, ck), FormatError, "duplicate");
    ck = small_checkpoint(1);
    ck.raw_tensors.push_back({"x", "BF16", {3}, {1, 2}});
    VERIFY_THROWS_STR(write_checkpoint(file, ck), FormatError, file + ": ");
    QVERIFY(dir_names(tmp.path().toStdString()).empty()); // no temp file left behind
  }

  void testFormatProgress_data() {
    QTest::addColumn<qint64>("done");
    QTest::addColumn<qint64>("total");
    QTest::addColumn<double>("elapsed");
    QTest::addColumn<QString>("extra");
    QTest::addColumn<int>("width");
    QTest::addColumn<QString>("expected");
    QTest::newRow("example")
        << qint64(450) << qint64(1000) << 450 / 12.3 << "loss 0.0123" << 20
        << "[#########...........]  450/1000  45%  12.3 it/s  ETA 0:44  loss 0.0123";
    QTest::newRow("start") << qint64(0) << qint64(1000) << 0.0 << "" << 10
                           << "[..........]  0/1000  0%  ? it/s  ETA ?";
    QTest::newRow("done") << qint64(1000) << qint64(1000) << 100.0 << "" << 10
                          << "[##########]  1000/1000  100%  10.0 it/s  ETA 0:00";
    QTest::newRow("overshoot") << qint64(1200) << qint64(1000) << 100.0 << "" << 4
                               << "[####]  1200/1000  100%  12.0 it/s  ETA 0:00";
    QTest::newRow("slow") << qint64(3) << qint64(10) << 7.5 << "" << 0
                          << "3/10  30%  2.5 s/it  ETA 0:17";
    QTest::newRow("hours") << qint64(1) << qint64(10000) << 1.5 << "" << 0
                           << "1/10000  0%  1.5 s/it  ETA 4:09:58";
    QTest::newRow("days") << qint64(1) << qint64(100000) << 2.0 << "" << 0
                          << "1/100000  0%  2.0 s/it  ETA 2d 7:33:18";
    QTest::newRow("huge eta") << qint64(1) << qint64(9000000000000000000) << 1.0 << "" << 0
                              << "1/9000000000000000000  0%  1.0 it/s  ETA >99d";
    QTest::newRow("unknown total")
        << qint64(450) << qint64(0) << 36.0 << "loss 0.5" << 20 << "450 it  12.5 it/s  loss 0.5";
    QTest::newRow("negative total")
        << qint64(-5) << qint64(-1) << 1.0 << "" << 20 << "0 it  ? it/s";
    QTest::newRow("nan time") << qint64(5) << qint64(10) << std::nan("") << "" << 2
                              << "[#.]  5/10  50%  ? it/s  ETA ?";
  }
  void testFormatProgress() {
    QFETCH(qint64, done);
    QFETCH(qint64, total);
    QFETCH(double, elapsed);
    QFETCH(QString, extra);
    QFETCH(int, width);
    QFETCH(QString, expected);
    QCOMPARE(
        QString::fromStdString(format_progress(done, total, elapsed, extra.toStdString(), width)),
        expected);
  }

  void testFormatDuration() {
    QCOMPARE(format_duration(0), std::string("0:00"));
    QCOMPARE(format_duration(59.9), std::string("0:59"));
    QCOMPARE(format_duration(3599), std::string("59:59"));
    QCOMPARE(format_duration(3600), std::string("1:00:00"));
    QCOMPARE(format_duration(86400 + 61), std::string("1d 0:01:01"));
    QCOMPARE(format_duration(1e300), std::string(">99d"));
    QCOMPARE(format_duration(-1), std::string("?"));
    QCOMPARE(format_duration(std::numeric_limits<double>::infinity()), std::string("?"));
  }

  void testProgressPrinterTty() {
    const std::string out = memstream_text([](std::FILE* f) {
      ProgressPrinter p(4, f, ProgressPrinter::Mode::tty, 4);
      QVERIFY(p.tty());
      p.update_at(1, 0.5, "loss 10.25");
      p.update_at(2, 0.55, "loss 2"); // within 100 ms: held back
      p.update_at(3, 1.0, "loss 1");
      p.update_at(3, 1.05, "x"); // held back, shown by finish
      p.finish();
      p.update_at(4, 9.0); // after finish: ignored
    });
    QCOMPARE(out, std::string("\r[#...]  1/4  25%  2.0 it/s  ETA 0:01  loss 10.25"
                              "\r[###.]  3/4  75%  3.0 it/s  ETA 0:00  loss 1    "
                              "\r[###.]  3/4  75%  2.9 it/s  ETA 0:00  x     \n"));
  }

  void testProgressPrinterPlain() {
    const std::string out = memstream_text([](std::FILE* f) {
      ProgressPrinter p(50, f, ProgressPrinter::Mode::plain, 0, 25);
      QVERIFY(!p.tty());
      for (int i = 1; i <= 49; ++i)
        p.update_at(i, i * 1.0);
      p.finish(); // shows the held-back last update
    });
    QCOMPARE(out, std::string("1/50  2%  1.0 it/s  ETA 0:49\n"
                              "13/50  26%  1.0 it/s  ETA 0:37\n"
                              "25/50  50%  1.0 it/s  ETA 0:25\n"
                              "38/50  76%  1.0 it/s  ETA 0:12\n"
                              "49/50  98%  1.0 it/s  ETA 0:01\n"));
    // Unknown total: a line every 30 s.
    const std::string unknown = memstream_text([](std::FILE* f) {
      ProgressPrinter p(0, f, ProgressPrinter::Mode::plain);
      for (int i = 0; i <= 70; i += 10)
        p.update_at(i, i, "");
      p.finish();
    });
    QCOMPARE(unknown,
             std::string("0 it  ? it/s\n30 it  1.0 it/s\n60 it  1.0 it/s\n70 it  1.0 it/s\n"));
    // A file is not a terminal: automatic mode prints plain lines.
    const std::string automatic = memstream_text([](std::FILE* f) {
      ProgressPrinter p(2, f);
      QVERIFY(!p.tty());
      p.update_at(2, 1.0, "");
    });
    QCOMPARE(automatic,
             std::string("[##############################]  2/2  100%  2.0 it/s  ETA 0:00\n"));
  }

  void testStopSignal() {
    struct sigaction dummy {};
    dummy.sa_handler = dummy_handler;
    sigemptyset(&dummy.sa_mask);
    struct sigaction saved_term {
    }, saved_int{};
    ::sigaction(SIGTERM, &dummy, &saved_term);
    ::sigaction(SIGINT, nullptr, &saved_int);
    {
      StopSignalGuard guard;
      QVERIFY(!stop_requested());
      QCOMPARE(stop_signal_number(), 0);
      std::raise(SIGTERM);
      QVERIFY(stop_requested());
      QCOMPARE(stop_signal_number(), SIGTERM);
      std::raise(SIGTERM); // a second SIGTERM keeps the handler
      std::raise(SIGINT);
      QCOMPARE(stop_signal_number(), SIGTERM); // the first signal is kept
      // The first SIGINT reset its handler, so a second Ctrl-C would kill.
      struct sigaction now {};
      ::sigaction(SIGINT, nullptr, &now);
      QVERIFY(now.sa_handler == SIG_DFL);
      ::sigaction(SIGTERM, nullptr, &now);
      QVERIFY(now.sa_handler != SIG_DFL && now.sa_handler != dummy_handler);
    }
    struct sigaction after {};
    ::sigaction(SIGTERM, nullptr, &after);
    QVERIFY(after.sa_handler == dummy_handler); // restored
    ::sigaction(SIGINT, nullptr, &after);
    QVERIFY(after.sa_handler == saved_int.sa_handler);
    {
      StopSignalGuard guard; // clears the flag
      QVERIFY(!stop_requested());
      std::raise(SIGINT);
      QCOMPARE(stop_signal_number(), SIGINT);
      clear_stop_request();
      QVERIFY(!stop_requested());
    }
    ::sigaction(SIGTERM, &saved_term, nullptr);
  }
};

QTEST_APPLESS_MAIN(TestRunDir)
#include "test_run_dir.moc"

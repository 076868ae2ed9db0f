// Import throughput on simulated cryo-EM micrographs: 8 micrographs from the
// physics simulator (1024 x 1024, no movies; simulating is slow, so each is
// written 25 times with a different offset, giving 200 distinct float32 MRC
// files of 4 MiB), imported with 2 threads (header, fingerprint, preview,
// generic + cryo-EM metrics, thumbnail) into a fresh project, next to a raw
// read() of all bytes of the same files (page cache warm for both), then a
// re-import where everything is unchanged. ATELIER_BENCH_IMPORT_COUNT
// overrides the file count. With ATELIER_PEER_PYTHON set to a Python that has
// mrcfile, numpy and opencv-python-headless, ../shared/bench/
// peer_import_python.py runs on the same files in the same run (1 and 2
// workers), alternating with ours for ATELIER_BENCH_ROUNDS rounds (3), and
// the ratio of the medians is printed. Prints one JSON object per line.
#include "core/formats/mrc/mrc_file.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/import/importer.h"
#include "core/project/project.h"
#include "core/simulate/micrograph_simulator.h"
#include "tests/support/test_support.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <unistd.h>
#include <vector>

using namespace atelier;
namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::uint64_t raw_read_all(const std::vector<std::string>& files) {
  std::vector<char> buf(1 << 20);
  std::uint64_t total = 0;
  for (const auto& f : files) {
    const int fd = ::open(f.c_str(), O_RDONLY);
    if (fd < 0) continue;
    for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;)
      total += static_cast<std::uint64_t>(n);
    ::close(fd);
  }
  return total;
}

// Runs the Python peer on dir, prints its lines and returns its 2-worker
// items/s; prints why and returns 0 when it cannot run.
double run_peer(const std::string& dir, const QString& thumbs) {
  const QString python = qEnvironmentVariable("ATELIER_PEER_PYTHON");
  const QString script =
      qEnvironmentVariable("ATELIER_SAMPLE_DATA") + "/../bench/peer_import_python.py";
  if (python.isEmpty() || !QFileInfo::exists(script)) {
    std::printf("{\"bench\":\"import\",\"peer\":\"skipped\",\"why\":\"set "
                "ATELIER_PEER_PYTHON; needs %s\"}\n",
                qPrintable(script));
    return 0.0;
  }
  QProcess peer;
  peer.setProcessChannelMode(QProcess::ForwardedErrorChannel);
  peer.start(python, {script, QString::fromStdString(dir), "--workers", "2", "--out", thumbs});
  if (!peer.waitForFinished(600000) || peer.exitCode() != 0) {
    std::printf("{\"bench\":\"import\",\"peer\":\"failed\"}\n");
    return 0.0;
  }
  double peer2 = 0;
  for (const QByteArray& line : peer.readAllStandardOutput().split('\n')) {
    if (line.trimmed().isEmpty()) continue;
    std::printf("%s\n", line.constData());
    const QJsonObject o = QJsonDocument::fromJson(line).object();
    if (o.value("workers").toInt() == 2) peer2 = o.value("items_per_s").toDouble();
  }
  return peer2;
}

} // namespace

class BenchImport : public QObject {
  Q_OBJECT

private slots:
  void importSimulatedMicrographs() {
    int count = 200;
    if (const char* env = std::getenv("ATELIER_BENCH_IMPORT_COUNT")) count = std::atoi(env);
    QVERIFY(count > 0);
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const std::string sim_dir = tmp.filePath("sim").toStdString();
    const std::string data_dir = tmp.filePath("micrographs").toStdString();
    fs::create_directories(data_dir);

    simulate::SimulationOptions so;
    so.count = std::min(count, 8);
    so.size = 1024;
    so.frames = 4;
    so.no_movies = true;
    so.threads = 2;
    const auto t_sim = std::chrono::steady_clock::now();
    simulate::simulate_micrographs(sim_dir, so);
    std::vector<Image> sums;
    for (int i = 0; i < so.count; ++i)
      sums.push_back(
          MrcFile(sim_dir + "/" + simulate::micrograph_name(i) + "_sum.mrc").read_frame(0));
    std::vector<std::string> files;
    for (int i = 0; i < count; ++i) {
      Image img = sums[static_cast<std::size_t>(i) % sums.size()];
      for (float& v : img.values<float>())
        v += 0.01f * static_cast<float>(i);
      char name[32];
      std::snprintf(name, sizeof name, "/mic_%04d.mrc", i);
      files.push_back(data_dir + name);
      write_mrc(files.back(), img);
    }
    std::printf("{\"bench\":\"import\",\"phase\":\"setup\",\"files\":%d,\"seconds\":%.2f}\n", count,
                seconds_since(t_sim));

    const auto t_raw = std::chrono::steady_clock::now();
    const std::uint64_t bytes = raw_read_all(files);
    const double raw_s = seconds_since(t_raw);
    const double mb = static_cast<double>(bytes) / 1e6;
    std::printf("{\"bench\":\"import\",\"phase\":\"raw_read\",\"files\":%d,\"MB\":%.1f,"
                "\"seconds\":%.3f,\"items_per_s\":%.1f,\"MB_per_s\":%.1f}\n",
                count, mb, raw_s, count / raw_s, mb / raw_s);

    // Rounds alternate ours and the peer on the same files, each after a
    // sync (writeback of the files, the thumbnails and the project just
    // written would otherwise steal CPU from whichever runs next); medians
    // and their ratio are reported.
    int rounds = 3;
    if (const char* env = std::getenv("ATELIER_BENCH_ROUNDS")) rounds = std::max(1, std::atoi(env));
    import::ImportOptions o;
    o.threads = 2;
    std::vector<double> ours, theirs;
    std::optional<project::Project> p;
    for (int round = 0; round < rounds; ++round) {
      ::sync();
      p.emplace(project::Project::create(
          tmp.filePath(QString("bench-%1.atelier").arg(round)).toStdString()));
      const auto s = import::import_paths(*p, {data_dir}, o, {}, nullptr);
      QCOMPARE(s.imported, static_cast<std::size_t>(count));
      QCOMPARE(s.errors, std::size_t{0});
      ours.push_back(count / s.seconds);
      std::printf("{\"bench\":\"import\",\"phase\":\"import\",\"round\":%d,\"threads\":2,"
                  "\"files\":%d,\"MB\":%.1f,\"seconds\":%.3f,\"items_per_s\":%.1f,"
                  "\"MB_per_s\":%.1f}\n",
                  round, count, mb, s.seconds, count / s.seconds, mb / s.seconds);
      std::fflush(stdout);
      ::sync();
      if (const double peer = run_peer(data_dir, tmp.filePath("peer_thumbs")); peer > 0)
        theirs.push_back(peer);
    }
    std::printf("{\"bench\":\"import\",\"rounds\":%d,\"median_items_per_s\":%.1f", rounds,
                test::median(ours));
    if (!theirs.empty())
      std::printf(",\"peer_median_items_per_s\":%.1f,\"ratio_vs_peer_2_workers\":%.2f",
                  test::median(theirs), test::median(ours) / test::median(theirs));
    std::printf("}\n");

    const auto again = import::import_paths(*p, {data_dir}, o, {}, nullptr);
    QCOMPARE(again.skipped_unchanged, static_cast<std::size_t>(count));
    std::printf("{\"bench\":\"import\",\"phase\":\"reimport_unchanged\",\"files\":%d,"
                "\"seconds\":%.3f,\"items_per_s\":%.1f}\n",
                count, again.seconds, count / again.seconds);
    std::fflush(stdout);
  }
};

QTEST_APPLESS_MAIN(BenchImport)
#include "bench_import.moc"

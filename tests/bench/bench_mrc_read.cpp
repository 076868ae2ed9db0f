// Reading a 4096 x 4096 float32 MRC (64 MiB) through MrcFile versus a raw
// read() of the same file into a fresh buffer, both with a warm page cache.
// Napkin math: both move 64 MiB from the page cache into newly faulted pages,
// so the reader's only extra work is the 1 KiB header and validation; the
// target is >= 90% of the raw rate. Prints one JSON object per line.
#include "core/formats/mrc/mrc_file.h"
#include "core/formats/mrc/mrc_writer.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <unistd.h>
#include <vector>

using namespace atelier;

namespace {

constexpr int kReps = 15;
constexpr std::int64_t kSide = 4096;

// Runs the candidates interleaved, rep by rep, so load from other processes
// on a shared machine hits all of them alike; returns each one's median.
std::vector<double> median_ms(const std::vector<std::function<void()>>& runs) {
  for (const auto& run : runs)
    run(); // warm-up: page cache and allocator
  std::vector<std::vector<double>> ms(runs.size());
  for (int i = 0; i < kReps; ++i) {
    for (std::size_t r = 0; r < runs.size(); ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      runs[r]();
      const auto t1 = std::chrono::steady_clock::now();
      ms[r].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
  }
  std::vector<double> medians;
  for (auto& m : ms) {
    std::sort(m.begin(), m.end());
    medians.push_back(m[m.size() / 2]);
  }
  return medians;
}

void report(const char* what, double ms, double bytes) {
  std::printf("{\"bench\":\"mrc_read\",\"what\":\"%s\",\"mb_per_s\":%.1f,\"median_ms\":%.3f,"
              "\"reps\":%d}\n",
              what, bytes / (1024.0 * 1024.0) / (ms / 1000.0), ms, kReps);
}

} // namespace

class BenchMrcRead : public QObject {
  Q_OBJECT

private slots:
  void benchRead() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = (dir.path() + "/bench.mrc").toStdString();
    {
      Volume v(kSide, kSide, 1, DType::f32);
      auto values = v.values<float>();
      for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = float(i % 4099) * 0.5f;
      v.spacing = Spacing{{1.0, 1.0, 1.0}, std::string("A"), PixelSizeSource::user};
      write_mrc(path, v);
    }
    const double bytes = double(kSide * kSide * 4);

    double checksum = 0;
    const auto raw_read = [&] {
      const int fd = ::open(path.c_str(), O_RDONLY);
      QVERIFY(fd >= 0);
      const off_t size = ::lseek(fd, 0, SEEK_END);
      std::vector<std::uint8_t> buffer(static_cast<std::size_t>(size));
      std::size_t done = 0;
      while (done < buffer.size()) {
        const ssize_t got = ::pread(fd, buffer.data() + done, buffer.size() - done, off_t(done));
        QVERIFY(got > 0);
        done += std::size_t(got);
      }
      ::close(fd);
      checksum += double(buffer.size() - 1024);
    };
    const auto atelier_volume = [&] {
      const MrcFile file(path);
      const Volume v = file.read_volume();
      checksum += double(v.byte_size());
    };
    const auto atelier_frame = [&] {
      const MrcFile file(path);
      const Image img = file.read_frame(0);
      checksum += double(img.byte_size());
    };
    const auto medians = median_ms({raw_read, atelier_volume, atelier_frame});
    const double raw = medians[0], volume = medians[1], frame = medians[2];
    report("raw_read", raw, bytes + 1024);
    report("atelier_mrc", volume, bytes);
    report("atelier_mrc_frame", frame, bytes);
    std::printf("{\"bench\":\"mrc_read\",\"what\":\"ratio\",\"atelier_over_raw\":%.3f,"
                "\"frame_over_raw\":%.3f,\"target\":0.9}\n",
                raw / volume, raw / frame);
    // Every run (warm-ups included) delivered the whole data.
    QCOMPARE(checksum, 3 * (kReps + 1) * bytes);
  }
};

QTEST_APPLESS_MAIN(BenchMrcRead)
#include "bench_mrc_read.moc"

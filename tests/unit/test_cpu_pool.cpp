// The CPU backend's thread pool (core/nn/cpu_pool.h): every part of every
// task runs exactly once, back to back and after idle gaps long enough for
// the workers to sleep, with several callers at once (a busy pool makes a
// second caller run its parts itself), and with more parts than threads.
#include "core/nn/cpu_pool.h"

#include <QtTest>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace atelier;

class TestCpuPool : public QObject {
  Q_OBJECT

  // Runs `runs` tasks of 1..max_parts parts; counts[part] += 1 per run.
  static bool each_part_once(int runs, int max_parts, std::chrono::microseconds gap) {
    std::vector<std::atomic<int>> counts(static_cast<std::size_t>(max_parts));
    for (int r = 0; r < runs; ++r) {
      const int parts = 1 + r % max_parts;
      for (auto& c : counts)
        c.store(0);
      auto part = [&](int p) { counts[std::size_t(p)].fetch_add(1); };
      nn::cpu_parallel_parts(parts, part);
      for (int p = 0; p < max_parts; ++p)
        if (counts[std::size_t(p)].load() != (p < parts ? 1 : 0)) return false;
      if (gap.count() > 0) std::this_thread::sleep_for(gap);
    }
    return true;
  }

private slots:
  void backToBack() { QVERIFY(each_part_once(20000, nn::cpu_pool_size(), {})); }

  // Gaps past the workers' polling time: they sleep and must be woken.
  void afterIdleGaps() {
    QVERIFY(each_part_once(200, nn::cpu_pool_size(), std::chrono::microseconds(300)));
  }

  void morePartsThanThreads() { QVERIFY(each_part_once(2000, 3 * nn::cpu_pool_size() + 1, {})); }

  void severalCallers() {
    std::atomic<bool> ok{true};
    std::vector<std::thread> callers;
    for (int t = 0; t < 3; ++t)
      callers.emplace_back([&, t] {
        if (!each_part_once(3000, nn::cpu_pool_size() + t, std::chrono::microseconds(t * 20)))
          ok.store(false);
      });
    for (auto& c : callers)
      c.join();
    QVERIFY(ok.load());
  }
};

QTEST_APPLESS_MAIN(TestCpuPool)
#include "test_cpu_pool.moc"

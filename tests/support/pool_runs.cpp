#include "tests/support/pool_runs.h"

#include "core/nn/cpu_pool.h"

#include <QCoreApplication>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>

#include <cstdio>

namespace atelier::test {

std::uint64_t fnv1a(const void* data, std::size_t bytes, std::uint64_t hash) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < bytes; ++i)
    hash = (hash ^ p[i]) * 1099511628211ull;
  return hash;
}

void print_pool_bits(std::uint64_t hash) {
  std::printf("pool %d bits %016llx\n", nn::cpu_pool_size(), static_cast<unsigned long long>(hash));
  std::fflush(stdout);
}

PoolCheckResult check_same_bits_per_pool_size(const QString& flag) {
  PoolCheckResult result;
  QStringList pools, bits;
  for (const char* threads : {"1", "2", "3"}) {
    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("OPENBLAS_NUM_THREADS", threads);
    env.remove("OMP_NUM_THREADS");
    child.setProcessEnvironment(env);
    child.start(QCoreApplication::applicationFilePath(), {flag});
    const bool finished = child.waitForFinished(120000);
    if (!finished) child.kill();
    const QStringList words =
        QString::fromLatin1(child.readAllStandardOutput()).trimmed().split(' ');
    if (!finished || child.exitStatus() != QProcess::NormalExit || child.exitCode() != 0 ||
        words.size() != 4 || words[0] != "pool" || words[2] != "bits") {
      result.detail = QString("the run with OPENBLAS_NUM_THREADS=%1 failed").arg(threads);
      return result;
    }
    pools << words[1];
    bits << words[3];
    result.detail += QString("pool %1: %2; ").arg(words[1], words[3]);
  }
  if (bits.count(bits[0]) != bits.size())
    result.outcome = PoolCheck::differ;
  else if (pools.count(pools[0]) == pools.size())
    result.outcome = PoolCheck::one_size;
  else
    result.outcome = PoolCheck::same;
  return result;
}

} // namespace atelier::test

// Tests of the cryo-EM movie simulator: CTF physics, the FFT, the files it
// writes, their statistics (dose, noise, sums) and the recorded drifts.
#include "core/base/error.h"
#include "core/formats/mrc/mrc_file.h"
#include "core/metrics/cryoem_metrics.h"
#include "core/metrics/generic_metrics.h"
#include "core/simulate/ctf.h"
#include "core/simulate/fft2d.h"
#include "core/simulate/micrograph_simulator.h"
#include "core/simulate/poisson_sampler.h"
#include "tests/support/test_support.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <complex>
#include <filesystem>
#include <numeric>

using namespace atelier;
using namespace atelier::simulate;

namespace {

constexpr double kPi = 3.14159265358979323846;

SimulationOptions small_options() {
  SimulationOptions o;
  o.count = 2;
  o.size = 96; // not a power of two: padded to 128 and cropped
  o.frames = 5;
  o.seed = 7;
  o.particle_diameter_A = 40.0;
  o.pixel_size_A = 1.3;
  return o;
}

double mean_of(const std::vector<float>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double variance_of(const std::vector<float>& v) {
  const double m = mean_of(v);
  double s = 0;
  for (float x : v)
    s += (x - m) * (x - m);
  return s / static_cast<double>(v.size());
}

QJsonObject read_truth(const QString& dir) {
  QFile f(dir + "/truth.json");
  if (!f.open(QIODevice::ReadOnly)) return {};
  return QJsonDocument::fromJson(f.readAll()).object();
}

} // namespace

class TestSimulate : public QObject {
  Q_OBJECT
private slots:
  void wavelength_data() {
    QTest::addColumn<double>("kV");
    QTest::addColumn<double>("lambda");
    QTest::newRow("300 kV") << 300.0 << 0.01969;
    QTest::newRow("200 kV") << 200.0 << 0.02508;
    QTest::newRow("100 kV") << 100.0 << 0.03701;
  }
  void wavelength() {
    QFETCH(double, kV);
    QFETCH(double, lambda);
    QVERIFY(std::abs(electron_wavelength_A(kV) - lambda) < 5e-6);
  }

  void ctfAtZero_data() {
    QTest::addColumn<double>("amplitude");
    QTest::newRow("0.07") << 0.07;
    QTest::newRow("0.1") << 0.1;
    QTest::newRow("0") << 0.0;
  }
  void ctfAtZero() {
    QFETCH(double, amplitude);
    CtfParams c;
    c.amplitude_contrast = amplitude;
    c.bfactor_A2 = 100;
    const double expected = -std::sin(std::atan(amplitude / std::sqrt(1 - amplitude * amplitude)));
    QVERIFY(std::abs(ctf_value(c, 0, 0) - expected) < 1e-12);
    QVERIFY(std::abs(expected + amplitude) < 1e-12); // = -A
    // Underfocus: the CTF first grows more negative (protein dark).
    QVERIFY(ctf_value(c, 0.01, 0) < ctf_value(c, 0, 0));
  }

  void firstZero_data() {
    QTest::addColumn<double>("dfu");
    QTest::addColumn<double>("dfv");
    QTest::addColumn<double>("angle");
    QTest::addColumn<double>("kV");
    QTest::addColumn<double>("cs");
    QTest::newRow("1.5 um") << 15000.0 << 15000.0 << 0.0 << 300.0 << 2.7;
    QTest::newRow("astigmatic") << 9000.0 << 7000.0 << 30.0 << 300.0 << 2.7;
    QTest::newRow("200 kV far") << 25000.0 << 24000.0 << 110.0 << 200.0 << 2.0;
    QTest::newRow("Cs 0") << 12000.0 << 12000.0 << 0.0 << 300.0 << 0.0;
    QTest::newRow("near focus") << 500.0 << 300.0 << 10.0 << 300.0 << 2.7;
  }
  void firstZero() {
    QFETCH(double, dfu);
    QFETCH(double, dfv);
    QFETCH(double, angle);
    QFETCH(double, kV);
    QFETCH(double, cs);
    CtfParams c;
    c.defocus_u_A = dfu;
    c.defocus_v_A = dfv;
    c.astigmatism_angle_deg = angle;
    c.voltage_kV = kV;
    c.cs_mm = cs;
    c.bfactor_A2 = 20;
    const double k0 = ctf_first_zero_frequency(c);
    QVERIFY(k0 > 0);
    // Along angle + 45 deg the defocus is the mean: find the first sign
    // change of ctf_value numerically, then bisect.
    const double th = (angle + 45.0) * kPi / 180.0, ct = std::cos(th), st = std::sin(th);
    auto f = [&](double k) { return ctf_value(c, k * ct, k * st); };
    double lo = 0, hi = 0;
    const double step = 1e-5;
    for (double k = step; k < 2.0; k += step) {
      if ((f(k) > 0) != (f(0) > 0)) {
        lo = k - step;
        hi = k;
        break;
      }
    }
    QVERIFY(hi > 0);
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      ((f(mid) > 0) == (f(0) > 0) ? lo : hi) = mid;
    }
    QVERIFY2(std::abs(k0 - lo) < 1e-7 * std::max(1.0, 1 / lo),
             qPrintable(QString("analytic %1 numeric %2").arg(k0, 0, 'g', 12).arg(lo, 0, 'g', 12)));
  }

  void fftMatchesDft() {
    const int n = 8;
    Fft2d fft(n);
    std::vector<float> re(n * n), im(n * n);
    for (int i = 0; i < n * n; ++i) {
      re[i] = static_cast<float>(std::sin(0.7 * i) + 0.1 * i);
      im[i] = static_cast<float>(std::cos(1.3 * i));
    }
    const auto re0 = re, im0 = im;
    fft.forward(re.data(), im.data());
    for (int ky = 0; ky < n; ++ky)
      for (int kx = 0; kx < n; ++kx) {
        std::complex<double> s = 0;
        for (int y = 0; y < n; ++y)
          for (int x = 0; x < n; ++x)
            s += std::complex<double>(re0[y * n + x], im0[y * n + x]) *
                 std::polar(1.0, -2 * kPi * (kx * x + ky * y) / n);
        QVERIFY(std::abs(s - std::complex<double>(re[ky * n + kx], im[ky * n + kx])) < 1e-4);
      }
    fft.inverse(re.data(), im.data());
    for (int i = 0; i < n * n; ++i) {
      QVERIFY(std::abs(re[i] - re0[i]) < 1e-5);
      QVERIFY(std::abs(im[i] - im0[i]) < 1e-5);
    }
    ATELIER_VERIFY_THROWS(Fft2d(12), Error, "power of two");
  }

  void poisson_data() {
    QTest::addColumn<double>("lambda");
    QTest::newRow("0.4") << 0.4;
    QTest::newRow("2") << 2.0;
    QTest::newRow("11.5") << 11.5;
    QTest::newRow("40 (PTRS)") << 40.0;
    QTest::newRow("900 (PTRS)") << 900.0;
  }
  void poisson() {
    QFETCH(double, lambda);
    const int count = 400000;
    // Both samplers: mean and variance lambda within 5 standard errors.
    const PoissonTable table(std::min(2.0 * lambda, 30.0));
    for (int which = 0; which < 2; ++which) {
      denoise::SplitMix64 rng(which + 11);
      double s = 0, s2 = 0;
      for (int i = 0; i < count; ++i) {
        const double k = which ? table.sample(rng, lambda) : poisson_sample(rng, lambda);
        s += k;
        s2 += k * k;
      }
      const double mean = s / count, var = s2 / count - mean * mean;
      QVERIFY2(std::abs(mean - lambda) < 5 * std::sqrt(lambda / count),
               qPrintable(QString::number(mean)));
      QVERIFY2(std::abs(var - lambda) < 5 * lambda * std::sqrt(2.0 / count) + 1e-3,
               qPrintable(QString::number(var)));
    }
    const double x = -std::min(lambda, 600.0); // exp_nonpositive's domain is (-700, 0]
    QVERIFY(std::abs(exp_nonpositive(x) - std::exp(x)) <= 1e-14 * std::exp(x));
  }

  void filesWritten_data() {
    QTest::addColumn<int>("storage");
    QTest::newRow("uint16") << int(MovieStorage::uint16);
    QTest::newRow("int8") << int(MovieStorage::int8);
  }
  void filesWritten() {
    QFETCH(int, storage);
    QTemporaryDir tmp;
    SimulationOptions o = small_options();
    o.movie_storage = static_cast<MovieStorage>(storage);
    std::vector<std::pair<int, int>> calls;
    simulate_micrographs(tmp.path().toStdString(), o,
                         [&](int done, int total) { calls.emplace_back(done, total); });
    QCOMPARE(int(calls.size()), 2);
    QCOMPARE(calls.back(), std::make_pair(2, 2));
    QStringList names = QDir(tmp.path()).entryList(QDir::Files, QDir::Name);
    QCOMPARE(names, QStringList({"sim_0001_clean.mrc", "sim_0001_even.mrc", "sim_0001_movie.mrcs",
                                 "sim_0001_odd.mrc", "sim_0001_sum.mrc", "sim_0002_clean.mrc",
                                 "sim_0002_even.mrc", "sim_0002_movie.mrcs", "sim_0002_odd.mrc",
                                 "sim_0002_sum.mrc", "truth.json"}));
    const std::string dir = tmp.path().toStdString() + "/";
    MrcFile movie(dir + "sim_0001_movie.mrcs");
    QCOMPARE(movie.mode(), storage == int(MovieStorage::int8) ? 0 : 6);
    QCOMPARE(movie.width(), 96);
    QCOMPARE(movie.height(), 96);
    QCOMPARE(movie.frame_count(), 5);
    QVERIFY(std::abs(movie.spacing().xyz[0] - 1.3) < 1e-4);
    for (const char* kind : {"sum", "odd", "even", "clean"}) {
      MrcFile m(dir + "sim_0002_" + kind + ".mrc");
      QCOMPARE(m.mode(), 2);
      QCOMPARE(m.dtype(), DType::f32);
      QCOMPARE(m.width(), 96);
      QCOMPARE(m.height(), 96);
      QCOMPARE(m.frame_count(), 1);
      QVERIFY(std::abs(m.spacing().xyz[0] - 1.3) < 1e-4);
      QVERIFY(std::abs(m.spacing().xyz[1] - 1.3) < 1e-4);
    }
    const QJsonObject truth = read_truth(tmp.path());
    QCOMPARE(truth["count"].toInt(), 2);
    QCOMPARE(truth["movie_mrc_mode"].toInt(), storage == int(MovieStorage::int8) ? 0 : 6);
    QVERIFY(truth["sums"].toString().startsWith("aligned"));
    const QJsonArray ms = truth["micrographs"].toArray();
    QCOMPARE(ms.size(), 2);
    for (const auto& v : ms) {
      const QJsonObject m = v.toObject();
      QCOMPARE(m["drifts_px"].toArray().size(), 5);
      QCOMPARE(m["drifts_px"].toArray()[0].toArray()[0].toDouble(), 0.0);
      const double dfu = m["defocus_u_A"].toDouble(), dfv = m["defocus_v_A"].toDouble();
      QVERIFY(0.5 * (dfu + dfv) >= 8000 && 0.5 * (dfu + dfv) <= 25000);
      QVERIFY(std::abs(dfu - dfv) <= 400 + 1e-9);
      QCOMPARE(m["voltage_kV"].toDouble(), 300.0);
      QCOMPARE(m["cs_mm"].toDouble(), 2.7);
      QCOMPARE(m["amplitude_contrast"].toDouble(), 0.07);
      QCOMPARE(m["pixel_size_A"].toDouble(), 1.3);
      QCOMPARE(m["dose_per_frame_e_per_A2"].toDouble(), 8.0);
      QVERIFY(m.contains("astigmatism_angle_deg"));
      CtfParams c;
      c.defocus_u_A = dfu;
      c.defocus_v_A = dfv;
      QVERIFY(std::abs(m["ctf_first_zero_inv_A"].toDouble() - ctf_first_zero_frequency(c)) < 1e-9);
    }
  }

  void noMovies() {
    QTemporaryDir tmp;
    SimulationOptions o = small_options();
    o.no_movies = true;
    simulate_micrographs(tmp.path().toStdString(), o);
    QCOMPARE(QDir(tmp.path()).entryList({"*.mrcs"}, QDir::Files).size(), 0);
    QCOMPARE(QDir(tmp.path()).entryList({"*.mrc"}, QDir::Files).size(), 8);
    QVERIFY(!read_truth(tmp.path())["micrographs"].toArray()[0].toObject().contains("movie"));
  }

  void deterministic() {
    QTemporaryDir a, b, c;
    SimulationOptions o = small_options();
    o.threads = 1;
    simulate_micrographs(a.path().toStdString(), o);
    o.threads = 2; // the thread count must not matter
    simulate_micrographs(b.path().toStdString(), o);
    o.seed = 8;
    simulate_micrographs(c.path().toStdString(), o);
    for (const QString& name : QDir(a.path()).entryList(QDir::Files)) {
      const auto x = test::read_file((a.path() + "/" + name).toStdString());
      const auto y = test::read_file((b.path() + "/" + name).toStdString());
      const auto z = test::read_file((c.path() + "/" + name).toStdString());
      QVERIFY2(x == y, qPrintable(name));
      QVERIFY2(x != z, qPrintable(name));
    }
  }

  void statistics() {
    SimulationOptions o = small_options();
    o.size = 128;
    o.frames = 10;
    o.total_dose_e_per_A2 = 20; // 2 e-/A^2 per frame
    o.pixel_size_A = 1.0;
    const SimulatedMicrograph m = simulate_micrograph(o, 0);
    const double lam = 2.0;
    QCOMPARE(m.truth.expected_counts_per_pixel_per_frame, lam);
    const std::size_t nn = 128 * 128;
    double total = 0;
    for (int f = 0; f < o.frames; ++f) {
      double s = 0;
      for (std::size_t i = 0; i < nn; ++i)
        s += m.movie[f * nn + i];
      const double mean = s / nn;
      QVERIFY2(std::abs(mean - lam) < 0.02 * lam, qPrintable(QString::number(mean)));
      total += mean;
    }
    // Frame f's movie counts also add up to the sum's total.
    QVERIFY(std::abs(mean_of(m.sum) - total) < 1e-3 * total);
    for (std::size_t i = 0; i < nn; ++i)
      QVERIFY(std::abs(m.odd[i] + m.even[i] - m.sum[i]) <= 1e-5f * std::abs(m.sum[i]) + 1e-5f);
    // Clean is on the sum's scale and noise-free.
    const double clean_mean = mean_of(m.clean);
    QVERIFY(std::abs(mean_of(m.sum) - clean_mean) < 0.01 * clean_mean);
    QVERIFY(std::abs(mean_of(m.odd) - 0.5 * clean_mean) < 0.01 * clean_mean);
    std::vector<float> residual(nn), half_diff(nn);
    for (std::size_t i = 0; i < nn; ++i) {
      residual[i] = m.sum[i] - m.clean[i];
      half_diff[i] = m.odd[i] - m.even[i];
    }
    // All of sum - clean is Poisson noise (variance = mean; the Nyquist
    // row and column, 1.6% of it here, are left out of the sums).
    const double noise_var = variance_of(residual);
    QVERIFY2(std::abs(noise_var / clean_mean - 1) < 0.05, qPrintable(QString::number(noise_var)));
    QVERIFY(std::abs(variance_of(half_diff) / clean_mean - 1) < 0.05);
    // Expected variance of the sum = signal variance + noise variance.
    QVERIFY(std::abs(variance_of(m.sum) - (variance_of(m.clean) + noise_var)) <
            0.05 * variance_of(m.sum));
    QVERIFY(variance_of(m.clean) > 0);
    QVERIFY(variance_of(m.clean) < 0.2 * noise_var);
    // Noise-free: the same specimen at twice the dose is exactly twice as bright.
    o.total_dose_e_per_A2 = 40;
    const SimulatedMicrograph m2 = simulate_micrograph(o, 0);
    for (std::size_t i = 0; i < nn; ++i)
      QVERIFY(std::abs(m2.clean[i] - 2 * m.clean[i]) <= 1e-5f * m2.clean[i]);
  }

  // Known answers tying the import metrics to the simulator's truth (two
  // 1024 x 1024 micrographs at the default 40 e-/A^2): the noise estimate of
  // the sum within 10% of the true noise (the std of sum - clean), the first
  // CTF zero within 2% of the truth's on the noise-free image and on the sum
  // (there by the CTF fit, whose mean defocus is within 2% too), and
  // sharpness falling with each blur of the sum.
  void metricsKnowTheTruth() {
    SimulationOptions o;
    o.count = 2;
    o.size = 1024;
    o.frames = 4; // the dose is spread over the frames; the sums are the same
    o.no_movies = true;
    o.seed = 11;
    for (int i = 0; i < o.count; ++i) {
      const SimulatedMicrograph m = simulate_micrograph(o, i);
      auto image_of = [&](const std::vector<float>& v) {
        Image img(o.size, o.size, 1, DType::f32);
        std::copy(v.begin(), v.end(), img.values<float>().begin());
        img.spacing.xyz = {o.pixel_size_A, o.pixel_size_A, o.pixel_size_A};
        img.spacing.unit = "A";
        return img;
      };
      std::vector<float> noise(m.sum.size());
      for (std::size_t k = 0; k < noise.size(); ++k)
        noise[k] = m.sum[k] - m.clean[k];
      const double true_sigma = std::sqrt(variance_of(noise));
      const double est =
          *metrics::find_metric(metrics::generic_metrics(image_of(m.sum)), "noise_sigma");
      QVERIFY2(std::abs(est / true_sigma - 1.0) < 0.10,
               qPrintable(QString("noise %1 vs true %2").arg(est).arg(true_sigma)));

      const double k0 = ctf_first_zero_frequency(m.truth.ctf);
      const auto clean = metrics::cryoem_metrics(image_of(m.clean));
      const double zero = 1.0 / *metrics::find_metric(clean, "first_zero_resolution_A");
      QVERIFY2(std::abs(zero / k0 - 1.0) < 0.02,
               qPrintable(QString("first zero %1 vs truth %2").arg(zero).arg(k0)));
      // The sum's rings are a few % of the background: its first zero and
      // defocus come from the CTF fit.
      const auto sum = metrics::cryoem_metrics(image_of(m.sum));
      const auto sum_zero_res = metrics::find_metric(sum, "first_zero_resolution_A");
      QVERIFY(sum_zero_res);
      const double sum_zero = 1.0 / *sum_zero_res;
      QVERIFY2(std::abs(sum_zero / k0 - 1.0) < 0.02,
               qPrintable(QString("sum's first zero %1 vs truth %2").arg(sum_zero).arg(k0)));
      const double mean_defocus = 0.5 * (m.truth.ctf.defocus_u_A + m.truth.ctf.defocus_v_A);
      const auto defocus = metrics::find_metric(sum, "defocus_fit_A");
      QVERIFY(defocus);
      QVERIFY2(std::abs(*defocus / mean_defocus - 1.0) < 0.02,
               qPrintable(QString("defocus %1 vs truth %2").arg(*defocus).arg(mean_defocus)));
      qInfo("micrograph %d: noise %.4f / %.4f, first zero clean %.5f, sum %.5f, truth %.5f 1/A, "
            "visibility clean %.3f, sum %.3f",
            i + 1, est, true_sigma, zero, sum_zero, k0,
            *metrics::find_metric(clean, "thon_visibility"),
            *metrics::find_metric(sum, "thon_visibility"));

      // 3x3 box blurs, applied again and again.
      Image blurred = image_of(m.sum);
      double previous = metrics::laplacian_variance(metrics::band_plane(blurred, 0));
      for (int pass = 0; pass < 3; ++pass) {
        const std::vector<float> src(blurred.values<float>().begin(),
                                     blurred.values<float>().end());
        auto dst = blurred.values<float>();
        const int n = o.size;
        for (int y = 1; y + 1 < n; ++y)
          for (int x = 1; x + 1 < n; ++x) {
            float acc = 0;
            for (int dy = -1; dy <= 1; ++dy)
              for (int dx = -1; dx <= 1; ++dx)
                acc += src[static_cast<std::size_t>((y + dy) * n + x + dx)];
            dst[static_cast<std::size_t>(y * n + x)] = acc / 9.0f;
          }
        const double sharp = metrics::laplacian_variance(metrics::band_plane(blurred, 0));
        QVERIFY2(sharp < previous, qPrintable(QString("%1 %2").arg(sharp).arg(previous)));
        previous = sharp;
      }
    }
  }

  // Amorphous ice is a broadband scatterer: with it the sum's Thon rings
  // stand out more than with a uniform slab, the truth records its scale,
  // and the noise estimate still measures shot noise (checked above).
  void iceStructureCarriesTheRings() {
    SimulationOptions o;
    o.size = 1024;
    o.frames = 2;
    o.no_movies = true;
    o.seed = 11;
    double recorded = -1;
    auto sum_visibility = [&](double ice) {
      o.ice_structure = ice;
      const SimulatedMicrograph m = simulate_micrograph(o, 0);
      Image img(o.size, o.size, 1, DType::f32);
      std::copy(m.sum.begin(), m.sum.end(), img.values<float>().begin());
      recorded = m.truth.ice_structure;
      return *metrics::find_metric(metrics::cryoem_metrics(img, o.pixel_size_A), "thon_visibility");
    };
    const double slab = sum_visibility(0.0), ice = sum_visibility(1.0);
    QCOMPARE(recorded, 1.0);
    qInfo("Thon-ring visibility of the sum: uniform slab %.3f, amorphous ice %.3f", slab, ice);
    QVERIFY(ice > 1.3 * slab);
    o.ice_structure = -1;
    QVERIFY_THROWS_EXCEPTION(Error, validate_options(o));
  }

  void driftsMatchFrames() {
    SimulationOptions o = small_options();
    o.size = 128;
    o.frames = 6;
    o.pixel_size_A = 1.0;
    o.total_dose_e_per_A2 = 3000; // 500 e-/px per frame: one frame locates the particles
    o.drift_max_px = 9.0;
    o.particle_diameter_A = 30.0;
    o.seed = 3;
    const SimulatedMicrograph m = simulate_micrograph(o, 1);
    const int n = 128, r = 12;
    // Template: the clean image minus its 5 x 5 local mean, so the peak is
    // as sharp as the particles' detail rather than as broad as the ice.
    std::vector<float> tpl(static_cast<std::size_t>(n) * n);
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x) {
        double local = 0;
        for (int v = -2; v <= 2; ++v)
          for (int u = -2; u <= 2; ++u)
            local += m.clean[((y + v + n) % n) * n + (x + u + n) % n];
        tpl[y * n + x] = static_cast<float>(m.clean[y * n + x] - local / 25);
      }
    for (int f : {1, 3, 5}) {
      const std::uint16_t* frame = m.movie.data() + static_cast<std::size_t>(f) * n * n;
      double fm = 0;
      for (int i = 0; i < n * n; ++i)
        fm += frame[i];
      fm /= n * n;
      // cc(s) = sum_p (frame(p) - mean) (clean(p - s) - mean), periodic.
      std::vector<double> cc((2 * r + 1) * (2 * r + 1));
      int best = 0;
      for (int sy = -r; sy <= r; ++sy)
        for (int sx = -r; sx <= r; ++sx) {
          double s = 0;
          for (int y = 0; y < n; ++y)
            for (int x = 0; x < n; ++x)
              s += (frame[y * n + x] - fm) * tpl[((y - sy + n) % n) * n + (x - sx + n) % n];
          const int i = (sy + r) * (2 * r + 1) + sx + r;
          cc[i] = s;
          if (s > cc[best]) best = i;
        }
      const int by = best / (2 * r + 1), bx = best % (2 * r + 1);
      QVERIFY(bx > 0 && bx < 2 * r && by > 0 && by < 2 * r);
      auto vertex = [](double a, double b, double c) { return 0.5 * (a - c) / (a - 2 * b + c); };
      const int w = 2 * r + 1;
      const double px = bx - r + vertex(cc[best - 1], cc[best], cc[best + 1]);
      const double py = by - r + vertex(cc[best - w], cc[best], cc[best + w]);
      const auto& d = m.truth.drifts_px[static_cast<std::size_t>(f)];
      QVERIFY2(std::abs(px - d[0]) < 0.5 && std::abs(py - d[1]) < 0.5,
               qPrintable(QString("frame %1: peak (%2, %3), drift (%4, %5)")
                              .arg(f)
                              .arg(px)
                              .arg(py)
                              .arg(d[0])
                              .arg(d[1])));
    }
    // The drift really moves: the last frame is more than a pixel away.
    QVERIFY(std::hypot(m.truth.drifts_px.back()[0], m.truth.drifts_px.back()[1]) > 1.0);
  }

  void invalidOptions() {
    SimulationOptions o = small_options();
    o.size = 0;
    ATELIER_VERIFY_THROWS(validate_options(o), Error, "size");
    o = small_options();
    o.frames = 0;
    ATELIER_VERIFY_THROWS(simulate_micrographs("/nonexistent/x", o), Error, "frames");
    o = small_options();
    o.amplitude_contrast = 1.5;
    ATELIER_VERIFY_THROWS(simulate_micrograph(o, 0), Error, "amplitude contrast");
  }
};

QTEST_APPLESS_MAIN(TestSimulate)
#include "test_simulate.moc"

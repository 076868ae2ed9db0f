// Tests of atelier::metrics: exact statistics, NaN/Inf counts, saturation,
// the noise estimator on Gaussian noise, sharpness ordering, perceptual
// hashes, the power spectrum against an analytic CTF, thumbnails, the
// thumbnail cache and the provider registry.
#include "core/base/error.h"
#include "core/metrics/cryoem_metrics.h"
#include "core/metrics/defocus_fit.h"
#include "core/metrics/generic_metrics.h"
#include "core/metrics/metric_registry.h"
#include "core/metrics/real_fft.h"
#include "core/metrics/thumbnail.h"
#include "core/metrics/tile_pair_fft.h"
#include "core/simulate/ctf.h"

#include <QTemporaryDir>
#include <QTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <random>
#include <tuple>

using namespace atelier;
using namespace atelier::metrics;

namespace {

Image f32_image(int w, int h, const std::vector<float>& v) {
  Image img(w, h, 1, DType::f32);
  std::copy(v.begin(), v.end(), img.values<float>().begin());
  return img;
}

Image from_mat(const cv::Mat& m) {
  cv::Mat f;
  m.convertTo(f, CV_32F);
  Image img(f.cols, f.rows, 1, DType::f32);
  for (int y = 0; y < f.rows; ++y)
    std::copy(f.ptr<float>(y), f.ptr<float>(y) + f.cols, img.values<float>().begin() + y * f.cols);
  return img;
}

cv::Mat noise_mat(int w, int h, double sigma, unsigned seed) {
  cv::Mat m(h, w, CV_32F);
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, static_cast<float>(sigma));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      m.at<float>(y, x) = d(rng);
  return m;
}

double metric(const std::vector<Metric>& m, const char* name) {
  const auto v = find_metric(m, name);
  if (!v) qFatal("metric %s missing", name);
  return *v;
}

// A smooth, structured test picture (blobs and a gradient).
cv::Mat scene(int w, int h, int variant) {
  cv::Mat m(h, w, CV_32F);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double u = double(x) / w, v = double(y) / h;
      m.at<float>(y, x) = variant == 0
                              ? float(100 * std::sin(7 * u) * std::cos(5 * v) + 60 * u)
                              : float(100 * std::cos(11 * v + 3 * u) - 50 * std::sin(9 * u));
    }
  return m;
}

// White noise filtered by a CTF with a B-factor envelope (pixel size 1 Å),
// plus white noise 10x weaker in power.
Image ctf_micrograph(int n, const simulate::CtfParams& ctf, double bfactor, unsigned seed) {
  cv::Mat f;
  cv::dft(noise_mat(n, n, 1.0, seed), f, cv::DFT_COMPLEX_OUTPUT);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      const int fy = y <= n / 2 ? y : y - n, fx = x <= n / 2 ? x : x - n;
      const double k = std::sqrt(double(fx) * fx + double(fy) * fy) / n;
      const double g = simulate::ctf_value(ctf, k, 0.0) * std::exp(-bfactor * k * k / 4.0);
      f.at<cv::Vec2f>(y, x) *= static_cast<float>(g);
    }
  cv::Mat signal;
  cv::idft(f, signal, cv::DFT_REAL_OUTPUT | cv::DFT_SCALE);
  cv::Mat img = signal * std::sqrt(10.0) + noise_mat(n, n, 1.0, seed + 1);
  Image out = from_mat(img);
  out.spacing.xyz = {1.0, 1.0, 1.0};
  out.spacing.unit = "A";
  out.spacing.source = PixelSizeSource::header;
  return out;
}

} // namespace

class TestMetrics : public QObject {
  Q_OBJECT

private slots:
  void statsTakeTheSampleOfSampleValues() {
    // The pass that also samples gives the same statistics as finite_stats
    // and the same values as sample_values, for sampled and whole planes,
    // with non-finite pixels (a leading NaN run included) and a tail that
    // is no multiple of four.
    std::mt19937 rng(3);
    std::normal_distribution<float> g(5.0f, 2.0f);
    for (const auto& [w, h, budget] :
         {std::tuple{1021, 517, std::size_t{4096}}, std::tuple{33, 7, std::size_t{1000}},
          std::tuple{640, 480, kPercentileSamples}}) {
      std::vector<float> v(std::size_t(w) * std::size_t(h));
      for (float& x : v)
        x = g(rng);
      for (std::size_t i = 0; i < 40; ++i)
        v[i] = std::numeric_limits<float>::quiet_NaN();
      for (std::size_t i = 100; i < v.size(); i += 997)
        v[i] = std::numeric_limits<float>::infinity();
      const PlaneView plane{w, h, v.data()};
      std::vector<float> sample;
      const FiniteStats a = finite_stats(plane, sample, budget);
      const FiniteStats b = finite_stats(v.data(), v.size());
      QCOMPARE(a.count, b.count);
      QCOMPARE(a.nonfinite, b.nonfinite);
      QCOMPARE(a.at_max, b.at_max);
      QCOMPARE(a.min, b.min);
      QCOMPARE(a.max, b.max);
      QCOMPARE(a.mean, b.mean);
      QCOMPARE(a.m2, b.m2);
      QCOMPARE(sample, sample_values(plane, budget));
    }
  }

  void sampledPercentilesTrackExactOnes() {
    // 2^21 Gaussian values: the subsample's p01/p50/p99 sit within 0.05
    // sigma of the exact order statistics (the standard error of the sampled
    // p01 is sqrt(0.01 * 0.99 / 2^16) / phi(2.33) = 0.015 sigma; 0.05 is
    // more than 3 standard errors).
    std::mt19937 rng(17);
    std::normal_distribution<float> n;
    std::vector<float> v(std::size_t{1} << 21);
    for (float& x : v)
      x = n(rng);
    std::vector<float> a = v, b = v;
    const auto exact = percentiles(a, {1.0, 50.0, 99.0});
    const auto sampled = sampled_percentiles(b, {1.0, 50.0, 99.0});
    for (int i = 0; i < 3; ++i)
      QVERIFY2(
          std::abs(exact[std::size_t(i)] - sampled[std::size_t(i)]) < 0.05,
          qPrintable(QString("%1 vs %2").arg(exact[std::size_t(i)]).arg(sampled[std::size_t(i)])));
    // Small inputs stay exact.
    std::vector<float> small{5, 1, 4, 2, 3}, small2 = small;
    QCOMPARE(sampled_percentiles(small, {50.0}), percentiles(small2, {50.0}));
  }

  void largeFloatPercentilesMatchSorting() {
    // Above 8192 values float percentiles go through the key histogram and
    // the collected key ranges; they must equal numpy-style interpolation
    // on the sorted values whatever the spread: a narrow peak on a large
    // offset (one bucket holds nearly all), signed zeros and negatives
    // (key order across the sign), many ties, a lone outlier, NaN/Inf.
    std::mt19937 rng(5);
    std::normal_distribution<float> g;
    std::vector<std::vector<float>> cases;
    std::vector<float> v(40000);
    for (float& x : v)
      x = g(rng);
    cases.push_back(v);
    for (float& x : v)
      x = 1000.0f + 0.01f * g(rng);
    cases.push_back(v);
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = (i % 3 == 0) ? -0.0f : (i % 3 == 1 ? 0.0f : static_cast<float>(int(i % 7) - 3));
    cases.push_back(v);
    for (float& x : v)
      x = std::round(4.0f * g(rng));
    v[17] = 1e30f;
    v[18] = std::numeric_limits<float>::quiet_NaN();
    v[19] = -std::numeric_limits<float>::infinity();
    cases.push_back(v);
    std::vector<float> none = cases[0];
    QVERIFY(percentiles(none, {}).empty());
    // Three at a time: more go through the plain selection.
    const std::vector<std::vector<double>> sets{{0.0, 50.0, 100.0}, {0.5, 99.5}, {1.0, 37.3, 99.0}};
    for (std::size_t c = 0; c < cases.size() * sets.size(); ++c) {
      const std::vector<float>& input = cases[c / sets.size()];
      const std::vector<double>& ps = sets[c % sets.size()];
      std::vector<float> sorted;
      for (const float x : input)
        if (std::isfinite(x)) sorted.push_back(x);
      std::sort(sorted.begin(), sorted.end());
      std::vector<float> work = input;
      const auto got = percentiles(work, ps);
      for (std::size_t i = 0; i < ps.size(); ++i) {
        const double pos = ps[i] / 100.0 * static_cast<double>(sorted.size() - 1);
        const auto r = static_cast<std::size_t>(std::floor(pos));
        const double a = sorted[r], b = sorted[std::min(r + 1, sorted.size() - 1)];
        const double want = a + (b - a) * (pos - static_cast<double>(r));
        QVERIFY2(got[i] == want, qPrintable(QString("case %1, p%2: %3 vs %4")
                                                .arg(c)
                                                .arg(ps[i])
                                                .arg(got[i], 0, 'g', 9)
                                                .arg(want, 0, 'g', 9)));
      }
    }
  }

  void exactStats() {
    std::vector<float> v;
    for (int i = 1; i <= 12; ++i)
      v.push_back(float(i));
    const auto m = generic_metrics(f32_image(4, 3, v));
    QCOMPARE(metric(m, "min"), 1.0);
    QCOMPARE(metric(m, "max"), 12.0);
    QCOMPARE(metric(m, "mean"), 6.5);
    QVERIFY(std::abs(metric(m, "std") - std::sqrt(143.0 / 12.0)) < 1e-12);
    QVERIFY(std::abs(metric(m, "p01") - 1.11) < 1e-9);
    QCOMPARE(metric(m, "p50"), 6.5);
    QVERIFY(std::abs(metric(m, "p99") - 11.89) < 1e-9);
    QCOMPARE(metric(m, "nan_count"), 0.0);
    // A float maximum held by more than 0.1% of the values counts as saturation.
    QCOMPARE(metric(m, "saturation_fraction"), 1.0 / 12.0);
    // Laplacian of a linear ramp is 0 inside.
    QCOMPARE(metric(m, "sharpness"), 0.0);
  }

  void nanInfCounts() {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const auto m = generic_metrics(f32_image(7, 1, {1, nan, 2, inf, nan, -inf, 3}));
    QCOMPARE(metric(m, "nan_count"), 2.0);
    QCOMPARE(metric(m, "inf_count"), 2.0);
    QCOMPARE(metric(m, "min"), 1.0);
    QCOMPARE(metric(m, "max"), 3.0);
    QCOMPARE(metric(m, "mean"), 2.0);
    QCOMPARE(metric(m, "p50"), 2.0);
    const auto all_nan = generic_metrics(f32_image(2, 1, {nan, nan}));
    QVERIFY(std::isnan(metric(all_nan, "mean")));
    QVERIFY(std::isnan(metric(all_nan, "p50")));
    QCOMPARE(metric(all_nan, "nan_count"), 2.0);
  }

  void saturation_data() {
    QTest::addColumn<int>("dtype");
    QTest::addColumn<QList<double>>("values");
    QTest::addColumn<double>("expected");
    QTest::newRow("u8 3 of 10") << int(DType::u8)
                                << QList<double>{255, 255, 255, 0, 1, 2, 3, 4, 5, 254} << 0.3;
    QTest::newRow("u8 none") << int(DType::u8) << QList<double>{254, 0, 7, 9} << 0.0;
    QTest::newRow("u16 1 of 4") << int(DType::u16) << QList<double>{65535, 0, 4095, 12} << 0.25;
    QTest::newRow("u16 12-bit max is not saturation")
        << int(DType::u16) << QList<double>{4095, 4095, 1, 2} << 0.0;
    QList<double> many(1000, 1.0);
    many[0] = 5.0;
    many[1] = 5.0;
    QTest::newRow("f32 0.2% at max") << int(DType::f32) << many << 0.002;
    many[1] = 4.0;
    QTest::newRow("f32 0.1% at max is not") << int(DType::f32) << many << 0.0;
  }
  void saturation() {
    QFETCH(int, dtype);
    QFETCH(QList<double>, values);
    QFETCH(double, expected);
    const auto t = static_cast<DType>(dtype);
    Image img(values.size(), 1, 1, t);
    for (int i = 0; i < values.size(); ++i) {
      if (t == DType::u8) img.values<std::uint8_t>()[i] = std::uint8_t(values[i]);
      if (t == DType::u16) img.values<std::uint16_t>()[i] = std::uint16_t(values[i]);
      if (t == DType::f32) img.values<float>()[i] = float(values[i]);
    }
    QVERIFY(std::abs(metric(generic_metrics(img), "saturation_fraction") - expected) < 1e-12);
    QVERIFY(std::abs(saturation_fraction(img, 0) - expected) < 1e-12);
  }

  void wideIntegerTypes() {
    // u32 keeps full precision (no float rounding): 4294967295 is saturation.
    Image u(3, 1, 1, DType::u32);
    u.values<std::uint32_t>()[0] = 4294967295u;
    u.values<std::uint32_t>()[1] = 4294967294u;
    u.values<std::uint32_t>()[2] = 1u;
    const auto m = generic_metrics(u);
    QCOMPARE(metric(m, "max"), 4294967295.0);
    QCOMPARE(metric(m, "p50"), 4294967294.0);
    QVERIFY(std::abs(metric(m, "saturation_fraction") - 1.0 / 3.0) < 1e-12);
    Image s(4, 1, 1, DType::i16);
    const std::int16_t v[] = {-32768, -5, 7, 32767};
    std::copy(std::begin(v), std::end(v), s.values<std::int16_t>().begin());
    const auto ms = generic_metrics(s);
    QCOMPARE(metric(ms, "min"), -32768.0);
    QCOMPARE(metric(ms, "mean"), 0.25);
    QCOMPARE(metric(ms, "p50"), 1.0);
    QCOMPARE(metric(ms, "saturation_fraction"), 0.25);
  }

  void multiBand() {
    Image img(2, 2, 2, DType::u8);
    const std::uint8_t v[] = {10, 255, 20, 255, 30, 0, 40, 0};
    std::copy(std::begin(v), std::end(v), img.values<std::uint8_t>().begin());
    const auto m = generic_metrics(img);
    QCOMPARE(metric(m, "mean_b1"), 25.0);
    QCOMPARE(metric(m, "mean_b2"), 127.5);
    QCOMPARE(metric(m, "mean"), (100.0 + 510.0) / 8.0);
    QCOMPARE(metric(m, "saturation_fraction_b2"), 0.5);
    QCOMPARE(metric(m, "saturation_fraction_b1"), 0.0);
    QCOMPARE(metric(m, "saturation_fraction"), 0.25);
    QCOMPARE(metric(m, "max_b2"), 255.0);
  }

  void noiseEstimate_data() {
    QTest::addColumn<double>("sigma");
    QTest::newRow("0.5") << 0.5;
    QTest::newRow("2") << 2.0;
    QTest::newRow("10") << 10.0;
  }
  void noiseEstimate() {
    QFETCH(double, sigma);
    cv::Mat m = noise_mat(512, 512, sigma, 7) + 100.0f;
    const double est = metric(generic_metrics(from_mat(m)), "noise_sigma");
    QVERIFY2(std::abs(est / sigma - 1.0) < 0.05, qPrintable(QString::number(est)));
    // Smooth structure under the noise barely moves the estimate.
    cv::Mat structured = noise_mat(512, 512, sigma, 8) + scene(512, 512, 0) * 0.2;
    const double est2 = noise_sigma(band_plane(from_mat(structured), 0));
    QVERIFY2(std::abs(est2 / sigma - 1.0) < 0.05, qPrintable(QString::number(est2)));
  }

  void sharpnessOrdering() {
    const cv::Mat base = noise_mat(256, 256, 20, 3) + scene(256, 256, 0);
    double previous = laplacian_variance(band_plane(from_mat(base), 0));
    for (double s : {0.7, 1.5, 3.0, 6.0}) {
      cv::Mat blurred;
      cv::GaussianBlur(base, blurred, cv::Size(0, 0), s);
      const double sharp = metric(generic_metrics(from_mat(blurred)), "sharpness");
      QVERIFY2(sharp < previous * 0.8, qPrintable(QString("%1 %2").arg(sharp).arg(previous)));
      previous = sharp;
    }
  }

  void perceptualHash() {
    const Image a = from_mat(scene(320, 240, 0));
    QCOMPARE(hamming_distance(perceptual_hash(a), perceptual_hash(a)), 0);
    const Image noisy = from_mat(scene(320, 240, 0) + noise_mat(320, 240, 2.0, 11));
    QVERIFY(hamming_distance(perceptual_hash(a), perceptual_hash(noisy)) <= 4);
    // Rescaled and contrast-changed copies hash alike too.
    cv::Mat half;
    cv::resize(scene(320, 240, 0) * 3.0 + 7.0, half, cv::Size(160, 120), 0, 0, cv::INTER_AREA);
    QVERIFY(hamming_distance(perceptual_hash(a), perceptual_hash(from_mat(half))) <= 4);
    const Image b = from_mat(scene(320, 240, 1));
    QVERIFY(hamming_distance(perceptual_hash(a), perceptual_hash(b)) >= 16);
    QCOMPARE(hamming_distance(0, ~std::uint64_t{0}), 64);
    QCOMPARE(hamming_distance(0b1011, 0b0001), 2);
  }

  void powerSpectrumWhiteNoise() {
    Image img = from_mat(noise_mat(2048, 2048, 2.0, 5));
    const auto ps = rotational_power_spectrum(img);
    QCOMPARE(ps.tile, 512);
    QCOMPARE(ps.tiles, 16); // 4 x 4 side by side
    // Overlapping tiles, and the tile cap spreading fewer tiles evenly.
    QCOMPARE(rotational_power_spectrum(img, {512, 0.5, 100}).tiles, 49);
    QCOMPARE(rotational_power_spectrum(img, {512, 0.5, 12}).tiles, 12);
    QCOMPARE(rotational_power_spectrum(img, {512, 0.0, 1}).tiles, 1);
    QCOMPARE(int(ps.power.size()), 257);
    QVERIFY(ps.freq_per_A().empty());
    QVERIFY(std::abs(ps.freq_per_px[100] - 100.0 / 512) < 1e-3);
    for (int r = 10; r < 250; ++r)
      QVERIFY2(std::abs(ps.power[r] / 4.0 - 1.0) < 0.15,
               qPrintable(QString("bin %1: %2").arg(r).arg(ps.power[r])));
    const ThonRings rings = analyse_thon_rings(ps);
    qInfo("white noise: visibility %.4f", rings.visibility);
    QCOMPARE(rings.first_zero_per_px, 0.0);
    QCOMPARE(rings.fade_per_px, 0.0);
    QVERIFY2(rings.visibility < 0.02, qPrintable(QString::number(rings.visibility)));
    QVERIFY_THROWS_EXCEPTION(Error, rotational_power_spectrum(from_mat(noise_mat(20, 200, 1, 1))));
  }

  // One complex transform of a pair gives the two real tiles' summed power.
  void tilePairPowerMatchesRealTransforms() {
    const int n = 64;
    std::mt19937 rng(7);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> a(n * n), b(n * n);
    for (int i = 0; i < n * n; ++i)
      a[i] = g(rng), b[i] = 3.0f + g(rng);
    std::vector<float> expected(static_cast<std::size_t>(n) * (n / 2 + 1), 0.0f);
    for (const auto* tile : {&a, &b}) {
      RealFft2d real(n);
      std::copy(tile->begin(), tile->end(), real.input());
      real.transform();
      for (std::size_t i = 0; i < expected.size(); ++i)
        expected[i] += std::norm(real.output()[i]);
    }
    TilePairFft pair(n);
    for (int i = 0; i < n * n; ++i)
      pair.input()[i] = {a[i], b[i]};
    pair.transform();
    std::vector<float> power;
    pair.add_power(power);
    QCOMPARE(power.size(), expected.size());
    for (std::size_t i = 0; i < power.size(); ++i)
      QVERIFY2(
          std::abs(power[i] - expected[i]) <= 1e-3f * (1.0f + expected[i]),
          qPrintable(QString("coefficient %1: %2 vs %3").arg(i).arg(power[i]).arg(expected[i])));
  }

  // The mean comes off every tile, paired or not (an odd count): after the
  // provisional offset (a tile's first row) by correcting the transform, or,
  // when a pair holds NaN pixels, by windowing again with the exact means.
  // Both ways give one spectrum, and an added constant changes nothing.
  void powerSpectrumRemovesTileMeans() {
    Image img = from_mat(noise_mat(1536, 512, 2.0, 9)); // three 512 tiles
    auto values = img.values<float>();
    for (int x = 0; x < 1536; ++x)
      values[static_cast<std::size_t>(x)] = 40.0f; // first rows far from the tile means
    const auto corrected = rotational_power_spectrum(img);
    QCOMPARE(corrected.tiles, 3);
    Image holed = img;
    for (const int x : {100, 1100}) // one NaN in the pair, one in the unpaired tile
      holed.values<float>()[static_cast<std::size_t>(300) * 1536 + x] =
          std::numeric_limits<float>::quiet_NaN();
    const auto redone = rotational_power_spectrum(holed);
    Image shifted = img;
    for (float& v : shifted.values<float>())
      v += 1000.0f;
    const auto offset = rotational_power_spectrum(shifted);
    for (std::size_t r = 1; r < corrected.power.size(); ++r) {
      QVERIFY2(
          std::abs(redone.power[r] / corrected.power[r] - 1.0) < 0.05,
          qPrintable(
              QString("bin %1: %2 vs %3").arg(r).arg(redone.power[r]).arg(corrected.power[r])));
      QVERIFY2(
          std::abs(offset.power[r] / corrected.power[r] - 1.0) < 0.02,
          qPrintable(
              QString("bin %1: %2 vs %3").arg(r).arg(offset.power[r]).arg(corrected.power[r])));
    }
  }

  void powerSpectrumCtfKnownAnswer() {
    const simulate::CtfParams ctf; // 300 kV, Cs 2.7 mm, 7% amplitude contrast, 1.5 um
    const double k0 = simulate::ctf_first_zero_frequency(ctf);
    const Image sharp = ctf_micrograph(2048, ctf, 20.0, 21);
    const auto ps = rotational_power_spectrum(sharp);
    QCOMPARE(ps.pixel_size_A, 1.0);
    const ThonRings rings = analyse_thon_rings(ps);
    QVERIFY2(std::abs(rings.first_zero_per_A() / k0 - 1.0) < 0.02,
             qPrintable(QString("%1 vs %2").arg(rings.first_zero_per_A()).arg(k0)));

    const Image blurred = ctf_micrograph(2048, ctf, 600.0, 21);
    const ThonRings soft = analyse_thon_rings(rotational_power_spectrum(blurred));
    qInfo("first zero %.5f / %.5f (analytic %.5f), fade %.4f / %.4f, visibility %.3f / %.3f",
          rings.first_zero_per_A(), soft.first_zero_per_A(), k0, rings.fade_per_A(),
          soft.fade_per_A(), rings.visibility, soft.visibility);
    QVERIFY2(std::abs(soft.first_zero_per_A() / k0 - 1.0) < 0.02,
             qPrintable(QString("%1 vs %2").arg(soft.first_zero_per_A()).arg(k0)));
    QVERIFY2(soft.fade_per_A() < 0.8 * rings.fade_per_A(),
             qPrintable(QString("%1 vs %2").arg(soft.fade_per_A()).arg(rings.fade_per_A())));
    QVERIFY(soft.fade_per_A() > k0);
    QVERIFY(rings.visibility > soft.visibility);
    QVERIFY(soft.visibility > 0.02);

    const auto m = cryoem_metrics(sharp);
    QCOMPARE(metric(m, "ring_fade_resolution_A"), 1.0 / rings.fade_per_A());
    QVERIFY(std::abs(metric(m, "first_zero_resolution_A") * k0 - 1.0) < 0.02);
    QCOMPARE(metric(m, "thon_visibility"), rings.visibility);
    Image bare = sharp;
    bare.spacing = {}; // the pixel size unknown: pixels only
    const auto in_px = cryoem_metrics(bare, 0.0);
    QVERIFY(!find_metric(in_px, "ring_fade_resolution_A"));
    QVERIFY(!find_metric(in_px, "first_zero_resolution_A"));
    QCOMPARE(metric(in_px, "ring_fade_resolution_px"), rings.fade_resolution_px());
    // Noise has no rings: zero and fade are missing, not 0 (a 0 Å
    // "resolution" would pass every "better than" filter).
    const auto noise = cryoem_metrics(from_mat(noise_mat(256, 256, 1, 2)), 1.0);
    QVERIFY(find_metric(noise, "thon_visibility"));
    for (const char* name :
         {"first_zero_resolution_A", "first_zero_freq_per_px", "ring_fade_resolution_A",
          "ring_fade_resolution_px", "defocus_fit_A", "defocus_fit_margin"})
      QVERIFY2(!find_metric(noise, name), name);
    // The CTF fit's defocus on the clean micrograph.
    QVERIFY2(std::abs(metric(m, "defocus_fit_A") / ctf.defocus_u_A - 1.0) < 0.01,
             qPrintable(QString::number(metric(m, "defocus_fit_A"))));
  }

  // The CTF fit over white noise of 2k x 2k (16 tiles) and of several seeds
  // never reports a defocus: no distinct peak.
  void defocusFitRefusesNoise() {
    for (int seed = 1; seed <= 12; ++seed) {
      Image img = from_mat(noise_mat(2048, 2048, 2.0, seed));
      img.spacing = {{1.0, 1.0, 1.0}, "A"};
      const DefocusFit fit = fit_defocus(rotational_power_spectrum(img));
      qInfo("noise seed %d: score %.3f margin %.3f at %.0f A", seed, fit.score, fit.margin,
            fit.defocus_A);
      QVERIFY(!fit.found);
    }
    // Without a pixel size there is nothing to fit.
    QVERIFY(!fit_defocus(rotational_power_spectrum(from_mat(noise_mat(512, 512, 1, 1)))).found);
  }

  // Flattening removes a smooth radial decay and keeps rings: on a
  // synthetic log spectrum (decay + rings of period 8 radii) what is left
  // correlates with the rings and has no trend.
  void flattenSpectrumKeepsRings() {
    FloatPlane s;
    s.width = s.height = 256;
    s.data.resize(256 * 256);
    std::vector<float> rings(s.data.size());
    for (int y = 0; y < 256; ++y)
      for (int x = 0; x < 256; ++x) {
        const double r = std::hypot(x - 128.0, y - 128.0);
        const auto i = static_cast<std::size_t>(y * 256 + x);
        rings[i] = static_cast<float>(0.3 * std::cos(2 * M_PI * r / 8.0));
        s.data[i] = static_cast<float>(-3.0 - 0.02 * r) + rings[i];
      }
    flatten_spectrum_background(s);
    double dot = 0, aa = 0, bb = 0, inner = 0, outer = 0;
    int n_in = 0, n_out = 0;
    for (int y = 0; y < 256; ++y)
      for (int x = 0; x < 256; ++x) {
        const auto i = static_cast<std::size_t>(y * 256 + x);
        const double r = std::hypot(x - 128.0, y - 128.0);
        if (r < 16 || r > 120) continue; // the ends of the moving average
        dot += s.data[i] * rings[i];
        aa += double(s.data[i]) * s.data[i];
        bb += double(rings[i]) * rings[i];
        (r < 60 ? inner : outer) += s.data[i];
        ++(r < 60 ? n_in : n_out);
      }
    const double correlation = dot / std::sqrt(aa * bb);
    qInfo("flattened: correlation with the rings %.3f, mean inner %.3f outer %.3f", correlation,
          inner / n_in, outer / n_out);
    QVERIFY(correlation > 0.9);
    QVERIFY(std::abs(inner / n_in) < 0.05 && std::abs(outer / n_out) < 0.05); // no trend left
  }

  void thumbnailSize_data() {
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    QTest::addColumn<int>("tw");
    QTest::addColumn<int>("th");
    QTest::newRow("landscape") << 1000 << 500 << 256 << 128;
    QTest::newRow("portrait") << 100 << 300 << 85 << 256;
    QTest::newRow("small kept") << 50 << 40 << 50 << 40;
    QTest::newRow("thin") << 2000 << 3 << 256 << 1;
  }
  void thumbnailSize() {
    QFETCH(int, w);
    QFETCH(int, h);
    QFETCH(int, tw);
    QFETCH(int, th);
    const Image t = make_thumbnail(from_mat(scene(w, h, 0)));
    QCOMPARE(t.width(), tw);
    QCOMPARE(t.height(), th);
    QCOMPARE(t.channels(), 1);
    QCOMPARE(t.dtype(), DType::u8);
  }

  void thumbnailMatchesAreaResize_data() {
    QTest::addColumn<int>("w");
    QTest::addColumn<int>("h");
    // At most 2^14 pixels, so the contrast sample holds every value and
    // percentiles 0 and 100 are the true extremes.
    QTest::newRow("blocks of 4") << 1024 << 16;
    QTest::newRow("blocks of 16") << 4096 << 4;
    QTest::newRow("blocks of 3") << 768 << 21;
    QTest::newRow("fractional") << 1000 << 16;
  }
  void thumbnailMatchesAreaResize() {
    // With the full range as the window nothing clips, so mapping then
    // averaging equals OpenCV's INTER_AREA of the mapped image, to rounding.
    QFETCH(int, w);
    QFETCH(int, h);
    // Pixel noise, so a block one column off shows.
    cv::Mat noise(h, w, CV_32F);
    cv::RNG rng(7);
    rng.fill(noise, cv::RNG::NORMAL, 0.0, 40.0);
    const cv::Mat src = scene(w, h, 0) + noise;
    const Image t = make_thumbnail(from_mat(src), 256, {0.0, 100.0});
    double lo = 0, hi = 0;
    cv::minMaxLoc(src, &lo, &hi);
    cv::Mat mapped, want;
    src.convertTo(mapped, CV_32F, 255.0 / (hi - lo), -lo * 255.0 / (hi - lo));
    cv::resize(mapped, want, cv::Size(int(t.width()), int(t.height())), 0, 0, cv::INTER_AREA);
    int worst = 0;
    for (int y = 0; y < want.rows; ++y)
      for (int x = 0; x < want.cols; ++x) {
        const int got = t.values<std::uint8_t>()[std::size_t(y) * want.cols + x];
        worst = std::max(worst, std::abs(got - int(std::lround(want.at<float>(y, x)))));
      }
    QVERIFY2(worst <= 1, qPrintable(QString("largest difference %1 grey levels").arg(worst)));
  }

  void thumbnailContrast() {
    // 0..999: the 0.5% and 99.5% percentiles are 4.995 and 994.005.
    std::vector<float> v(1000);
    for (int i = 0; i < 1000; ++i)
      v[i] = float(i);
    v[500] = std::numeric_limits<float>::quiet_NaN();
    const Image t = make_thumbnail(f32_image(1000, 1, v), 1000);
    const auto px = t.values<std::uint8_t>();
    auto expect = [](double x) {
      return int(std::clamp(std::lround((x - 4.995) * 255.0 / (994.005 - 4.995)), 0L, 255L));
    };
    // The NaN drops out: percentiles of 999 values 0..999 without 500.
    QCOMPARE(int(px[0]), 0);
    QCOMPARE(int(px[4]), 0);
    QCOMPARE(int(px[999]), 255);
    QCOMPARE(int(px[500]), 0);
    QVERIFY(std::abs(int(px[250]) - expect(250)) <= 1);
    QVERIFY(std::abs(int(px[750]) - expect(750)) <= 1);
    // A constant image is all 0; custom percentiles stretch 0..100 fully.
    const Image flat = make_thumbnail(f32_image(3, 1, {5, 5, 5}));
    QCOMPARE(int(flat.values<std::uint8_t>()[1]), 0);
    const Image full = make_thumbnail(f32_image(3, 1, {0, 50, 100}), 256, {0.0, 100.0});
    QCOMPARE(int(full.values<std::uint8_t>()[0]), 0);
    QCOMPARE(int(full.values<std::uint8_t>()[1]), 128);
    QCOMPARE(int(full.values<std::uint8_t>()[2]), 255);
  }

  void thumbnailBands() {
    Image rgba(8, 4, 4, DType::u16);
    for (std::size_t i = 0; i < rgba.value_count(); ++i)
      rgba.values<std::uint16_t>()[i] = std::uint16_t(i % 4 == 3 ? 65535 : i % 4 * 1000);
    const Image t = make_thumbnail(rgba, 4, {0.0, 100.0});
    QCOMPARE(t.channels(), 3);
    QCOMPARE(t.width(), 4);
    QCOMPARE(t.height(), 2);
    QCOMPARE(int(t.values<std::uint8_t>()[0]), 0);
    QCOMPARE(int(t.values<std::uint8_t>()[1]), 128);
    QCOMPARE(int(t.values<std::uint8_t>()[2]), 255);
    Image two(2, 2, 2, DType::u8); // other band counts show band 1
    two.values<std::uint8_t>()[0] = 200;
    QCOMPARE(make_thumbnail(two).channels(), 1);
    QCOMPARE(int(make_thumbnail(two).values<std::uint8_t>()[0]), 255);
    QVERIFY_THROWS_EXCEPTION(Error, make_thumbnail(two, 0));
  }

  void thumbnailFileRoundTrip() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const Image gray = make_thumbnail(from_mat(scene(600, 300, 0)));
    const std::string gpath = (dir.path() + "/gray.png").toStdString();
    write_thumbnail(gray, gpath);
    const cv::Mat g = cv::imread(gpath, cv::IMREAD_UNCHANGED);
    QCOMPARE(g.cols, 256);
    QCOMPARE(g.rows, 128);
    QCOMPARE(g.type(), CV_8UC1);
    for (int y = 0; y < g.rows; y += 17)
      for (int x = 0; x < g.cols; x += 13)
        QCOMPARE(g.at<std::uint8_t>(y, x), gray.values<std::uint8_t>()[y * 256 + x]);

    Image rgb(4, 2, 3, DType::u8);
    for (std::size_t i = 0; i < rgb.value_count(); ++i)
      rgb.values<std::uint8_t>()[i] = std::uint8_t(i % 3 == 0 ? 250 : i % 3 == 1 ? 100 : 5);
    rgb.values<std::uint8_t>()[0] = 0; // so the stretch keeps 0..250 spread
    const Image rt = make_thumbnail(rgb, 256, {0.0, 100.0});
    QCOMPARE(rt.channels(), 3);
    const std::string cpath = (dir.path() + "/rgb.png").toStdString();
    write_thumbnail(rt, cpath);
    const cv::Mat c = cv::imread(cpath, cv::IMREAD_UNCHANGED);
    QCOMPARE(c.type(), CV_8UC3);
    QCOMPARE(int(c.at<cv::Vec3b>(1, 3)[2]), 255); // red band stays red (BGR on disk order)
    QCOMPARE(int(c.at<cv::Vec3b>(1, 3)[0]), 5);
    QCOMPARE(int(c.at<cv::Vec3b>(1, 3)[1]), int(std::lround(100 * 255.0 / 250)));
    // Only the two PNGs: no temporary files left.
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);
    QVERIFY_THROWS_EXCEPTION(Error, write_thumbnail(from_mat(scene(4, 4, 0)), cpath));
    QVERIFY_THROWS_EXCEPTION(Error,
                             write_thumbnail(gray, (dir.path() + "/no/such/x.png").toStdString()));
    QVERIFY_THROWS_EXCEPTION(Error, write_thumbnail(gray, (dir.path() + "/x.bmp").toStdString()));

    // JPEG (the cache's format) is lossy but close: a smooth scene stays
    // within a few grey levels.
    const std::string jpath = (dir.path() + "/gray.jpg").toStdString();
    write_thumbnail(gray, jpath);
    const cv::Mat j = cv::imread(jpath, cv::IMREAD_UNCHANGED);
    QCOMPARE(j.cols, 256);
    QCOMPARE(j.type(), CV_8UC1);
    double err = 0;
    for (int y = 0; y < j.rows; ++y)
      for (int x = 0; x < j.cols; ++x)
        err +=
            std::abs(int(j.at<std::uint8_t>(y, x)) - int(gray.values<std::uint8_t>()[y * 256 + x]));
    QVERIFY2(err / (256.0 * 128.0) < 3.0, qPrintable(QString::number(err / (256.0 * 128.0))));
  }

  void thumbnailCache() {
    QTemporaryDir dir;
    const std::filesystem::path folder = (dir.path() + "/cache").toStdString();
    const Image t = make_thumbnail(from_mat(noise_mat(64, 64, 10, 4)));
    {
      ThumbnailCache probe(folder, 1 << 30);
      probe.put("probe", t);
      QVERIFY(probe.contains("probe"));
    }
    const auto one = std::filesystem::file_size(folder / "probe.jpg");
    std::filesystem::remove(folder / "probe.jpg");

    ThumbnailCache cache(folder, 3 * one + one / 2); // room for three
    QCOMPARE(cache.path_for("item-1.a_b"), folder / "item-1.a_b.jpg");
    QVERIFY(cache.path_for("../x/y").filename().string().starts_with("___x_y-"));
    QVERIFY(cache.path_for("a/b") != cache.path_for("a:b"));
    for (const char* k : {"a", "b", "c"})
      cache.put(k, t);
    QCOMPARE(cache.total_bytes(), 3 * one);
    QVERIFY(cache.touch("a")); // b is now the least recently used
    QVERIFY(!cache.touch("missing"));
    cache.put("d", t);
    QVERIFY(cache.contains("a"));
    QVERIFY(!cache.contains("b"));
    QVERIFY(cache.contains("c"));
    QVERIFY(cache.contains("d"));
    // A file deleted underneath is simply gone; eviction still works.
    std::filesystem::remove(cache.path_for("c"));
    QCOMPARE(cache.evict_to_budget(), std::size_t{0});
    QVERIFY(!cache.touch("c"));
    ThumbnailCache tiny(folder, one + 1);
    QCOMPARE(tiny.evict_to_budget(), std::size_t{1});
    QVERIFY(!tiny.contains("a"));
    QVERIFY(tiny.contains("d"));
    QVERIFY(tiny.total_bytes() <= one + 1);
  }

  void registry() {
    auto& reg = default_metric_registry();
    QCOMPARE(kMetricApiVersion, 1);
    ItemInfo micrograph{"mrc", ItemKind::micrograph, 1.0, {}};
    ItemInfo photo{"png", ItemKind::raster, 0.0, {}};
    auto names = [](const std::vector<const MetricProvider*>& ps) {
      QStringList out;
      for (const auto* p : ps)
        out << QString::fromStdString(p->name);
      return out;
    };
    QCOMPARE(names(reg.providers_for(micrograph)), QStringList({"generic", "cryoem"}));
    QCOMPARE(names(reg.providers_for(photo)), QStringList({"generic"}));

    MetricRegistry local;
    register_builtin_providers(local);
    local.register_provider({"tiff_pages", 1, [](const ItemInfo& i) { return i.format == "tiff"; },
                             [](const Image&, const ItemInfo&) {
                               return std::vector<Metric>{{"pages", 3}};
                             }});
    local.register_provider({"tiff_pages", 2, [](const ItemInfo& i) { return i.format == "tiff"; },
                             [](const Image&, const ItemInfo&) {
                               return std::vector<Metric>{{"pages", 4}};
                             }});
    QCOMPARE(int(local.providers().size()), 3);
    const auto results =
        local.compute(from_mat(noise_mat(64, 64, 1, 9)), {"tiff", ItemKind::micrograph, 2.0, {}});
    QCOMPARE(int(results.size()), 3);
    QCOMPARE(results[2].provider, std::string("tiff_pages"));
    QCOMPARE(results[2].version, 2);
    QCOMPARE(metric(results[2].metrics, "pages"), 4.0);
    QVERIFY(find_metric(results[0].metrics, "noise_sigma"));
    QVERIFY(find_metric(results[1].metrics, "thon_visibility"));
    QCOMPARE(item_kind_name(ItemKind::xray), std::string_view("xray"));
    QVERIFY_THROWS_EXCEPTION(Error, local.register_provider({"", 1, {}, {}}));
  }
};

QTEST_APPLESS_MAIN(TestMetrics)
#include "test_metrics.moc"

// Exposure weighting: the critical-exposure fit, the running weights and
// their normalisation, and align_movie's weighted sum on a movie whose
// frames fade by that model: at high frequency it recovers more of the clean
// image than the plain sum, at low frequency as much.
#include "core/base/error.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/metrics/fourier_shift.h"
#include "core/metrics/real_fft.h"
#include "core/movies/dose_weighting.h"
#include "core/movies/movie_align.h"
#include "tests/support/test_support.h"

#include <QFileInfo>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

using namespace atelier;

namespace {

constexpr int kSide = 256;

// The half spectrum of a kSide x kSide image.
std::vector<std::complex<float>> spectrum_of(std::span<const float> image) {
  metrics::RealFftPlane fft(kSide, kSide);
  std::copy(image.begin(), image.begin() + kSide * kSide, fft.real());
  fft.forward();
  return {fft.spectrum(), fft.spectrum() + fft.spectrum_size()};
}

// Correlation of two images over the Fourier coefficients whose frequency
// (cycles/pixel) lies in [lo, hi).
double band_correlation(std::span<const float> a, std::span<const float> b, double lo, double hi) {
  const auto fa = spectrum_of(a), fb = spectrum_of(b);
  const int half = kSide / 2 + 1;
  double ab = 0, aa = 0, bb = 0;
  for (int y = 0; y < kSide; ++y)
    for (int x = 0; x < half; ++x) {
      const double r =
          std::hypot(metrics::signed_frequency(x, kSide), metrics::signed_frequency(y, kSide));
      if (r < lo || r >= hi) continue;
      const std::size_t i = static_cast<std::size_t>(y) * half + x;
      ab += std::real(fa[i] * std::conj(fb[i]));
      aa += std::norm(fa[i]);
      bb += std::norm(fb[i]);
    }
  return ab / std::sqrt(aa * bb);
}

} // namespace

class TestDoseWeighting : public QObject {
  Q_OBJECT

private slots:
  void criticalExposureFollowsTheFit() {
    // Grant & Grigorieff: 0.245 k^-1.665 + 2.81 at 300 kV.
    QVERIFY(std::abs(movies::critical_exposure(0.1) - (0.245 * std::pow(0.1, -1.665) + 2.81)) <
            1e-9);
    QVERIFY(std::abs(movies::critical_exposure(0.1, 200.0) - 0.8 * movies::critical_exposure(0.1)) <
            1e-9);
    QVERIFY(std::isinf(movies::critical_exposure(0.0)));
    QVERIFY(movies::critical_exposure(0.5) < movies::critical_exposure(0.1));
  }

  void weightsFadeAndNormalise() {
    movies::DoseSchedule dose;
    dose.dose_per_frame_e_per_A2 = 2.0;
    movies::DoseWeighter weighter(64, 64, 1.0, dose);
    const std::size_t dc = 0, high = 20 * 33 + 20; // (20, 20): 0.44 cycles/pixel
    const std::vector<float> first = weighter.next_frame();
    QCOMPARE(first[dc], 1.0f); // the mean never fades
    // Frame 1 is weighted at 1 e-/Å² (its middle).
    const double ne = movies::critical_exposure(std::hypot(20.0, 20.0) / 64.0);
    QVERIFY(std::abs(first[high] - std::exp(-1.0 / (2.0 * ne))) < 1e-5);
    const std::vector<float> second = weighter.next_frame();
    QVERIFY(std::abs(second[high] - std::exp(-3.0 / (2.0 * ne))) < 1e-5);
    // Two equal frames of 1: the mean stays 2 (w = 1); at high frequency
    // (w1 + w2) sqrt(2 / (w1^2 + w2^2)), below 2.
    std::vector<std::complex<float>> sum(64 * 33);
    for (std::size_t i = 0; i < sum.size(); ++i)
      sum[i] = first[i] + second[i];
    weighter.normalise(sum);
    QVERIFY(std::abs(sum[dc].real() - 2.0f) < 1e-5f);
    const double w1 = first[high], w2 = second[high];
    QVERIFY(std::abs(sum[high].real() - (w1 + w2) * std::sqrt(2.0 / (w1 * w1 + w2 * w2))) < 1e-4);
    QVERIFY_THROWS_EXCEPTION(Error, movies::DoseWeighter(64, 64, 0.0, dose));
  }

  // A still movie whose frames fade as the model says, with white noise:
  // the weighted sum is closer to the clean image at 2-4 Å and no worse at
  // 10-100 Å.
  void weightedSumRecoversHighFrequencies() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const int frames = 24;
    const double dose = 2.0; // e-/Å² per frame, 48 in all
    std::mt19937 rng(5);
    std::normal_distribution<float> g(0.0f, 1.0f);
    std::vector<float> clean(kSide * kSide);
    for (float& v : clean)
      v = g(rng);
    const auto clean_spectrum = spectrum_of(clean);
    metrics::RealFftPlane fft(kSide, kSide);
    std::vector<Image> stack;
    for (int f = 0; f < frames; ++f) {
      const double exposure = (f + 0.5) * dose;
      const int half = kSide / 2 + 1;
      for (int y = 0; y < kSide; ++y)
        for (int x = 0; x < half; ++x) {
          const double k = std::hypot(metrics::signed_frequency(x, kSide),
                                      metrics::signed_frequency(y, kSide)); // 1 Å pixels
          const std::size_t i = static_cast<std::size_t>(y) * half + x;
          fft.spectrum()[i] =
              clean_spectrum[i] *
              static_cast<float>(std::exp(-exposure / (2.0 * movies::critical_exposure(k))) /
                                 (kSide * kSide));
        }
      fft.inverse();
      Image frame(kSide, kSide, 1, DType::f32);
      auto v = frame.values<float>();
      for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = 100.0f + fft.real()[i] + 2.0f * g(rng);
      frame.spacing.xyz = {1.0, 1.0, 1.0};
      frame.spacing.unit = "A";
      stack.push_back(std::move(frame));
    }
    const std::string movie = tmp.filePath("faded_movie.mrcs").toStdString();
    write_mrc_stack(movie, stack);

    movies::AlignOptions options;
    options.dose.dose_per_frame_e_per_A2 = dose;
    const movies::AlignedMovie a = movies::align_movie(movie, options);
    QCOMPARE(a.dose_weighted.width(), kSide);
    const auto plain = a.sum.values<float>(), weighted = a.dose_weighted.values<float>();
    const double plain_high = band_correlation(plain, clean, 0.25, 0.5);
    const double weighted_high = band_correlation(weighted, clean, 0.25, 0.5);
    const double plain_low = band_correlation(plain, clean, 0.01, 0.1);
    const double weighted_low = band_correlation(weighted, clean, 0.01, 0.1);
    qInfo("correlation with the clean image at 2-4 A: weighted %.3f, plain %.3f; "
          "10-100 A: %.3f, %.3f",
          weighted_high, plain_high, weighted_low, plain_low);
    QVERIFY(weighted_high > plain_high + 0.05);
    QVERIFY(weighted_low > plain_low - 0.01);
    // The sum's mean is kept (the zero frequency is never weighted down).
    double mean = 0;
    for (const float v : weighted)
      mean += v;
    QVERIFY(std::abs(mean / weighted.size() - 100.0 * frames) < 1.0);

    // Written beside the sum, and gone again after an unweighted rewrite.
    const std::string out = tmp.filePath("aligned").toStdString();
    movies::write_aligned(out, movie, a);
    const movies::AlignedPaths paths = movies::aligned_paths(out, movie);
    QVERIFY(QFileInfo::exists(QString::fromStdString(paths.dose_weighted)));
    QVERIFY(movies::aligned_outputs_exist(out, movie, options.dose));
    movies::DoseSchedule other = options.dose; // another dose: not done yet
    other.dose_per_frame_e_per_A2 = 1.5;
    QVERIFY(!movies::aligned_outputs_exist(out, movie, other));
    movies::write_aligned(out, movie, movies::align_movie(movie));
    QVERIFY(!QFileInfo::exists(QString::fromStdString(paths.dose_weighted)));
    QVERIFY(!movies::aligned_outputs_exist(out, movie, options.dose));
    QVERIFY(movies::aligned_outputs_exist(out, movie));
  }

  void weightingNeedsThePixelSize() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    std::vector<Image> stack;
    std::mt19937 rng(1);
    std::normal_distribution<float> g(0.0f, 1.0f);
    for (int f = 0; f < 4; ++f) {
      Image frame(128, 128, 1, DType::f32);
      for (float& v : frame.values<float>())
        v = g(rng);
      stack.push_back(std::move(frame));
    }
    const std::string movie = tmp.filePath("no_pixel_size.mrcs").toStdString();
    write_mrc_stack(movie, stack);
    movies::AlignOptions options;
    options.dose.dose_per_frame_e_per_A2 = 1.0;
    ATELIER_VERIFY_THROWS(movies::align_movie(movie, options), FormatError, "pixel size");
    options.pixel_size_A = 1.2; // given by the user instead
    QCOMPARE(movies::align_movie(movie, options).dose_weighted.width(), 128);
  }
};

QTEST_APPLESS_MAIN(TestDoseWeighting)
#include "test_dose_weighting.moc"

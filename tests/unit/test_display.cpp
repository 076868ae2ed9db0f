// Display mapping: windowing, gamma, colormaps, and NaN/Inf handling.
#include "core/base/error.h"
#include "core/display/display_mapping.h"
#include "core/display/display_presets.h"
#include "core/display/scale_bar.h"
#include "core/metrics/cryoem_metrics.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

using namespace atelier;
using namespace atelier::display;

class TestDisplay : public QObject {
  Q_OBJECT

private slots:
  void scaleBarLengths() {
    QCOMPARE(display::nice_length_at_least(3.2), 5.0);
    QCOMPARE(display::nice_length_at_least(0.013), 0.02);
    QCOMPARE(display::nice_length_at_least(6.0), 10.0);
    QCOMPARE(display::nice_length_at_most(3.2), 2.0);
    QCOMPARE(display::nice_length_at_most(70.0), 50.0);
    QCOMPARE(display::nice_length_at_most(1.0), 1.0);
    QCOMPARE(display::nice_length_at_least(0.0), 0.0);
    QCOMPARE(display::nice_length_at_most(-1.0), 0.0);
  }

  void windowAndColormaps() {
    const float inf = std::numeric_limits<float>::infinity();
    const std::vector<float> v{0.0f, 5.0f, 10.0f, -3.0f, 20.0f, std::nanf(""), inf, -inf};
    const metrics::PlaneView plane(8, 1, v.data());
    DisplayMapping m{0.0, 10.0, 1.0, Colormap::gray};
    std::vector<std::uint32_t> out(8);
    map_to_argb(plane, m, out.data());
    QCOMPARE(out[0], 0xff000000u);
    QCOMPARE(out[2], 0xffffffffu);
    QVERIFY(std::abs(int(out[1] & 0xff) - 128) <= 1); // mid-grey
    QCOMPARE(out[3], 0xff000000u);                    // below the window: clamped
    QCOMPARE(out[4], 0xffffffffu);
    QCOMPARE(out[5], 0u); // NaN: transparent
    QCOMPARE(out[6], 0xffffffffu);
    QCOMPARE(out[7], 0xff000000u);

    m.colormap = Colormap::inverted;
    map_to_argb(plane, m, out.data());
    QCOMPARE(out[0], 0xffffffffu);
    m.colormap = Colormap::viridis;
    map_to_argb(plane, m, out.data());
    QCOMPARE(out[0], 0xff440154u); // viridis ends
    QCOMPARE(out[2], 0xfffde725u);
    m.gamma = 2.0; // brightens the middle: sqrt(0.5) of the ramp
    m.colormap = Colormap::gray;
    map_to_argb(plane, m, out.data());
    QVERIFY(std::abs(int(out[1] & 0xff) - 181) <= 1);
    QCOMPARE(parse_colormap("magma"), Colormap::magma);
    QVERIFY_THROWS_EXCEPTION(Error, parse_colormap("jet"));
    // Degenerate windows never index outside the tables.
    DisplayMapping flat{1.0, 1.0, 1.0, Colormap::gray};
    map_to_argb(plane, flat, out.data());
  }

  void autoContrast() {
    std::vector<float> v(1000);
    for (int i = 0; i < 1000; ++i)
      v[static_cast<std::size_t>(i)] = float(i);
    v[0] = 1e9f; // a hot pixel does not stretch the window
    const auto m = auto_contrast(metrics::PlaneView(1000, 1, v.data()));
    QVERIFY(m.hi < 1000 && m.hi > 990);
    QVERIFY(m.lo >= 1 && m.lo < 10);
    const std::vector<float> flat(16, 3.0f);
    const auto f = auto_contrast(metrics::PlaneView(4, 4, flat.data()));
    QCOMPARE(f.lo, 3.0);
    QCOMPARE(f.hi, 4.0);
  }

  // DICOM PS3.3 C.11.2.1.2.1: window 40 / 400 shows -160 .. 239 (known values).
  void dicomWindows() {
    const Window w = dicom_window(40, 400);
    QCOMPARE(w.lo, -160.0);
    QCOMPARE(w.hi, 239.0);
    const Window narrow = dicom_window(10, 0.2); // widths below 1 are 1
    QCOMPARE(narrow.lo, 9.5);
    QCOMPARE(narrow.hi, 9.5);
    const auto ct = dicom_window_presets("CT", 50.0, 350.0);
    QCOMPARE(ct.front().name, std::string("File (50 / 350)"));
    const auto lung = std::find_if(ct.begin(), ct.end(), [](auto& p) { return p.name == "Lung"; });
    QVERIFY(lung != ct.end());
    QCOMPARE(lung->center, -600.0);
    QCOMPARE(lung->width, 1500.0);
    QVERIFY(dicom_window_presets("CR", std::nullopt, std::nullopt).empty());
    QCOMPARE(dicom_window_presets("DX", 128.0, 256.0).size(), std::size_t(1));
    QVERIFY(dicom_inverted("MONOCHROME1"));
    QVERIFY(!dicom_inverted("MONOCHROME2"));
  }

  void windowDragsLikeWindowLevel() {
    const Window w{100, 300}; // centre 200, width 200
    // Right widens about the same centre, left narrows; never negative.
    const Window wider = dragged_window(w, kWindowDragDoubling, 0);
    QCOMPARE(wider.hi - wider.lo, 400.0);
    QCOMPARE(0.5 * (wider.lo + wider.hi), 200.0);
    const Window narrower = dragged_window(w, -3 * kWindowDragDoubling, 0);
    QCOMPARE(narrower.hi - narrower.lo, 25.0);
    QVERIFY(dragged_window(w, -1e9, 0).hi > dragged_window(w, -1e9, 0).lo);
    // Down raises the centre (darker) by a width per kWindowDragShift pixels.
    const Window darker = dragged_window(w, 0, kWindowDragShift / 2);
    QCOMPARE(darker.lo, 200.0);
    QCOMPARE(darker.hi, 400.0);
    // Moves compose and undo.
    Window path = w;
    for (double d : {37.0, -12.0, 80.0})
      path = dragged_window(path, d, -d);
    for (double d : {-80.0, 12.0, -37.0})
      path = dragged_window(path, d, -d);
    QVERIFY(std::abs(path.lo - w.lo) < 1e-9 && std::abs(path.hi - w.hi) < 1e-9);
    // A broken window becomes a usable one; non-finite moves are ignored.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const Window fixed = dragged_window({nan, nan}, nan, INFINITY);
    QVERIFY(std::isfinite(fixed.lo) && std::isfinite(fixed.hi) && fixed.hi > fixed.lo);
    const Window huge = dragged_window({-1e307, 1e307}, 1e9, 0);
    QVERIFY(std::isfinite(huge.lo) && std::isfinite(huge.hi) && huge.hi > huge.lo);
  }

  void volumeWindows() {
    // A normalised cryo-EM map: mean +- 3 sigma within the range, the full
    // range, no CT presets.
    auto w = volume_window_presets(-2.0, 10.0, 0.0, 1.0);
    QCOMPARE(w.size(), std::size_t(2));
    QCOMPARE(w[0].window.lo, -2.0);
    QCOMPARE(w[0].window.hi, 3.0);
    QCOMPARE(w[1].window.lo, -2.0);
    QCOMPARE(w[1].window.hi, 10.0);
    // A CT volume in Hounsfield units gets the CT windows: brain 40 / 80.
    w = volume_window_presets(-1024.0, 2500.0, -400.0, 600.0);
    QCOMPARE(w.size(), std::size_t(2 + 7));
    QCOMPARE(QString::fromStdString(w[2].name), QString("CT brain"));
    QCOMPARE(w[2].window.lo, 40 - 0.5 - 79 / 2.0);
    QCOMPARE(QString::fromStdString(w.back().name), QString("CT bone"));
    // An MRI volume (positive values) does not; a constant one gets a
    // one-unit window, never an empty one.
    QCOMPARE(volume_window_presets(0.0, 4000.0, 300.0, 200.0).size(), std::size_t(2));
    for (const NamedWindow& c : volume_window_presets(5.0, 5.0, 5.0, 0.0))
      QCOMPARE(c.window.hi, 6.0);
  }

  void naturalColourBands() {
    using Bands = std::array<int, 3>;
    QCOMPARE(natural_colour_bands({"B02", "B03", "B04", "B08"}, 4), Bands({2, 1, 0}));
    QCOMPARE(natural_colour_bands({"Blue", "Green", "Red", "NIR"}, 4), Bands({2, 1, 0}));
    QCOMPARE(natural_colour_bands({}, 3), Bands({0, 1, 2}));
    QVERIFY(!natural_colour_bands({}, 6));
    QVERIFY(!natural_colour_bands({}, 1));
  }

  void rgbComposite() {
    const std::vector<float> r{0, 10, 5, std::nanf("")}, g{0, 100, 50, 1}, b{-1, 2, 0.5f, 1};
    const std::array<metrics::PlaneView, 3> planes{metrics::PlaneView(4, 1, r.data()),
                                                   metrics::PlaneView(4, 1, g.data()),
                                                   metrics::PlaneView(4, 1, b.data())};
    std::vector<std::uint32_t> out(4);
    map_rgb_to_argb(planes, {Window{0, 10}, Window{0, 100}, Window{0, 1}}, 1.0, out.data());
    QCOMPARE(out[0], 0xff000000u);
    QCOMPARE(out[1], 0xffffffffu); // each band at the top of its own window
    QVERIFY(std::abs(int((out[2] >> 16) & 0xff) - 128) <= 1); // half of red's window
    QVERIFY(std::abs(int((out[2] >> 8) & 0xff) - 128) <= 1);
    QVERIFY(std::abs(int(out[2] & 0xff) - 128) <= 1);
    QCOMPARE(out[3], 0u); // nodata in one band: transparent
    const std::vector<float> small{1, 2};
    QVERIFY_THROWS_EXCEPTION(
        Error, map_rgb_to_argb({metrics::PlaneView(2, 1, small.data()), planes[1], planes[2]}, {},
                               1.0, out.data()));
  }

  // A cosine grating of 16 cycles across a 256-pixel tile peaks 16 pixels
  // either side of the centre, on the x axis; the origin holds no spike.
  void powerSpectrumImage() {
    const int n = 256;
    std::vector<float> v(static_cast<std::size_t>(n * n));
    for (int y = 0; y < n; ++y)
      for (int x = 0; x < n; ++x)
        v[static_cast<std::size_t>(y * n + x)] =
            100.0f + float(std::cos(2 * std::numbers::pi * 16 * x / n));
    metrics::PowerSpectrumOptions o;
    o.tile = 256;
    const metrics::FloatPlane s =
        metrics::power_spectrum_image(metrics::PlaneView(n, n, v.data()), o);
    QCOMPARE(s.width, std::int64_t(n));
    std::size_t best = 0;
    for (std::size_t i = 0; i < s.data.size(); ++i)
      if (s.data[i] > s.data[best]) best = i;
    const int bx = int(best % n), by = int(best / n);
    QCOMPARE(by, n / 2);
    QVERIFY2(bx == n / 2 + 16 || bx == n / 2 - 16, qPrintable(QString::number(bx)));
    QCOMPARE(s.at(n / 2 + 16, n / 2), s.at(n / 2 - 16, n / 2)); // P(-k) = P(k)
    QVERIFY(s.at(n / 2, n / 2) < s.at(n / 2 + 16, n / 2));
  }
};

QTEST_APPLESS_MAIN(TestDisplay)
#include "test_display.moc"

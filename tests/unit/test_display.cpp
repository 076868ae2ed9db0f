// Display mapping: windowing, gamma, colormaps, and NaN/Inf handling.
#include "core/base/error.h"
#include "core/display/display_mapping.h"

#include <QTest>

#include <cmath>
#include <limits>

using namespace atelier;
using namespace atelier::display;

class TestDisplay : public QObject {
  Q_OBJECT

private slots:
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
};

QTEST_APPLESS_MAIN(TestDisplay)
#include "test_display.moc"

// The compare view's maths on known images: the difference A - B and its
// symmetric diverging mapping, the wipe position splitting A and B on screen,
// linked zoom and right-drag contrast between the side-by-side views,
// flipping, and refusing images
// of different sizes. A screenshot of each mode is kept as an artefact.
#include "core/base/error.h"
#include "core/display/image_compare.h"
#include "tests/support/test_support.h"
#include "widgets/compare/CompareView.h"
#include "widgets/viewer/ImageViewer.h"

#include <QDir>
#include <QSignalSpy>
#include <QTest>

#include <cmath>

using namespace atelier;

namespace {

// A: a horizontal ramp 0..255; B: A plus 40 inside a square, elsewhere equal.
Image make(bool with_square) {
  Image img(256, 128, 1, DType::f32);
  auto v = img.values<float>();
  for (int y = 0; y < 128; ++y)
    for (int x = 0; x < 256; ++x)
      v[std::size_t(y * 256 + x)] =
          float(x) + ((with_square && x >= 100 && x < 140 && y >= 40 && y < 80) ? 40.0f : 0.0f);
  return img;
}

void keep(QWidget& w, const QString& name) {
  const QString dir = qEnvironmentVariable("ATELIER_TEST_ARTEFACTS");
  if (dir.isEmpty()) return;
  QDir().mkpath(dir);
  w.grab().save(QDir(dir).filePath(name));
}

} // namespace

class TestCompareView : public QObject {
  Q_OBJECT

private slots:
  void difference_is_a_minus_b_centred_on_zero() {
    const Image a = make(false), b = make(true);
    metrics::FloatPlane pa = metrics::mean_plane(a), pb = metrics::mean_plane(b);
    const metrics::FloatPlane d = display::difference(pa, pb);
    QCOMPARE(d.at(0, 0), 0.0f);
    QCOMPARE(d.at(120, 60), -40.0f);
    QCOMPARE(d.at(139, 79), -40.0f);
    QCOMPARE(d.at(140, 79), 0.0f);
    const display::DisplayMapping m = display::difference_mapping(d);
    QCOMPARE(m.lo, -m.hi);
    QCOMPARE(m.hi, 40.0); // the 99.5th percentile of |d|: 1600 of 32768 pixels differ
    QCOMPARE(m.colormap, display::Colormap::diverging);
    // 0 maps to the middle of the colormap (white), -40 to its blue end.
    std::uint32_t argb[2];
    const float values[2] = {0.0f, -40.0f};
    display::map_to_argb(metrics::PlaneView(2, 1, values), m, argb);
    QVERIFY(qRed(argb[0]) > 240 && qGreen(argb[0]) > 240 && qBlue(argb[0]) > 240);
    QVERIFY(qBlue(argb[1]) > qRed(argb[1]) + 80);
    metrics::FloatPlane other;
    other.width = 10, other.height = 10, other.data.assign(100, 0.0f);
    ATELIER_VERIFY_THROWS(display::difference(pa, other), Error, "cannot compare");
  }

  void modes_wipe_link_and_flip() {
    CompareView view;
    view.resize(900, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QVERIFY(view.setImages(make(false), make(true), "raw", "denoised"));
    // Side by side: the same contrast, linked zoom.
    QCOMPARE(view.left().mapping().lo, view.right().mapping().lo);
    view.left().zoomAt(QPointF(100, 100), 2.0);
    QCOMPARE(view.right().zoom(), view.left().zoom());
    QCOMPARE(view.right().offset(), view.left().offset());
    keep(view, "compare_side_by_side.png");

    // Wipe at a quarter: A left of image x = 64, B right of it.
    view.setMode(CompareView::Mode::wipe);
    view.setWipe(0.25);
    view.left().fit();
    QTest::qWait(20);
    const QImage shot = view.left().grab().toImage();
    auto screen = [&](double ix, double iy) {
      const double z = view.left().zoom();
      const QPointF o = view.left().offset();
      return shot.pixel(int(o.x() + (ix + 0.5) * z), int(o.y() + (iy + 0.5) * z));
    };
    // Inside the square (x 100..139) B is brighter than A; left of the wipe only A shows.
    QCOMPARE(screen(120, 60), view.left().overlay().pixel(120, 60)); // B (right of 64)
    QVERIFY(qGray(screen(120, 60)) > qGray(view.left().mapped().pixel(120, 60)));
    QCOMPARE(screen(30, 60), view.left().mapped().pixel(30, 60)); // A (left of 64)
    keep(view, "compare_wipe.png");

    // Difference: the plane shown is A - B.
    view.setMode(CompareView::Mode::difference);
    QCOMPARE(view.left().valueAt(120, 60), -40.0);
    QCOMPARE(view.left().valueAt(10, 10), 0.0);
    keep(view, "compare_difference.png");
    // A right-drag there scales the difference's range and keeps it on 0.
    {
      const double range = view.differenceMapping().hi;
      const QPoint at(200, 200), to = at + QPoint(int(display::kWindowDragDoubling), 30);
      QTest::mousePress(&view.left(), Qt::RightButton, {}, at);
      QTest::mouseMove(&view.left(), to);
      QTest::mouseRelease(&view.left(), Qt::RightButton, {}, to);
      QVERIFY(std::abs(view.left().mapping().hi - 2 * range) < 1e-9);
      QCOMPARE(view.left().mapping().lo, -view.left().mapping().hi);
    }

    // Flip with Space: A, then B, at the same place.
    view.setMode(CompareView::Mode::flip);
    const double zoom = view.left().zoom();
    QCOMPARE(view.left().valueAt(120, 60), 120.0);
    QTest::keyClick(&view, Qt::Key_Space);
    QVERIFY(view.showingB());
    QCOMPARE(view.left().valueAt(120, 60), 160.0);
    QCOMPARE(view.left().zoom(), zoom);
    QTest::keyClick(&view, Qt::Key_1);
    QCOMPARE(view.mode(), CompareView::Mode::side_by_side);
    // A right-drag on either side sets the contrast both share.
    const display::DisplayMapping shared = view.sharedMapping();
    const QPoint at(100, 100), to = at + QPoint(0, int(display::kWindowDragShift));
    QTest::mousePress(&view.right(), Qt::RightButton, {}, at);
    QTest::mouseMove(&view.right(), to);
    QTest::mouseRelease(&view.right(), Qt::RightButton, {}, to);
    const double width = shared.hi - shared.lo;
    QVERIFY(std::abs(view.left().mapping().lo - (shared.lo + width)) < 1e-9); // a width darker
    QCOMPARE(view.right().mapping().lo, view.left().mapping().lo);
    QCOMPARE(view.right().mapping().hi, view.left().mapping().hi);
  }

  void images_of_different_sizes_are_refused() {
    CompareView view;
    QSignalSpy failed(&view, &CompareView::failed);
    QVERIFY(!view.setImages(make(false), Image(10, 10, 1, DType::f32), "a", "b"));
    QCOMPARE(failed.count(), 1);
    QVERIFY(failed[0][0].toString().contains("cannot compare"));
  }
};

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"

// The image viewer: original values through the display mapping, zoom about
// the cursor, fit, pan, the readout in data and physical units.
#include "core/data/image.h"
#include "widgets/viewer/ImageViewer.h"
#include "widgets/viewer/ViewerPanel.h"

#include <QApplication>
#include <QComboBox>
#include <QSignalSpy>
#include <QTest>

using namespace atelier;

class TestImageViewer : public QObject {
  Q_OBJECT

  static Image ramp() {
    Image img(200, 100, 1, DType::u16);
    auto v = img.values<std::uint16_t>();
    for (int y = 0; y < 100; ++y)
      for (int x = 0; x < 200; ++x)
        v[static_cast<std::size_t>(y * 200 + x)] = static_cast<std::uint16_t>(1000 + 10 * x);
    img.spacing.xyz = {1.5, 1.5, 1.0};
    img.spacing.unit = "A";
    return img;
  }

private slots:
  void nonSquarePixelsKeepTheirPhysicalAspect() {
    // An XZ slice with z sampled 3x coarser than x: drawn 3x taller per row.
    ImageViewer viewer;
    viewer.resize(400, 400);
    Image img = ramp();
    img.spacing.xyz = {1.0, 3.0, 0.0};
    viewer.setImage(img);
    QCOMPARE(viewer.pixelAspect(), 3.0);
    viewer.fit();
    // 200 x 100 pixels shown as 200 x 300 units: the height limits the fit.
    QCOMPARE(viewer.zoom(), 400.0 / 300.0);
    const QPointF top_left = viewer.imagePoint(QPointF(0, 0));
    const QPointF bottom_right = viewer.imagePoint(QPointF(400, 400));
    QVERIFY(std::abs(bottom_right.y() - top_left.y() - 100.0) < 1e-9);
    QVERIFY(std::abs((bottom_right.x() - top_left.x()) - 300.0) < 1e-9);
    // Zooming about a point keeps it under the cursor.
    const QPointF anchor = viewer.imagePoint(QPointF(123, 77));
    viewer.zoomAt(QPointF(123, 77), 2.0);
    const QPointF after = viewer.imagePoint(QPointF(123, 77));
    QVERIFY(std::abs(after.x() - anchor.x()) < 1e-9 && std::abs(after.y() - anchor.y()) < 1e-9);
  }

  void mapsZoomsAndReadsOut() {
    ImageViewer viewer;
    viewer.resize(400, 300);
    viewer.show();
    QVERIFY(QTest::qWaitForWindowExposed(&viewer));
    viewer.setImage(ramp());
    // Auto contrast from the 0.5 / 99.5 percentiles of 1000 .. 2990.
    QVERIFY(viewer.mapping().lo > 1000 && viewer.mapping().lo < 1020);
    QVERIFY(viewer.mapping().hi > 2970 && viewer.mapping().hi < 2990);
    QCOMPARE(viewer.mapped().size(), QSize(200, 100));
    QVERIFY(qGray(viewer.mapped().pixel(0, 0)) < 5);
    QVERIFY(qGray(viewer.mapped().pixel(199, 0)) > 250);
    QCOMPARE(viewer.valueAt(10, 5), 1100.0); // the original value, not a grey level
    QVERIFY(std::isnan(viewer.valueAt(200, 0)));

    // Fit: 400 x 300 holds 200 x 100 at 2x.
    QCOMPARE(viewer.zoom(), 2.0);
    // Zoom about a point keeps that image point under it.
    const QPointF at(123, 77);
    const QPointF before = viewer.imagePoint(at);
    viewer.zoomAt(at, 4.0);
    QCOMPARE(viewer.zoom(), 8.0);
    QVERIFY((viewer.imagePoint(at) - before).manhattanLength() < 1e-9);
    viewer.zoomAt(at, 1000.0);
    QCOMPARE(viewer.zoom(), 32.0); // capped
    QTest::keyClick(&viewer, Qt::Key_F);
    QCOMPARE(viewer.zoom(), 2.0);

    QSignalSpy hovered(&viewer, &ImageViewer::hovered);
    const QPointF pixel_10_5 = QPointF(10.5, 5.5) * 2.0 + (viewer.imagePoint({0, 0}) * -2.0);
    QTest::mouseMove(&viewer, pixel_10_5.toPoint());
    QTRY_VERIFY(!hovered.isEmpty());
    QCOMPARE(hovered.last().at(0).toInt(), 10);
    QCOMPARE(hovered.last().at(2).toDouble(), 1100.0);
    QVERIFY(hovered.last().at(3).toString().contains("(15, 7.5 A)")); // 1.5 A pixels

    // Dragging pans by the mouse's movement.
    const QPointF origin = viewer.imagePoint({0, 0});
    QTest::mousePress(&viewer, Qt::LeftButton, {}, QPoint(100, 100));
    QTest::mouseMove(&viewer, QPoint(140, 100));
    QTest::mouseRelease(&viewer, Qt::LeftButton, {}, QPoint(140, 100));
    QVERIFY(std::abs((origin - viewer.imagePoint({0, 0})).x() - 20.0) < 1e-9); // 40 px / 2x

    // A right-button drag reports its moves for window/level, and neither
    // pans nor clicks.
    QSignalSpy windowed(&viewer, &ImageViewer::windowDragged);
    QSignalSpy clicked(&viewer, &ImageViewer::clicked);
    const QPointF still = viewer.imagePoint({0, 0});
    QTest::mousePress(&viewer, Qt::RightButton, {}, QPoint(100, 100));
    QTest::mouseMove(&viewer, QPoint(130, 90));
    QTest::mouseMove(&viewer, QPoint(140, 80));
    QTest::mouseRelease(&viewer, Qt::RightButton, {}, QPoint(140, 80));
    QCOMPARE(windowed.size(), 2);
    double dx = 0, dy = 0;
    for (const auto& args : windowed)
      dx += args.at(0).toDouble(), dy += args.at(1).toDouble();
    QCOMPARE(dx, 40.0);
    QCOMPARE(dy, -20.0);
    QCOMPARE(viewer.imagePoint({0, 0}), still);
    QVERIFY(clicked.isEmpty());
    QTest::mouseMove(&viewer, QPoint(150, 80)); // released: no more reports
    QCOMPARE(windowed.size(), 2);
  }

  void panelControls() {
    ViewerPanel panel;
    Image img = ramp();
    img.values<std::uint16_t>()[0] = 60000; // one hot pixel
    panel.setImage(img);
    ImageViewer& v = panel.viewer();
    QVERIFY(v.mapping().hi < 3000); // auto contrast ignores the hot pixel
    auto* colormap = panel.findChildren<QComboBox*>().at(0);
    auto* window = panel.findChildren<QComboBox*>().at(1);
    colormap->setCurrentText("viridis");
    QCOMPARE(v.mapping().colormap, display::Colormap::viridis);
    QCOMPARE(v.mapped().pixel(1, 1), 0xff440154u); // the darkest pixel, viridis' bottom
    window->setCurrentIndex(1);                    // full range: the hot pixel sets the top
    QCOMPARE(v.mapping().hi, 60000.0);
    window->setCurrentIndex(0);
    QVERIFY(v.mapping().hi < 3000);
    QSignalSpy step(&panel, &ViewerPanel::stepRequested);
    QTest::keyClick(&v, Qt::Key_PageDown);
    QCOMPARE(step.size(), 1);
    QCOMPARE(step.first().first().toInt(), 1);
  }
};

QTEST_MAIN(TestImageViewer)
#include "test_image_viewer.moc"

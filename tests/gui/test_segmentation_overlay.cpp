// Segmentation overlays in the viewer: the ISBI membrane labels drawn over
// their EM section (label 0 transparent, the others in their colour), the
// opacity slider, the legend, and labels of another size refused.
#include "core/formats/tiff/tiff_reader.h"
#include "tests/support/test_support.h"
#include "widgets/viewer/ImageViewer.h"
#include "widgets/viewer/ViewerPanel.h"

#include <QDir>
#include <QSlider>
#include <QTest>

using namespace atelier;

class TestSegmentationOverlay : public QObject {
  Q_OBJECT

private slots:
  void isbi_labels_over_their_section() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const Image em =
        read_tiff_page(test::sample_path("volumes/isbi2012_train_volume_slices0-11.tif"), 3);
    const Image labels =
        read_tiff_page(test::sample_path("volumes/isbi2012_train_labels_slices0-11.tif"), 3);
    ViewerPanel panel;
    panel.resize(700, 600);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.setImage(em);
    QString error;
    QVERIFY2(panel.setLabelOverlay(labels, &error), qPrintable(error));
    const QImage overlay = panel.viewer().overlay();
    QCOMPARE(overlay.size(), QSize(512, 512));
    // Pixel by pixel: transparent exactly where the label is 0.
    const auto v = labels.values<std::uint8_t>();
    for (int y = 0; y < 512; y += 7)
      for (int x = 0; x < 512; x += 7)
        QCOMPARE(qAlpha(overlay.pixel(x, y)) != 0, v[std::size_t(y * 512 + x)] != 0);
    QCOMPARE(panel.overlayLabels(), std::vector<std::int64_t>{255});
    panel.labelOpacity().setValue(80);
    QVERIFY(panel.labelOpacity().isEnabled());
    if (const QString keep = qEnvironmentVariable("ATELIER_TEST_ARTEFACTS"); !keep.isEmpty()) {
      QDir().mkpath(keep);
      panel.grab().save(QDir(keep).filePath("segmentation_overlay.png"));
    }
    // A new image drops the overlay; labels of another size are refused.
    panel.setImage(em);
    QVERIFY(panel.viewer().overlay().isNull());
    QVERIFY(!panel.setLabelOverlay(Image(100, 100, 1, DType::u8), &error));
    QVERIFY(error.contains("100 x 100"));
    Image floats(512, 512, 1, DType::f32);
    QVERIFY(!panel.setLabelOverlay(floats, &error));
    QVERIFY(error.contains("integers"));
  }
};

QTEST_MAIN(TestSegmentationOverlay)
#include "test_segmentation_overlay.moc"

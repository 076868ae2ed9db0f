// The viewer panel's controls: the histogram's limits drag the window
// (double-click restores auto), and so does a right-drag on the image; the frame slider reads a
// movie's frames off the GUI thread (the sum first); P shows the log power spectrum with a
// resolution readout; a DICOM file's window and MONOCHROME1 inversion are
// applied; multiband rasters get a band picker and an RGB composite with
// nodata transparent.
#include "core/formats/mrc/mrc_writer.h"
#include "core/import/preview_image.h"
#include "core/io/file_inspect.h"
#include "tests/support/test_support.h"
#include "widgets/viewer/ContrastHistogram.h"
#include "widgets/viewer/ImageViewer.h"
#include "widgets/viewer/ViewerPanel.h"

#include <QApplication>
#include <QComboBox>
#include <QMouseEvent>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <cmath>

using namespace atelier;

namespace {

// A 64 x 64 ramp 0..4095 (value = 64 y + x), 1.5 Å pixels.
Image ramp(DType type = DType::f32) {
  Image img(64, 64, 1, DType::f32);
  auto v = img.values<float>();
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = float(i);
  img.spacing.xyz = {1.5, 1.5, 1.5};
  img.spacing.unit = "A";
  (void)type;
  return img;
}

QComboBox* combo(ViewerPanel& panel, const char* name) {
  return panel.findChild<QComboBox*>(name);
}

} // namespace

class TestViewerPanel : public QObject {
  Q_OBJECT
private slots:
  void histogramLimitsDragTheWindow();
  void frameSliderStepsThroughAMovie();
  void powerSpectrumWithResolutionReadout();
  void dicomWindowAndMonochrome1();
  void bandPickerAndRgbComposite();

private:
  QTemporaryDir dir_;
};

void TestViewerPanel::histogramLimitsDragTheWindow() {
  ViewerPanel panel;
  panel.resize(600, 500);
  panel.show();
  panel.setImage(ramp());
  ImageViewer& v = panel.viewer();
  ContrastHistogram& h = panel.histogram();
  QVERIFY(QTest::qWaitForWindowExposed(&panel));
  // The limits start at the automatic window (0.5 .. 99.5 %).
  QVERIFY(std::abs(h.lo() - v.mapping().lo) < 1e-9);
  QVERIFY(std::abs(v.mapping().lo - 0.005 * 4095) < 25);
  QVERIFY(h.rangeLo() <= h.lo() && h.rangeHi() >= h.hi());
  // Dragging the upper limit to the middle of the strip.
  const int y = h.height() / 2;
  QTest::mousePress(&h, Qt::LeftButton, {}, QPoint(int(h.xOf(h.hi())), y));
  QTest::mouseMove(&h, QPoint(h.width() / 2, y));
  QTest::mouseRelease(&h, Qt::LeftButton, {}, QPoint(h.width() / 2, y));
  const double expected = h.valueAt(h.width() / 2);
  QVERIFY(std::abs(v.mapping().hi - expected) < 1e-6);
  QCOMPARE(combo(panel, "window")->currentIndex(), 2); // Manual
  // Pixels above the new limit are white.
  QCOMPARE(v.mapped().pixel(63, 63), 0xffffffffu);
  // A double-click restores the automatic window.
  QTest::mouseDClick(&h, Qt::LeftButton, {}, QPoint(10, y));
  QCOMPARE(combo(panel, "window")->currentIndex(), 0);
  QVERIFY(v.mapping().hi > 4000);

  // A right-button drag on the image: right widens the window about its
  // centre, down raises the centre; the histogram's limits follow.
  const display::Window before{v.mapping().lo, v.mapping().hi};
  const QPoint at(v.width() / 2, v.height() / 2);
  QTest::mousePress(&v, Qt::RightButton, {}, at);
  QTest::mouseMove(&v, at + QPoint(int(display::kWindowDragDoubling), 0));
  QTest::mouseMove(&v, at + QPoint(int(display::kWindowDragDoubling), 40));
  QTest::mouseRelease(&v, Qt::RightButton, {}, at + QPoint(int(display::kWindowDragDoubling), 40));
  const display::Window expect_w = display::dragged_window(
      display::dragged_window(before, display::kWindowDragDoubling, 0), 0, 40);
  QVERIFY(std::abs(v.mapping().lo - expect_w.lo) < 1e-6);
  QVERIFY(std::abs(v.mapping().hi - expect_w.hi) < 1e-6);
  QVERIFY(std::abs((v.mapping().hi - v.mapping().lo) - 2 * (before.hi - before.lo)) < 1e-6);
  QVERIFY(v.mapping().lo + v.mapping().hi > before.lo + before.hi); // darker
  QCOMPARE(combo(panel, "window")->currentIndex(), 2);              // Manual
  QVERIFY(std::abs(h.lo() - v.mapping().lo) < 1e-9 && std::abs(h.hi() - v.mapping().hi) < 1e-9);
}

void TestViewerPanel::frameSliderStepsThroughAMovie() {
  const std::string path = dir_.filePath("grid_movie.mrcs").toStdString();
  std::vector<Image> frames;
  for (int f = 0; f < 4; ++f) {
    Image img(32, 32, 1, DType::u16);
    for (auto& x : img.values<std::uint16_t>())
      x = std::uint16_t(10 * (f + 1));
    frames.push_back(std::move(img));
  }
  write_mrc_stack(path, frames);
  const FileInfo info = inspect_file(path);
  ViewerPanel panel;
  panel.setItem(import::read_preview_image(path, info), QString::fromStdString(path), info);
  QSlider& slider = panel.frameSlider();
  QVERIFY(!slider.isHidden());
  QCOMPARE(slider.minimum(), -1); // the sum
  QCOMPARE(slider.maximum(), 3);
  QCOMPARE(panel.frame(), std::int64_t{-1});
  QCOMPARE(panel.viewer().valueAt(0, 0), 100.0); // 10 + 20 + 30 + 40
  QSignalSpy shown(&panel, &ViewerPanel::frameShown);
  QTest::keyClick(&panel.viewer(), Qt::Key_Down); // next frame: the first
  QVERIFY(shown.wait(5000));
  QCOMPARE(panel.frame(), std::int64_t{0});
  QCOMPARE(panel.viewer().valueAt(0, 0), 10.0);
  slider.setValue(3);
  QVERIFY(shown.wait(5000));
  QCOMPARE(panel.viewer().valueAt(5, 5), 40.0);
  // A plain image has no slider.
  panel.setImage(ramp());
  QVERIFY(slider.isHidden());
}

void TestViewerPanel::powerSpectrumWithResolutionReadout() {
  ViewerPanel panel;
  panel.resize(600, 500);
  panel.show();
  Image img(256, 256, 1, DType::f32);
  auto v = img.values<float>();
  for (int y = 0; y < 256; ++y)
    for (int x = 0; x < 256; ++x) // 32 cycles across: a period of 8 px = 12 Å
      v[std::size_t(y * 256 + x)] = float(std::cos(2 * M_PI * 32 * x / 256.0));
  img.spacing.xyz = {1.5, 1.5, 1.5};
  img.spacing.unit = "A";
  panel.setImage(img);
  QTest::keyClick(&panel.viewer(), Qt::Key_P);
  QVERIFY(panel.spectrum());
  ImageViewer& viewer = panel.viewer();
  QCOMPARE(viewer.plane().width, std::int64_t{256});
  QVERIFY(viewer.valueAt(128 + 32, 128) > viewer.valueAt(128 + 20, 128) + 3); // the peak
  QSignalSpy hovered(&panel, &ViewerPanel::hovered);
  viewer.setView(1.0, QPointF(0, 0));
  QMouseEvent move(QEvent::MouseMove, QPointF(128 + 32.5, 128.5), viewer.mapToGlobal(QPointF()),
                   Qt::NoButton, Qt::NoButton, Qt::NoModifier);
  QApplication::sendEvent(&viewer, &move);
  QVERIFY(!hovered.isEmpty());
  QVERIFY2(hovered.last().first().toString().contains("resolution 12.00 Å"),
           qPrintable(hovered.last().first().toString()));
  // Flattened by default: the radial background is gone (mean about 0);
  // B shows the plain log spectrum, whose values sit far below.
  QVERIFY(panel.flattenButton().isChecked() && panel.flattenButton().isEnabled());
  double mean = 0;
  for (float p : viewer.plane().data)
    mean += p;
  mean /= double(viewer.plane().data.size());
  QVERIFY2(std::abs(mean) < 0.5, qPrintable(QString::number(mean)));
  const double flat = viewer.valueAt(128 + 20, 128);
  QTest::keyClick(&viewer, Qt::Key_B);
  QVERIFY(!panel.flattenButton().isChecked());
  QVERIFY2(std::abs(viewer.valueAt(128 + 20, 128) - flat) > 1.0,
           qPrintable(QString("%1 vs %2").arg(viewer.valueAt(128 + 20, 128)).arg(flat)));
  QVERIFY(viewer.valueAt(128 + 32, 128) > viewer.valueAt(128 + 20, 128) + 3);
  QTest::keyClick(&viewer, Qt::Key_P);
  QVERIFY(!panel.spectrum());
  QVERIFY(!panel.flattenButton().isEnabled());
  QCOMPARE(viewer.valueAt(0, 0), 1.0); // the image again
}

void TestViewerPanel::dicomWindowAndMonochrome1() {
  ATELIER_REQUIRE_SAMPLE_DATA();
  const std::string path = test::sample_path("xray/highdicom_dx_image.dcm");
  const FileInfo info = inspect_file(path);
  ViewerPanel panel;
  panel.setItem(import::read_preview_image(path, info), QString::fromStdString(path), info);
  QCOMPARE(panel.windowPresets(), QStringList{"File (128 / 256)"});
  QCOMPARE(combo(panel, "window")->currentText(), QString("File (128 / 256)"));
  QCOMPARE(panel.viewer().mapping().lo, 0.0); // 128 - 0.5 - 255 / 2
  QCOMPARE(panel.viewer().mapping().hi, 255.0);
  QCOMPARE(combo(panel, "colormap")->currentText(), QString("inverted")); // MONOCHROME1
  QVERIFY(panel.viewer().mapping().colormap == display::Colormap::inverted);
  // The next image, MONOCHROME2 without a window: gray, auto.
  const std::string mono2 = test::sample_path("xray/siim_cr_chest_850819_uncompressed.dcm");
  const FileInfo info2 = inspect_file(mono2);
  panel.setItem(import::read_preview_image(mono2, info2), QString::fromStdString(mono2), info2);
  QVERIFY(panel.windowPresets().isEmpty());
  QCOMPARE(combo(panel, "colormap")->currentText(), QString("gray"));
  // A NIfTI slice in Hounsfield units (no modality in the file) gets the
  // CT windows; the next item, an MRI slice, none.
  Image ct(32, 32, 1, DType::f32);
  for (std::size_t i = 0; i < ct.pixel_count(); ++i)
    ct.values<float>()[i] = i % 3 == 0 ? -1000.0f : (i % 3 == 1 ? 40.0f : 900.0f);
  FileInfo nifti;
  nifti.format = "nifti";
  nifti.dims = {32, 32};
  panel.setItem(ct, "ct.nii.gz", nifti);
  QVERIFY(panel.windowPresets().contains("Brain"));
  QVERIFY(panel.windowPresets().contains("Lung"));
  Image mri(32, 32, 1, DType::f32);
  for (std::size_t i = 0; i < mri.pixel_count(); ++i)
    mri.values<float>()[i] = float(i);
  panel.setItem(mri, "t1.nii.gz", nifti);
  QVERIFY(panel.windowPresets().isEmpty());
}

void TestViewerPanel::bandPickerAndRgbComposite() {
  // Three bands of different scales, nodata 0 at pixel (0, 0).
  Image img(16, 16, 3, DType::u16);
  auto v = img.values<std::uint16_t>();
  for (std::size_t i = 0; i < 256; ++i)
    for (std::size_t c = 0; c < 3; ++c)
      v[i * 3 + c] = std::uint16_t((i + 1) * (c + 1));
  v[0] = v[1] = v[2] = 0;
  FileInfo info;
  info.format = "geotiff";
  info.bands = 3;
  info.nodata = 0.0;
  ViewerPanel panel;
  panel.setItem(img, "tile.tif", info);
  QCOMPARE(panel.bandMode(), -2); // three bands: natural colour at once
  ImageViewer& viewer = panel.viewer();
  QVERIFY(viewer.isComposite());
  QCOMPARE(viewer.mapped().pixel(0, 0) >> 24, 0u); // nodata: transparent
  QCOMPARE(viewer.mapped().pixel(15, 15) >> 24, 0xffu);
  // Each band is stretched on its own: the top pixel is white in all three.
  QCOMPARE(viewer.mapped().pixel(15, 15), 0xffffffffu);
  // A right-drag stretches only the band the histogram edits (red first).
  panel.resize(500, 400);
  panel.show();
  QVERIFY(QTest::qWaitForWindowExposed(&panel));
  const auto windows = viewer.compositeWindows();
  const int across = int(display::kWindowDragDoubling);
  QTest::mousePress(&viewer, Qt::RightButton, {}, QPoint(20, 20));
  QTest::mouseMove(&viewer, QPoint(20 + across, 20));
  QTest::mouseRelease(&viewer, Qt::RightButton, {}, QPoint(20 + across, 20));
  const auto dragged = viewer.compositeWindows();
  QVERIFY(std::abs((dragged[0].hi - dragged[0].lo) - 2 * (windows[0].hi - windows[0].lo)) < 1e-6);
  for (std::size_t c : {1, 2})
    QVERIFY(dragged[c].lo == windows[c].lo && dragged[c].hi == windows[c].hi);
  panel.setBandMode(2); // band 3 alone
  QVERIFY(!viewer.isComposite());
  QCOMPARE(viewer.valueAt(1, 0), 6.0); // (1 + 1) * 3
  QVERIFY(std::isnan(viewer.valueAt(0, 0)));
}

QTEST_MAIN(TestViewerPanel)
#include "test_viewer_panel.moc"

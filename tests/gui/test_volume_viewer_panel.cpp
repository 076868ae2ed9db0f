// The volume viewer panel under an X display: loading off the GUI thread,
// linked slice views (a click moves the other slices), iso level in data
// units and sigma, modes, label overlays and their legend, 4D time points,
// the memory limit (refused or downsampled), and the 3D view's throttled,
// interactive rendering.
#include "core/spatial/volume_float.h"
#include "tests/support/display_check.h"
#include "tests/support/test_support.h"
#include "widgets/render/offscreen_render.h"
#include "widgets/view3d/TransferFunctionEditor.h"
#include "widgets/view3d/VolumeViewerPanel.h"
#include "widgets/view3d/VtkView.h"
#include "widgets/viewer/ImageViewer.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPixmap>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <vtkCamera.h>
#include <vtkPropCollection.h>
#include <vtkRenderer.h>

#include <cmath>

using namespace atelier;

namespace {

bool load(VolumeViewerPanel& panel, const QString& path, bool labels = false) {
  QSignalSpy loaded(&panel, &VolumeViewerPanel::loaded);
  QSignalSpy failed(&panel, &VolumeViewerPanel::failed);
  if (labels)
    panel.openLabels(path);
  else
    panel.openFile(path);
  return QTest::qWaitFor([&] { return loaded.count() + failed.count() > 0; }, 30000) &&
         loaded.count() == 1;
}

// Share of pixels unlike the top-left one.
double covered(const QImage& image) {
  const QRgb bg = image.pixel(0, 0);
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x)
      n += std::abs(qRed(image.pixel(x, y)) - qRed(bg)) +
               std::abs(qGreen(image.pixel(x, y)) - qGreen(bg)) >
           16;
  return double(n) / double(image.width() * image.height());
}

} // namespace

class TestVolumeViewerPanel : public QObject {
  Q_OBJECT

private slots:
  void initTestCase() { ATELIER_REQUIRE_DISPLAY(); }

  void opens_a_map_with_linked_slices_and_an_isosurface() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    VolumeViewerPanel panel;
    panel.resize(1000, 700);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY(load(panel, QString::fromStdString(test::sample_path("cryoem/EMD-3197.map"))));
    QCOMPARE(panel.volume()->nx(), 20);
    // Slices start in the middle; each view shows its plane.
    QCOMPARE(panel.scene().slice(2), std::int64_t(10));
    QCOMPARE(panel.sliceView(2).plane().width, 20);
    QCOMPARE(panel.sliceView(1).plane().height, 20);
    // Iso level at 1 sigma, then 2 sigma.
    const auto& s = panel.scene().stats();
    QVERIFY(std::abs(panel.scene().iso_level() - (s.mean + s.stddev)) < 1e-9);
    panel.setIsoSigma(2.0);
    QVERIFY(std::abs(panel.scene().iso_level() - (s.mean + 2 * s.stddev)) < 1e-9);
    // A click in the XY view moves the X and Y slices there.
    ImageViewer& xy = panel.sliceView(2);
    xy.fit();
    const QPointF origin = xy.imagePoint(QPointF(0, 0)); // image point at the widget's corner
    const QPoint widget_pos(((QPointF(4.5, 7.5) - origin) * xy.zoom()).toPoint()); // pixel (4, 7)
    QTest::mouseClick(&xy, Qt::LeftButton, Qt::NoModifier, widget_pos);
    QCOMPARE(panel.scene().slice(0), std::int64_t(4));
    QCOMPARE(panel.scene().slice(1), std::int64_t(7));
    QCOMPARE(panel.sliceView(0).plane().width, 20); // the YZ view now shows x = 4
    // The shared cursor: XZ and YZ draw z upward, so z 10 of 20 is row 9.
    QCOMPARE(panel.sliceView(2).crosshair(), QPointF(4, 7));
    QCOMPARE(panel.sliceView(1).crosshair(), QPointF(4, 9));
    QCOMPARE(panel.sliceView(0).crosshair(), QPointF(7, 9));
    // A click in the XZ view at its top row moves z to the top slice.
    ImageViewer& xz = panel.sliceView(1);
    xz.fit();
    const QPointF xz_origin = xz.imagePoint(QPointF(0, 0));
    QTest::mouseClick(&xz, Qt::LeftButton, Qt::NoModifier,
                      ((QPointF(4.5, 0.5) - xz_origin) * xz.zoom()).toPoint());
    QCOMPARE(panel.scene().slice(2), std::int64_t(19));
    QCOMPARE(panel.scene().slice(1), std::int64_t(7));
    // Keys in a slice view step through its own slices, within the volume.
    xz.setFocus();
    QTest::keyClick(&xz, Qt::Key_PageDown);
    QCOMPARE(panel.scene().slice(1), std::int64_t(6));
    QTest::keyClick(&xz, Qt::Key_Up, Qt::ShiftModifier);
    QCOMPARE(panel.scene().slice(1), std::int64_t(16));
    QTest::keyClick(&xz, Qt::Key_Up, Qt::ShiftModifier);
    QCOMPARE(panel.scene().slice(1), std::int64_t(19));
    QTest::keyClick(&xz, Qt::Key_Home);
    QCOMPARE(panel.scene().slice(1), std::int64_t(0));
    QCOMPARE(panel.sliceView(2).crosshair(), QPointF(4, 0));
    QTest::keyClick(&xz, Qt::Key_End);
    QCOMPARE(panel.scene().slice(1), std::int64_t(19));
    QTest::keyClick(&xz, Qt::Key_F); // the viewer's own keys still work
    QCOMPARE(panel.scene().slice(1), std::int64_t(19));
    panel.setSlice(1, 7);
    // Moving the cursor keeps each view's zoom.
    ImageViewer& yz = panel.sliceView(0);
    yz.zoomAt(QPointF(10, 10), 2.0);
    const double zoomed = yz.zoom();
    QTest::mouseClick(&xy, Qt::LeftButton, Qt::NoModifier, widget_pos + QPoint(0, int(xy.zoom())));
    QCOMPARE(panel.scene().slice(1), std::int64_t(8));
    QCOMPARE(yz.zoom(), zoomed);
    // The 3D view renders something in every mode (at 1 sigma: this small
    // map has little above 2).
    panel.setIsoSigma(1.0);
    for (auto mode :
         {render::VolumeMode::iso, render::VolumeMode::volume, render::VolumeMode::slices}) {
      panel.setMode(mode);
      QTest::qWait(50);
      const QImage shot = panel.view3d().screenshot();
      QVERIFY(!shot.isNull());
      QVERIFY2(covered(shot) > 0.02,
               qPrintable(QString("mode %1 covers %2").arg(int(mode)).arg(covered(shot))));
    }
    // The editor shows the preset; editing it changes the scene's transfer.
    TransferFunctionEditor& editor = panel.transferEditor();
    QCOMPARE(editor.points().size(), panel.scene().transfer().size());
    auto points = editor.points();
    points.back().opacity = 0.1;
    editor.setPoints(points);
    emit editor.transferChanged(points);
    QCOMPARE(panel.scene().transfer().back().opacity, 0.1);
    panel.setMode(render::VolumeMode::iso);
    QTest::qWait(50);
    if (const QString keep = qEnvironmentVariable("ATELIER_TEST_ARTEFACTS"); !keep.isEmpty()) {
      QDir().mkpath(keep);
      panel.grab().save(QDir(keep).filePath("volume_viewer_panel.png"));
    }
    QTemporaryDir dir;
    QVERIFY(panel.saveScreenshot(dir.filePath("shot.png")));
    QVERIFY(QImage(dir.filePath("shot.png")).width() > 100);
  }

  void label_volume_overlays_the_slices() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    VolumeViewerPanel panel;
    panel.resize(900, 600);
    panel.show();
    QVERIFY(load(panel, QString::fromStdString(
                            test::sample_path("volumes/isbi2012_train_volume_slices0-11.tif"))));
    QVERIFY(panel.sliceView(2).overlay().isNull());
    QVERIFY(load(
        panel,
        QString::fromStdString(test::sample_path("volumes/isbi2012_train_labels_slices0-11.tif")),
        true));
    QVERIFY(panel.scene().has_labels());
    const QImage overlay = panel.sliceView(2).overlay();
    QCOMPARE(overlay.size(), QSize(512, 512));
    // Transparent where the label is 0, coloured elsewhere: both occur.
    int clear = 0, coloured = 0;
    for (int y = 0; y < 512; y += 4)
      for (int x = 0; x < 512; x += 4)
        (qAlpha(overlay.pixel(x, y)) == 0 ? clear : coloured)++;
    QVERIFY(clear > 100 && coloured > 100);
    // Labels of another size are refused with a message.
    QSignalSpy failed(&panel, &VolumeViewerPanel::failed);
    panel.openLabels(QString::fromStdString(test::sample_path("cryoem/EMD-3197.map")));
    QVERIFY(QTest::qWaitFor([&] { return failed.count() > 0; }, 10000));
  }

  void readout_names_the_voxel_in_every_view() {
    // Voxel (x, y, z) holds x + 10 y + 100 z; the labels hold 7 x + 1.
    auto volume = std::make_shared<Volume>(6, 5, 4, DType::f32);
    auto labels = std::make_shared<Volume>(6, 5, 4, DType::i32);
    for (std::int64_t z = 0; z < 4; ++z)
      for (std::int64_t y = 0; y < 5; ++y)
        for (std::int64_t x = 0; x < 6; ++x) {
          const auto i = std::size_t((z * 5 + y) * 6 + x);
          volume->values<float>()[i] = float(x + 10 * y + 100 * z);
          labels->values<std::int32_t>()[i] = std::int32_t(7 * x + 1);
        }
    volume->spacing.xyz = {2, 3, 4};
    volume->spacing.unit = "A";
    labels->value_scale = {2.0, 5.0}; // a label file's scale: IDs are shown as stored
    VolumeViewerPanel panel;
    panel.resize(900, 600);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.setVolume(volume, "ramp");
    QVERIFY(panel.setLabels(labels));
    panel.setSlice(0, 1);
    panel.setSlice(1, 2);
    panel.setSlice(2, 3);
    // The XZ view's pixel (4, 2) is x 4, z 1 at the y slice (2) (z runs
    // upward from the bottom row, z 0); YZ's (4, 2) is y 4, z 1 at x 1.
    QCOMPARE(panel.voxelReadout(1, 4, 2, 124.0),
             QString("x 4, y 2, z 1: 124, label 29 (8, 6, 4 A)"));
    QCOMPARE(panel.voxelReadout(0, 4, 2, 141.0),
             QString("x 1, y 4, z 1: 141, label 8 (2, 12, 4 A)"));
    QCOMPARE(panel.voxelReadout(2, 5, 0, 305.0),
             QString("x 5, y 0, z 3: 305, label 36 (10, 0, 12 A)"));
    // Hovering in the XZ view emits it for the pixel under the cursor, with
    // the value that view shows there.
    QSignalSpy readout(&panel, &VolumeViewerPanel::readout);
    ImageViewer& xz = panel.sliceView(1);
    QSignalSpy hovered(&xz, &ImageViewer::hovered);
    xz.fit();
    QTest::mouseMove(&xz, QPoint(xz.width() / 2, xz.height() / 2));
    QTRY_VERIFY(!readout.isEmpty() && !hovered.isEmpty());
    const int u = hovered.last().at(0).toInt(), v = hovered.last().at(1).toInt();
    const int z = 3 - v;
    QCOMPARE(hovered.last().at(2).toDouble(), double(u + 10 * 2 + 100 * z));
    QCOMPARE(readout.last().at(0).toString(),
             panel.voxelReadout(1, u, v, double(u + 10 * 2 + 100 * z)));
    QVERIFY(readout.last().at(0).toString().startsWith(QString("x %1, y 2, z %2:").arg(u).arg(z)));
    // The slice window: mean +- 3 sigma first, then the full range, CT
    // windows only for values in Hounsfield units, and Manual.
    QComboBox* window = nullptr;
    for (QComboBox* c : panel.findChildren<QComboBox*>())
      if (c->findText("Full range") >= 0) window = c;
    QVERIFY(window);
    QCOMPARE(window->count(), 3);
    QCOMPARE(window->findText("CT brain"), -1);
    window->setCurrentIndex(1);
    emit window->activated(1);
    for (int axis = 0; axis < 3; ++axis) {
      QCOMPARE(panel.sliceView(axis).mapping().lo, 0.0);
      QCOMPARE(panel.sliceView(axis).mapping().hi, 345.0);
    }
    panel.setSliceWindow(10, 20);
    QCOMPARE(window->currentText(), QString("Manual"));
    QCOMPARE(panel.sliceView(1).mapping().hi, 20.0);
    QCOMPARE(panel.scene().slice_window()[1], 20.0); // the 3D slices share it
    QDoubleSpinBox* white = nullptr;
    for (QDoubleSpinBox* b : panel.findChildren<QDoubleSpinBox*>())
      if (b->toolTip().contains("white")) white = b;
    QVERIFY(white);
    QCOMPARE(white->value(), 20.0);
    white->setValue(30);
    QCOMPARE(panel.sliceView(0).mapping().hi, 30.0);
    QCOMPARE(panel.sliceMapping().lo, 10.0);
    // A right-drag across one view widens the window of all three and of
    // the 3D slices: 10..30 twice as wide about 20.
    {
      ImageViewer& xy = panel.sliceView(2);
      const QPoint at(xy.width() / 2, xy.height() / 2);
      const QPoint to = at + QPoint(int(display::kWindowDragDoubling), 0);
      QTest::mousePress(&xy, Qt::RightButton, {}, at);
      QTest::mouseMove(&xy, to);
      QTest::mouseRelease(&xy, Qt::RightButton, {}, to);
      for (int axis = 0; axis < 3; ++axis) {
        QVERIFY(std::abs(panel.sliceView(axis).mapping().lo - 0.0) < 1e-9);
        QVERIFY(std::abs(panel.sliceView(axis).mapping().hi - 40.0) < 1e-9);
      }
      QVERIFY(std::abs(panel.scene().slice_window()[1] - 40.0) < 1e-9);
      QVERIFY(std::abs(white->value() - 40.0) < 1e-6);
      QCOMPARE(window->currentText(), QString("Manual"));
    }
    // Views are named by their axes, and anatomically for an oriented volume.
    QVERIFY(panel.sliceView(1).toolTip().startsWith("XZ slice"));
    auto oriented = std::make_shared<Volume>(*volume);
    oriented->metadata.set("stored_orientation", "LAS");
    oriented->metadata.set("shown_orientation", "LPS");
    panel.setVolume(oriented, "head");
    QVERIFY(panel.sliceView(2).toolTip().startsWith("Axial (XY) slice"));
    QVERIFY(panel.sliceView(1).toolTip().startsWith("Coronal (XZ) slice"));
    QVERIFY(panel.sliceView(0).toolTip().startsWith("Sagittal (YZ) slice"));
    // A new volume starts again at mean +- 3 sigma; one in Hounsfield units
    // offers the CT windows.
    QCOMPARE(window->currentIndex(), 0);
    auto ct = std::make_shared<Volume>(8, 8, 8, DType::i16);
    for (std::size_t i = 0; i < ct->voxel_count(); ++i)
      ct->values<std::int16_t>()[i] = std::int16_t(i % 2 ? -1024 : 1500);
    panel.setVolume(ct, "ct");
    QVERIFY(window->findText("CT brain") > 1);
    window->setCurrentIndex(window->findText("CT brain"));
    emit window->activated(window->currentIndex());
    QCOMPARE(panel.sliceView(2).mapping().lo, 40 - 0.5 - 79 / 2.0);
  }

  void four_d_files_step_through_time_keeping_the_level() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    VolumeViewerPanel panel;
    QVERIFY(
        load(panel, QString::fromStdString(test::sample_path("volumes/nibabel_example4d.nii.gz"))));
    QCOMPARE(panel.volume()->nt(), std::int64_t(2));
    panel.setIsoSigma(1.5);
    const double level = panel.scene().iso_level();
    // The transfer chosen stays through time points, and the preset shown
    // applies to the next volume opened (not the cryo-EM default).
    QComboBox* preset = nullptr;
    for (QComboBox* c : panel.findChildren<QComboBox*>())
      if (c->findData("ct") >= 0) preset = c;
    QVERIFY(preset);
    preset->setCurrentIndex(preset->findData("ct"));
    const auto same = [](const std::vector<render::TransferPoint>& a,
                         const std::vector<render::TransferPoint>& b) {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].value != b[i].value || a[i].opacity != b[i].opacity) return false;
      return true;
    };
    const auto chosen = panel.scene().transfer();
    QVERIFY(same(chosen,
                 render::transfer_preset(render::TransferPreset::ct_mri, panel.scene().stats())));
    panel.setTimePoint(1);
    QCOMPARE(panel.timePoint(), std::int64_t(1));
    QCOMPARE(panel.scene().iso_level(), level);
    QVERIFY(same(panel.scene().transfer(), chosen));
    QVERIFY(
        load(panel, QString::fromStdString(test::sample_path("volumes/nibabel_example4d.nii.gz"))));
    QVERIFY(same(panel.scene().transfer(),
                 render::transfer_preset(render::TransferPreset::ct_mri, panel.scene().stats())));
  }

  void time_points_change_only_the_voxels() {
    // Two time points (t: voxel value x + 100 t) under one label volume.
    auto volume = std::make_shared<Volume>(8, 8, 8, DType::f32, 2);
    auto labels = std::make_shared<Volume>(8, 8, 8, DType::u8);
    for (std::size_t i = 0; i < volume->voxel_count(); ++i)
      volume->values<float>()[i] = float(i % 8 + 100 * (i / 512));
    for (std::size_t i = 0; i < labels->voxel_count(); ++i)
      labels->values<std::uint8_t>()[i] = std::uint8_t(i % 8 < 4 ? 1 : 2);
    VolumeViewerPanel panel;
    panel.resize(900, 600);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.setVolume(volume, "series");
    QVERIFY(panel.setLabels(labels));
    panel.setSlice(2, 5);
    panel.setIsoSigma(0.5);
    const double level = panel.scene().iso_level();
    const auto actors = [&] {
      std::vector<vtkProp*> props;
      vtkPropCollection* all = panel.scene().renderer()->GetViewProps();
      all->InitTraversal();
      while (vtkProp* p = all->GetNextProp())
        props.push_back(p);
      return props;
    };
    const auto before = actors();
    panel.setTimePoint(1);
    QCOMPARE(panel.scene().voxels()[3], 103.0f);
    QCOMPARE(panel.sliceView(2).plane().at(3, 0), 103.0f);
    // The label surfaces are the same actors, not rebuilt; the rest stays.
    QVERIFY(panel.scene().has_labels());
    QVERIFY(actors() == before);
    QCOMPARE(panel.scene().iso_level(), level);
    QCOMPARE(panel.scene().slice(2), std::int64_t(5));
    QVERIFY(panel.voxelReadout(2, 3, 0, 103.0).startsWith("x 3, y 0, z 5, t 1: 103, label 1"));
  }

  void oversized_volumes_are_refused_or_downsampled() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const QString map =
        QString::fromStdString(test::sample_path("cryoem/aspire_EMD-2660_ribosome_65px.mrc"));
    qputenv("ATELIER_MAX_VOLUME_BYTES", "200000");
    VolumeViewerPanel panel;
    panel.setDownsamplePolicy(VolumeViewerPanel::DownsamplePolicy::never);
    QSignalSpy failed(&panel, &VolumeViewerPanel::failed);
    QVERIFY(!load(panel, map));
    QVERIFY(failed.count() == 1 && failed[0][0].toString().contains("limit"));
    panel.setDownsamplePolicy(VolumeViewerPanel::DownsamplePolicy::always);
    QVERIFY(load(panel, map));
    QCOMPARE(panel.volume()->nx(), 32); // 65^3 float32 binned by 2
    qunsetenv("ATELIER_MAX_VOLUME_BYTES");
  }

  void a_large_isosurface_arrives_without_blocking() {
    // 176^3 voxels: the panel shows the binned surface and says so, then
    // polls the worker's full-resolution surface in and renders it.
    auto volume = std::make_shared<Volume>(176, 176, 176, DType::f32);
    auto v = volume->values<float>();
    for (std::int64_t z = 0; z < 176; ++z)
      for (std::int64_t y = 0; y < 176; ++y)
        for (std::int64_t x = 0; x < 176; ++x)
          v[std::size_t((z * 176 + y) * 176 + x)] =
              float((x - 88) * (x - 88) + (y - 88) * (y - 88) + (z - 88) * (z - 88) < 3600);
    VolumeViewerPanel panel;
    panel.resize(800, 600);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.setVolume(volume, "ball");
    panel.setMode(render::VolumeMode::iso);
    auto* status = panel.findChild<QLabel*>("iso_status");
    QVERIFY(status);
    QTRY_VERIFY_WITH_TIMEOUT(!panel.scene().iso_pending(), 60'000);
    QCOMPARE(panel.scene().iso_binning_at_rest(), 1);
    QTRY_VERIFY(!status->isVisible());
    const int frames = panel.view3d().framesRendered();
    // A new level: pending again, then installed and drawn.
    panel.setIsoSigma(0.5);
    QVERIFY(panel.scene().iso_pending());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.scene().iso_pending(), 60'000);
    QTRY_VERIFY(panel.view3d().framesRendered() > frames);
  }

  void the_3d_view_throttles_and_reports_interaction() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    VolumeViewerPanel panel;
    panel.resize(800, 600);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY(load(panel, QString::fromStdString(test::sample_path("cryoem/EMD-3197.map"))));
    VtkView& view = panel.view3d();
    QTest::qWait(100);
    const int before = view.framesRendered();
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < 200; ++i)
      view.requestRender();
    QTest::qWait(200);
    const int frames = view.framesRendered() - before;
    QVERIFY2(frames >= 1 && frames <= clock.elapsed() / 16 + 2,
             qPrintable(QString::number(frames)));
    // A drag rotates the camera and counts as one interaction.
    QSignalSpy started(&view, &VtkView::interactionStarted);
    QSignalSpy finished(&view, &VtkView::interactionFinished);
    double before_pos[3], after_pos[3];
    panel.scene().renderer()->GetActiveCamera()->GetPosition(before_pos);
    QSignalSpy rendered(&view, &VtkView::frameRendered);
    QTest::mousePress(&view, Qt::LeftButton, Qt::NoModifier, QPoint(100, 100));
    for (int x = 110; x <= 200; x += 10) {
      QMouseEvent move(QEvent::MouseMove, QPointF(x, 100), view.mapToGlobal(QPointF(x, 100)),
                       Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
      QApplication::sendEvent(&view, &move);
      if (x == 150) QTest::qWait(50); // a frame drawn while moving
    }
    QTest::mouseRelease(&view, Qt::LeftButton, Qt::NoModifier, QPoint(200, 100));
    panel.scene().renderer()->GetActiveCamera()->GetPosition(after_pos);
    QCOMPARE(started.count(), 1);
    QTRY_COMPARE(finished.count(), 1); // at once, or after a rest when full frames are slow
    // Frames report their time and whether the camera moved, for the
    // scene's level of detail; the frame after the drag is at rest.
    QTRY_VERIFY(!rendered.isEmpty() && !rendered.last().at(1).toBool());
    bool moving_frame = false;
    for (const auto& args : rendered)
      moving_frame |= args.at(1).toBool() && args.at(0).toDouble() > 0;
    QVERIFY(moving_frame);
    QVERIFY(std::abs(after_pos[0] - before_pos[0]) + std::abs(after_pos[2] - before_pos[2]) > 1e-3);
  }
};

QTEST_MAIN(TestVolumeViewerPanel)
#include "test_volume_viewer_panel.moc"

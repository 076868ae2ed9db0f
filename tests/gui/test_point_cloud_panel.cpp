// The point-cloud panel under an X display: loading, the colour-by choices a
// cloud offers, colouring changes the picture, picking shows a point's
// attributes, an empty cloud says so, and slow full-quality frames wait for
// the camera to rest.
#include "core/data/point_cloud.h"
#include "tests/support/display_check.h"
#include "tests/support/test_support.h"
#include "widgets/render/offscreen_render.h"
#include "widgets/render/point_scene.h"
#include "widgets/view3d/PointCloudPanel.h"
#include "widgets/view3d/VtkView.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QGuiApplication>
#include <QPainter>
#include <QPixmap>
#include <QScreen>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace atelier;

namespace {

bool load(PointCloudPanel& panel, const QString& path) {
  QSignalSpy loaded(&panel, &PointCloudPanel::loaded);
  QSignalSpy failed(&panel, &PointCloudPanel::failed);
  panel.openFile(path);
  return QTest::qWaitFor([&] { return loaded.count() + failed.count() > 0; }, 30000) &&
         loaded.count() == 1;
}

} // namespace

class TestPointCloudPanel : public QObject {
  Q_OBJECT

private slots:
  void initTestCase() { ATELIER_REQUIRE_DISPLAY(); }

  void slow_full_frames_wait_for_the_camera_to_rest() {
    // Three million points with eye-dome lighting: a full-quality frame
    // takes well over 250 ms on a software renderer, so after a drag the
    // view waits for the camera to rest before the full frame, and a drag
    // meanwhile continues the same interaction.
    PointCloud cloud;
    cloud.xyz.resize(3'000'000);
    for (std::size_t i = 0; i < cloud.xyz.size(); ++i)
      cloud.xyz[i] = {double(i % 1733), double(i / 1733 % 1733), double(i % 11)};
    render::PointScene scene;
    scene.set_cloud(cloud);
    VtkView view;
    view.resize(640, 480);
    view.setRenderer(scene.renderer());
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    scene.reset_camera();
    view.screenshot(); // a full-quality frame, timed
    if (view.settleDelayMs() == 0)
      QSKIP("full-quality frames are fast on this renderer: nothing to wait for");
    QSignalSpy started(&view, &VtkView::interactionStarted);
    QSignalSpy finished(&view, &VtkView::interactionFinished);
    auto drag = [&view](int from, int to) {
      QTest::mousePress(&view, Qt::LeftButton, {}, QPoint(from, 200));
      QTest::mouseMove(&view, QPoint((from + to) / 2, 200));
      QTest::mouseMove(&view, QPoint(to, 200));
      QTest::mouseRelease(&view, Qt::LeftButton, {}, QPoint(to, 200));
    };
    drag(100, 200);
    QCOMPARE(started.count(), 1);
    QCOMPARE(finished.count(), 0); // resting, not yet finished
    QVERIFY(view.interacting());
    drag(200, 300); // before the rest is over: the same interaction
    QCOMPARE(started.count(), 1);
    QCOMPARE(finished.count(), 0);
    // A click meanwhile does not leave it unfinished.
    QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(300, 200));
    QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10'000);
    QVERIFY(!view.interacting());
  }

  void colour_choices_follow_the_cloud() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    PointCloudPanel panel;
    panel.resize(900, 600);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY(
        load(panel, QString::fromStdString(test::sample_path("pointclouds/pdal_autzen-thin.las"))));
    QComboBox& by = panel.colourBy();
    QCOMPARE(by.itemData(0).toString(), QString("rgb"));
    QVERIFY(by.findData("intensity") >= 0);
    QVERIFY(by.findData("elevation") >= 0);
    QVERIFY(by.findData("label:classification") >= 0);
    QTest::qWait(50);
    const QImage rgb = panel.view3d().screenshot();
    by.setCurrentIndex(by.findData("elevation"));
    QTest::qWait(50);
    const QImage elevation = panel.view3d().screenshot();
    QVERIFY(rgb.size() == elevation.size() && rgb != elevation);
    if (const QString keep = qEnvironmentVariable("ATELIER_TEST_ARTEFACTS"); !keep.isEmpty()) {
      QDir().mkpath(keep);
      panel.grab().save(QDir(keep).filePath("point_cloud_panel.png"));
    }
  }

  void picking_shows_the_point() {
    PointCloud cloud;
    cloud.xyz = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0.5, 0.5, 0.5}};
    cloud.intensity = {1, 2, 3, 42};
    cloud.add_field("classification").values = {1, 1, 2, 6};
    PointCloudPanel panel;
    panel.resize(600, 400);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.setCloud(std::make_shared<const PointCloud>(cloud), "four.ply");
    panel.scene().reset_camera(render::ViewDirection::z);
    panel.view3d().screenshot(); // a frame, so picking has a camera and viewport
    // The middle point (0.5, 0.5) sits at the centre of the view.
    const double ratio = panel.view3d().devicePixelRatioF();
    const int cx = int(panel.view3d().width() * ratio / 2),
              cy = int(panel.view3d().height() * ratio / 2);
    QVERIFY(panel.pickAt(cx, cy));
    QVERIFY2(panel.pickedText().contains("intensity 42"), qPrintable(panel.pickedText()));
    QVERIFY(panel.pickedText().contains("classification 6"));
    QCOMPARE(describe_point(cloud, 1).split('\n')[1], QString("x 1.000"));
  }

  void an_empty_cloud_says_so() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("empty.ply").toStdString();
    test::write_text(path, "ply\nformat ascii 1.0\nelement vertex 0\nproperty float x\n"
                           "property float y\nproperty float z\nend_header\n");
    PointCloudPanel panel;
    panel.show();
    QVERIFY(load(panel, QString::fromStdString(path)));
    QCOMPARE(panel.cloud()->size(), std::size_t(0));
    QVERIFY(!panel.pickAt(10, 10));
  }

  void unreadable_files_fail_with_the_name() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("broken.pcd").toStdString();
    test::write_text(path, "# .PCD v0.7\nVERSION 0.7\nFIELDS x y z\nSIZE 4 4\n");
    PointCloudPanel panel;
    QSignalSpy failed(&panel, &PointCloudPanel::failed);
    QVERIFY(!load(panel, QString::fromStdString(path)));
    QVERIFY(failed[0][0].toString().contains("broken.pcd"));
  }
};

QTEST_MAIN(TestPointCloudPanel)
#include "test_point_cloud_panel.moc"

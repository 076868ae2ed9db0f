// Rendering without a window: every volume and point cloud of the sample
// data draws a plausible picture, the isosurface level behaves like a
// contour level, label overlays land on their voxels, bad input (NaN voxels,
// empty clouds, oversized volumes, no display) is handled, and the CLI
// writes the PNG. Renders are kept under ATELIER_TEST_ARTEFACTS.
#include "core/base/error.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/spatial/volume_load.h"
#include "core/spatial/volume_slice.h"
#include "tests/support/display_check.h"
#include "tests/support/test_support.h"
#include "widgets/render/detail_governor.h"
#include "widgets/render/label_surfaces.h"
#include "widgets/render/offscreen_render.h"
#include "widgets/render/point_scene.h"
#include "widgets/render/render_file.h"
#include "widgets/render/transfer_function.h"
#include "widgets/render/volume_scene.h"
#include "widgets/render/vtk_volume_data.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <vtkActor.h>
#include <vtkActorCollection.h>
#include <vtkDataSet.h>
#include <vtkMapper.h>
#include <vtkPointData.h>
#include <vtkRenderer.h>
#include <vtkUnsignedCharArray.h>

#include <algorithm>
#include <cmath>
#include <future>
#include <limits>
#include <set>

using namespace atelier;
using namespace atelier::render;

namespace {

const QStringList kVolumeKinds = {"density_map", "subtomogram", "fmri",        "mri_t1",
                                  "dmri_b0",     "em_volume",   "label_volume"};

void keep_artefact(const RgbImage& image, const QString& name) {
  const QString dir = qEnvironmentVariable("ATELIER_TEST_ARTEFACTS");
  if (dir.isEmpty()) return;
  QDir().mkpath(dir);
  write_png(image, QDir(dir).filePath(name).toStdString());
}

RenderRequest small(const std::string& mode = "") {
  RenderRequest r;
  r.mode = mode;
  r.width = 320;
  r.height = 240;
  return r;
}

// A float32 ball of density 1 (radius r voxels) in an n^3 volume of zeros.
Volume ball(std::int64_t n, double r) {
  Volume v(n, n, n, DType::f32);
  auto values = v.values<float>();
  const double c = 0.5 * double(n - 1);
  for (std::int64_t z = 0; z < n; ++z)
    for (std::int64_t y = 0; y < n; ++y)
      for (std::int64_t x = 0; x < n; ++x) {
        const double d = std::sqrt((x - c) * (x - c) + (y - c) * (y - c) + (z - c) * (z - c));
        values[std::size_t((z * n + y) * n + x)] = d < r ? 1.0f : 0.0f;
      }
  return v;
}

bool grey(const std::uint8_t* p, int tolerance = 6) {
  return std::abs(int(p[0]) - int(p[1])) <= tolerance &&
         std::abs(int(p[1]) - int(p[2])) <= tolerance;
}

} // namespace

class TestRenderScenes : public QObject {
  Q_OBJECT

private slots:
  void initTestCase() { ATELIER_REQUIRE_DISPLAY(); }

  void every_volume_renders_data() {
    QTest::addColumn<QString>("path");
    for (const auto& value : test::manifest_entries()) {
      const QJsonObject entry = value.toObject();
      if (kVolumeKinds.contains(entry["kind"].toString()))
        QTest::newRow(qPrintable(entry["path"].toString())) << entry["path"].toString();
    }
    if (test::manifest_entries().isEmpty()) QTest::newRow("no sample data") << QString();
  }
  void every_volume_renders() {
    QFETCH(QString, path);
    ATELIER_REQUIRE_SAMPLE_DATA();
    for (const std::string mode : {"iso", "volume", "slices"}) {
      const RenderResult result = render_file(test::sample_path(path), small(mode));
      QCOMPARE(result.image.width, 320);
      QCOMPARE(result.image.height, 240);
      const double covered = covered_fraction(result.image);
      QVERIFY2(covered > 0.01 && covered < 0.95,
               qPrintable(QString("%1 %2 covers %3").arg(path).arg(mode.c_str()).arg(covered)));
      keep_artefact(result.image,
                    QFileInfo(path).completeBaseName() + "_" + QString(mode.c_str()) + ".png");
    }
  }

  void every_point_cloud_renders_data() {
    QTest::addColumn<QString>("path");
    for (const auto& value : test::manifest_entries({"ply", "pcd", "las", "xyz"}))
      QTest::newRow(qPrintable(value.toObject()["path"].toString()))
          << value.toObject()["path"].toString();
    if (test::manifest_entries().isEmpty()) QTest::newRow("no sample data") << QString();
  }
  void every_point_cloud_renders() {
    QFETCH(QString, path);
    ATELIER_REQUIRE_SAMPLE_DATA();
    const RenderResult result = render_file(test::sample_path(path), small());
    const double covered = covered_fraction(result.image);
    QVERIFY2(covered > 0.01 && covered < 0.9, qPrintable(QString("covers %1").arg(covered)));
    // Coloured clouds show their colours: many distinct non-grey pixels.
    keep_artefact(result.image, QFileInfo(path).fileName() + ".png");
  }

  void coloured_clouds_show_colour() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const RenderResult result =
        render_file(test::sample_path("pointclouds/pcl_milk_color.pcd"), small());
    int coloured = 0;
    for (int y = 0; y < result.image.height; ++y)
      for (int x = 0; x < result.image.width; ++x)
        coloured += !grey(result.image.at(x, y), 20);
    QVERIFY2(coloured > 500, qPrintable(QString::number(coloured)));
  }

  void emd_3197_isosurface_at_one_sigma_is_plausible() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const std::string path = test::sample_path("cryoem/EMD-3197.map");
    RenderRequest r = small("iso");
    const RenderResult one = render_file(path, r);
    QVERIFY(one.summary.find("1 sigma above the mean") != std::string::npos);
    const double at_one = covered_fraction(one.image);
    // The 20^3 map at 1 sigma: a few lobes inside its box, neither a speck nor a wall.
    QVERIFY2(at_one > 0.08 && at_one < 0.6, qPrintable(QString::number(at_one)));
    r.level_sigma = 3.0;
    const double at_three = covered_fraction(render_file(path, r).image);
    QVERIFY2(at_three < at_one, qPrintable(QString("%1 vs %2").arg(at_three).arg(at_one)));
    keep_artefact(one.image, "EMD-3197_iso_1sigma.png");
  }

  void label_overlay_lands_on_its_voxels() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const std::string em = test::sample_path("volumes/isbi2012_train_volume_slices0-11.tif");
    const std::string lab = test::sample_path("volumes/isbi2012_train_labels_slices0-11.tif");
    RenderRequest r;
    r.mode = "slices";
    r.labels = lab;
    r.view = ViewDirection::z;
    r.width = r.height = 512; // one voxel per pixel
    const RenderResult result = render_file(em, r);
    keep_artefact(result.image, "isbi_labels_z.png");
    const Volume labels = load_volume(lab);
    const auto v = labels.values<std::uint8_t>();
    const std::int64_t z = labels.nz() / 2; // the scene's middle slice
    std::int64_t agree = 0, total = 0;
    for (int y = 2; y < 510; ++y)
      for (int x = 2; x < 510; ++x) {
        // Skip label edges, where one pixel of filtering may blur the answer.
        const auto at = [&](int xx, int yy) { return v[std::size_t((z * 512 + yy) * 512 + xx)]; };
        const bool labelled = at(x, y) != 0;
        if ((at(x - 1, y) != 0) != labelled || (at(x + 1, y) != 0) != labelled ||
            (at(x, y - 1) != 0) != labelled || (at(x, y + 1) != 0) != labelled)
          continue;
        ++total;
        agree += labelled == !grey(result.image.at(x, y));
      }
    const double fraction = double(agree) / double(total);
    QVERIFY2(fraction > 0.97, qPrintable(QString("overlay agrees on %1").arg(fraction)));
  }

  void labels_prepared_on_another_thread_match() {
    // Two labelled blocks over a volume with 2 x 1 x 3 spacing: surfaces
    // prepared on a worker thread draw the frame set_labels(Volume) draws;
    // prepared for another spacing they are made again, in place.
    const std::int64_t n = 24;
    Volume density(n, n, n, DType::f32);
    density.spacing.xyz = {2, 1, 3};
    density.spacing.unit = "A";
    Volume labels(n, n, n, DType::u8);
    auto l = labels.values<std::uint8_t>();
    for (std::int64_t z = 4; z < 20; ++z)
      for (std::int64_t y = 4; y < 20; ++y)
        for (std::int64_t x = 4; x < 20; ++x)
          l[std::size_t((z * n + y) * n + x)] = x < 12 ? 3 : 7;
    auto frame = [&](VolumeScene& scene) {
      OffscreenWindow window(120, 120);
      window.add(scene.renderer());
      scene.reset_camera();
      return window.capture();
    };
    VolumeScene direct;
    direct.set_volume(density);
    direct.set_mode(VolumeMode::volume);
    direct.set_labels(labels);
    const RgbImage expected = frame(direct);
    QVERIFY(covered_fraction(expected) > 0.05);

    std::array<double, 3> spacing;
    spacing_for_vtk(density, spacing.data());
    auto job = std::async(std::launch::async, [&] { return prepare_labels(labels, spacing); });
    LabelData prepared = job.get();
    QCOMPARE(prepared.values, (std::vector<std::int64_t>{3, 7}));
    VolumeScene scene;
    scene.set_volume(density);
    scene.set_mode(VolumeMode::volume);
    scene.set_labels(std::move(prepared));
    QVERIFY(frame(scene).rgb == expected.rgb);

    VolumeScene respaced;
    respaced.set_volume(density);
    respaced.set_mode(VolumeMode::volume);
    respaced.set_labels(prepare_labels(labels, {1, 1, 1}));
    QVERIFY(frame(respaced).rgb == expected.rgb);
    // The size is checked as before.
    Volume other(n, n, n + 1, DType::u8);
    ATELIER_VERIFY_THROWS(scene.set_labels(prepare_labels(other, spacing)), Error,
                          "the volume is 24x24x24");
  }

  void labels_of_any_value_get_colours() {
    // int16 labels (MRC mode 1) below zero and near the top of the range:
    // each gets its colour, and the table holds only the labels present.
    QTemporaryDir dir;
    const std::int64_t n = 32;
    Volume labels(n, n, n, DType::i16);
    auto l = labels.values<std::int16_t>();
    for (std::int64_t z = 0; z < n; ++z)
      for (std::int64_t y = 0; y < n; ++y)
        for (std::int64_t x = 0; x < n; ++x)
          l[std::size_t((z * n + y) * n + x)] = x < 12 ? -5 : x < 20 ? 0 : 32000;
    const std::string density = dir.filePath("ball.mrc").toStdString();
    const std::string lab = dir.filePath("labels.mrc").toStdString();
    write_mrc(density, ball(n, 10));
    write_mrc(lab, labels);
    RenderRequest r;
    r.mode = "slices";
    r.labels = lab;
    r.view = ViewDirection::z;
    r.width = r.height = 256;
    const RenderResult result = render_file(density, r);
    keep_artefact(result.image, "signed_labels_z.png");
    // Rows through the middle: left third and right third coloured, the
    // unlabelled middle grey.
    const int y = 128;
    QVERIFY2(!grey(result.image.at(30, y)), "label -5 has no colour");
    QVERIFY2(!grey(result.image.at(226, y)), "label 32000 has no colour");
    QVERIFY2(grey(result.image.at(128, y)), "label 0 is not transparent");
  }

  void nan_and_inf_voxels_render() {
    QTemporaryDir dir;
    Volume v = ball(24, 8);
    auto values = v.values<float>();
    for (std::size_t i = 0; i < values.size(); i += 7)
      values[i] = (i % 2) ? std::numeric_limits<float>::quiet_NaN()
                          : std::numeric_limits<float>::infinity();
    const std::string path = dir.filePath("nan.mrc").toStdString();
    write_mrc(path, v);
    for (const std::string mode : {"iso", "volume", "slices"}) {
      const RenderResult result = render_file(path, small(mode));
      QVERIFY2(covered_fraction(result.image) > 0.01, mode.c_str());
    }
    VolumeScene scene;
    scene.set_volume(v);
    QCOMPARE(scene.stats().max, 1.0);
    QCOMPARE(scene.stats().min, 0.0);
    for (const TransferPoint& p : scene.transfer())
      QVERIFY(std::isfinite(p.value) && p.value >= 0.0 && p.value <= 1.0);
  }

  // A float32 map without NaN/Inf is shown in place (one copy in memory,
  // kept alive by the scene); one with them is copied and cleaned.
  void float_volumes_are_shown_in_place() {
    auto clean = std::make_shared<const Volume>(ball(24, 8));
    const DensityImage borrowed = make_density_image(clean);
    QVERIFY(borrowed.borrowed == clean);
    QCOMPARE(static_cast<const void*>(borrowed.image->GetScalarPointer()),
             static_cast<const void*>(clean->bytes()));
    QCOMPARE(borrowed.stats.max, 1.0);
    {
      VolumeScene scene;
      scene.set_volume(clean);
      QCOMPARE(static_cast<const void*>(scene.voxels()), static_cast<const void*>(clean->bytes()));
      QVERIFY(clean.use_count() >= 3); // here, in `borrowed` and in the scene
      scene.set_volume(*clean);        // the copying overload lets it go
      QVERIFY(scene.voxels() != reinterpret_cast<const float*>(clean->bytes()));
    }
    Volume dirty = ball(24, 8);
    dirty.values<float>()[5] = std::numeric_limits<float>::quiet_NaN();
    auto shared_dirty = std::make_shared<const Volume>(std::move(dirty));
    const DensityImage copied = make_density_image(shared_dirty);
    QVERIFY(!copied.borrowed);
    QVERIFY(std::isfinite(static_cast<const float*>(copied.image->GetScalarPointer())[5]));
  }

  void ball_isosurface_fills_the_expected_disc() {
    // A ball of radius 8 in a 24^3 box seen down z with a parallel camera:
    // the disc covers pi r^2 of the (24 voxel)^2 frame.
    QTemporaryDir dir;
    const std::string path = dir.filePath("ball.mrc").toStdString();
    write_mrc(path, ball(24, 8));
    RenderRequest r = small("iso");
    r.width = r.height = 240;
    r.view = ViewDirection::z;
    r.level = 0.5;
    const double covered = covered_fraction(render_file(path, r).image, 4);
    const double disc = 3.14159265 * 8 * 8 / (24.0 * 24.0);
    QVERIFY2(std::abs(covered - disc) < 0.06,
             qPrintable(QString("%1 vs %2").arg(covered).arg(disc)));
  }

  void axis_views_match_the_slice_views() {
    // A cube in the low corner of every axis, seen down x, y and z: each
    // render shows it in the quadrant where the slice view of that axis
    // (volume_slice) shows it: top left down z (y downward), bottom left
    // down x and y (z upward). Seen from the wrong side, or upside down, a
    // view would show it in another quadrant.
    QTemporaryDir dir;
    const std::string path = dir.filePath("corner.mrc").toStdString();
    Volume v(24, 24, 24, DType::f32);
    auto values = v.values<float>();
    for (std::int64_t z = 2; z < 10; ++z)
      for (std::int64_t y = 2; y < 10; ++y)
        for (std::int64_t x = 2; x < 10; ++x)
          values[std::size_t((z * 24 + y) * 24 + x)] = 1.0f;
    write_mrc(path, v);
    const auto quadrant_of_slice = [&](int axis) {
      const Image plane = volume_slice(v, axis, 5);
      std::int64_t sum_u = 0, sum_v = 0, count = 0;
      for (std::int64_t row = 0; row < plane.height(); ++row)
        for (std::int64_t col = 0; col < plane.width(); ++col)
          if (plane.values<float>()[std::size_t(row * plane.width() + col)] > 0.5f)
            sum_u += col, sum_v += row, ++count;
      return std::pair<int, int>{int(2 * sum_v / count / plane.height()),
                                 int(2 * sum_u / count / plane.width())};
    };
    const std::pair<ViewDirection, int> views[] = {
        {ViewDirection::x, 0}, {ViewDirection::y, 1}, {ViewDirection::z, 2}};
    for (const auto& [view, axis] : views) {
      RenderRequest r = small("iso");
      r.width = r.height = 240;
      r.view = view;
      r.level = 0.5;
      const RgbImage image = render_file(path, r).image;
      const std::uint8_t* bg = image.at(0, 0);
      int quadrant[2][2] = {{0, 0}, {0, 0}};
      for (int y = 0; y < image.height; ++y)
        for (int x = 0; x < image.width; ++x) {
          const std::uint8_t* p = image.at(x, y);
          if (std::abs(int(p[0]) - int(bg[0])) + std::abs(int(p[1]) - int(bg[1])) +
                  std::abs(int(p[2]) - int(bg[2])) >
              24)
            ++quadrant[y * 2 / image.height][x * 2 / image.width];
        }
      const auto [row, col] = quadrant_of_slice(axis);
      QCOMPARE(row, axis == 2 ? 0 : 1);
      QCOMPARE(col, 0);
      const QString counts = QString("view %1: top %2 %3, bottom %4 %5")
                                 .arg(int(view))
                                 .arg(quadrant[0][0])
                                 .arg(quadrant[0][1])
                                 .arg(quadrant[1][0])
                                 .arg(quadrant[1][1]);
      // The cube covers ~80x80 pixels; the frame's outline ~230 per quadrant.
      QVERIFY2(quadrant[row][col] > 4000, qPrintable(counts));
      int elsewhere = 0;
      for (int qr = 0; qr < 2; ++qr)
        for (int qc = 0; qc < 2; ++qc)
          if (qr != row || qc != col) elsewhere = std::max(elsewhere, quadrant[qr][qc]);
      QVERIFY2(elsewhere < 1000, qPrintable(counts));
    }
  }

  void slice_renders_down_an_axis_show_that_plane_with_z_up() {
    // Voxel values rise with z: seen down x or y, the one plane drawn is
    // brighter at the top (z up, as in the slice views); down z it is flat.
    QTemporaryDir dir;
    const std::string path = dir.filePath("zramp.mrc").toStdString();
    Volume v(24, 24, 24, DType::f32);
    auto values = v.values<float>();
    for (std::size_t i = 0; i < values.size(); ++i)
      values[i] = float(i / (24 * 24));
    write_mrc(path, v);
    for (const ViewDirection view : {ViewDirection::x, ViewDirection::y, ViewDirection::z}) {
      RenderRequest r = small("slices");
      r.width = r.height = 240;
      r.view = view;
      const RgbImage image = render_file(path, r).image;
      const auto grey = [&](int y) { return int(image.at(image.width / 2, y)[1]); };
      const int top = grey(image.height / 4), bottom = grey(3 * image.height / 4);
      const QString seen =
          QString("view %1: top %2, bottom %3").arg(int(view)).arg(top).arg(bottom);
      if (view == ViewDirection::z)
        QVERIFY2(std::abs(top - bottom) < 8, qPrintable(seen));
      else
        QVERIFY2(top > bottom + 60, qPrintable(seen));
    }
  }

  void large_field_values_keep_their_resolution() {
    // GPS time near 3.2e8 s in 1 ms steps: float32 alone steps by 32 s
    // there, which would give every point one colour.
    PointCloud cloud;
    ScalarField& gps = cloud.add_field("gps_time");
    for (int i = 0; i < 1000; ++i) {
      cloud.xyz.push_back({double(i), 0.0, 0.0});
      gps.values.push_back(3.2e8 + 1e-3 * i);
    }
    PointScene scene;
    scene.set_cloud(cloud);
    scene.set_colouring(parse_point_colouring("field:gps_time"));
    const auto range = scene.colour_range();
    QVERIFY2(range[0] > 3.2e8 && range[1] - range[0] > 0.9 && range[1] - range[0] < 1.0,
             qPrintable(QString("%1 .. %2").arg(range[0], 0, 'f', 4).arg(range[1], 0, 'f', 4)));
    std::set<std::array<std::uint8_t, 3>> colours;
    vtkActorCollection* actors = scene.renderer()->GetActors();
    actors->InitTraversal();
    while (vtkActor* a = actors->GetNextActor()) {
      vtkDataSet* data = a->GetMapper() ? a->GetMapper()->GetInput() : nullptr;
      auto* array =
          data ? vtkUnsignedCharArray::SafeDownCast(data->GetPointData()->GetArray("colours"))
               : nullptr;
      if (!array) continue;
      for (vtkIdType i = 0; i < array->GetNumberOfTuples(); ++i)
        colours.insert(
            {array->GetValue(3 * i), array->GetValue(3 * i + 1), array->GetValue(3 * i + 2)});
    }
    QVERIFY2(colours.size() > 200, qPrintable(QString::number(colours.size())));
  }

  void empty_cloud_renders_an_empty_scene() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("empty.ply").toStdString();
    test::write_text(path, "ply\nformat ascii 1.0\nelement vertex 0\nproperty float x\n"
                           "property float y\nproperty float z\nend_header\n");
    const RenderResult result = render_file(path, small());
    QVERIFY(result.summary.find("empty") != std::string::npos);
    QCOMPARE(covered_fraction(result.image), 0.0);
  }

  void damaged_points_and_undrawable_volumes() {
    QTemporaryDir dir;
    // A PLY whose first points are NaN and Inf still shows the rest.
    const std::string ply = dir.filePath("holes.ply").toStdString();
    test::write_text(ply, "ply\nformat ascii 1.0\nelement vertex 5\nproperty float x\n"
                          "property float y\nproperty float z\nend_header\n"
                          "nan nan nan\ninf 0 0\n0 0 0\n10 0 0\n0 10 0\n");
    const RenderResult points = render_file(ply, small());
    QVERIFY2(points.summary.find(" 3 points") != std::string::npos, points.summary.c_str());
    QVERIFY(covered_fraction(points.image) > 0.0);
    // A single section has no 3D shape; all-NaN voxels have no level.
    const std::string flat = dir.filePath("flat.mrc").toStdString();
    write_mrc(flat, Volume(16, 16, 1, DType::f32));
    ATELIER_VERIFY_THROWS(render_file(flat, small("iso")), Error, "render it with --mode slices");
    QVERIFY(covered_fraction(render_file(flat, small("slices")).image) > 0.0);
    Volume nan = ball(8, 3);
    for (float& v : nan.values<float>())
      v = std::numeric_limits<float>::quiet_NaN();
    const std::string nan_path = dir.filePath("nan.mrc").toStdString();
    write_mrc(nan_path, nan);
    ATELIER_VERIFY_THROWS(render_file(nan_path, small("iso")), Error, "is a finite number");
    int w = 0, h = 0;
    ATELIER_VERIFY_THROWS(parse_size("16384x16384", w, h), Error, "between 16 and 8192");
  }

  void point_picking_finds_the_point_under_the_cursor() {
    PointCloud cloud;
    cloud.xyz = {{0, 0, 0}, {10, 0, 0}, {0, 10, 0}, {10, 10, 5}};
    PointScene scene;
    scene.set_cloud(cloud);
    OffscreenWindow window(200, 200);
    window.add(scene.renderer());
    scene.reset_camera(ViewDirection::z);
    window.render();
    // Down z with y downwards: (10, 10) is at the bottom right, (0, 0) top left;
    // display coordinates count from the bottom.
    const auto bottom_right = scene.pick(200 - 1 - 0, 0 + 1);
    QVERIFY(bottom_right.has_value());
    const auto p = scene.position(*bottom_right);
    QCOMPARE(p[0], 10.0);
    QCOMPARE(p[1], 10.0);
    QCOMPARE(p[2], 5.0);
  }

  void picking_finds_the_front_point_not_the_one_behind() {
    // Seen down z (camera on the -z side): a point in front at x = 5, and
    // one behind it (listed first) half a pixel to the right, nearer the
    // click's ray but hidden under the front point's square.
    PointCloud cloud;
    cloud.xyz = {{0, 0, 0}, {10, 10, 0}, {5.025, 5, 4}, {5, 5, -4}};
    PointScene scene;
    scene.set_cloud(cloud);
    scene.set_point_size(6);
    OffscreenWindow window(200, 200);
    window.add(scene.renderer());
    scene.reset_camera(ViewDirection::z);
    window.render();
    // (5, 5) is the middle of the frame and 10 units span 200 pixels: the
    // hidden point is half a pixel right of the front one, and a click one
    // pixel right of the middle is nearer to it.
    const auto front = scene.pick(101, 100);
    QVERIFY(front.has_value());
    QCOMPARE(*front, std::size_t(3));
    // Anywhere on the front point's 6-pixel square, it is the one.
    QCOMPARE(scene.pick(97, 102).value_or(99), std::size_t(3));
    // Away from every point: nothing.
    QVERIFY(!scene.pick(50, 150).has_value());
  }

  void moving_detail_follows_frame_times() {
    // 2.5 million points on a grid: moving starts at a million, slow
    // frames step down by quarters, fast ones up to the whole cloud.
    PointCloud cloud;
    cloud.xyz.resize(2'500'000);
    for (std::size_t i = 0; i < cloud.xyz.size(); ++i)
      cloud.xyz[i] = {double(i % 1600), double(i / 1600 % 1600), double(i % 7)};
    PointScene scene;
    scene.set_cloud(cloud);
    QVERIFY(scene.interactive_points() <= PointScene::decimated_points);
    QVERIFY(scene.interactive_points() > PointScene::decimated_points / 2);
    const double slow = 3 * DetailGovernor::kBudgetMs, fast = 1.0;
    QVERIFY(!scene.interactive_frame(slow) && !scene.interactive_frame(slow)); // at rest
    scene.set_interacting(true);
    QVERIFY(scene.interactive_eye_dome());
    scene.interactive_frame(slow);
    QVERIFY(scene.interactive_frame(slow));
    QVERIFY(scene.interactive_points() <= PointScene::decimated_points / 4);
    OffscreenWindow window(200, 200);
    window.add(scene.renderer());
    scene.reset_camera(ViewDirection::z);
    window.render();
    // A pick while moving names a point of the whole cloud that is drawn there.
    const auto picked = scene.pick(100, 100);
    QVERIFY(picked && *picked < cloud.xyz.size());
    for (int i = 0; i < 8; ++i)
      scene.interactive_frame(fast);
    QCOMPARE(scene.interactive_points(), cloud.xyz.size());
    for (int i = 0; i < 20; ++i)
      scene.interactive_frame(slow);
    QVERIFY(scene.interactive_points() >= 15'000 && scene.interactive_points() < 65'000);
    // Last of all, eye-dome lighting is suspended while moving, not at rest.
    QVERIFY(scene.eye_dome() && !scene.interactive_eye_dome());
    // The choice outlives the move; a new cloud starts afresh.
    scene.set_interacting(false);
    scene.set_interacting(true);
    QVERIFY(scene.interactive_points() < 65'000);
    cloud.xyz.resize(500'000);
    scene.set_cloud(cloud);
    QCOMPARE(scene.interactive_points(), cloud.xyz.size()); // small enough to move whole

    // Volumes: the ray step and the isosurface's binning.
    Volume volume(32, 32, 32, DType::f32);
    auto v = volume.values<float>();
    for (std::size_t i = 0; i < v.size(); ++i)
      v[i] = float(i % 97);
    VolumeScene vs;
    vs.set_volume(volume);
    QCOMPARE(vs.interactive_ray_step(), 3.0);
    QCOMPARE(vs.interactive_iso_binning(), 2);
    vs.set_interacting(true);
    vs.set_mode(VolumeMode::volume);
    vs.interactive_frame(slow);
    QVERIFY(vs.interactive_frame(slow));
    QCOMPARE(vs.interactive_ray_step(), 4.0);
    for (int i = 0; i < 20; ++i)
      vs.interactive_frame(fast);
    QCOMPARE(vs.interactive_ray_step(), 1.0);
    QCOMPARE(vs.interactive_iso_binning(), 2); // the other mode's choice is its own
    vs.set_mode(VolumeMode::iso);
    vs.interactive_frame(fast);
    QVERIFY(vs.interactive_frame(fast));
    QCOMPARE(vs.interactive_iso_binning(), 1);
    for (int i = 0; i < 6; ++i)
      vs.interactive_frame(slow);
    QCOMPARE(vs.interactive_iso_binning(), 4);
    vs.set_mode(VolumeMode::slices);
    QVERIFY(!vs.interactive_frame(slow) && !vs.interactive_frame(slow));
  }

  void large_isosurfaces_come_from_a_worker() {
    // 176^3 voxels (over kBackgroundIsoVoxels): with background iso on, the
    // volume binned by 2 stands in until the worker's surface is polled in;
    // the final frame is the one the synchronous scene draws.
    const Volume volume = ball(176, 60);
    QVERIFY(std::size_t(176 * 176 * 176) > VolumeScene::kBackgroundIsoVoxels);
    auto frame = [](VolumeScene& scene) {
      OffscreenWindow window(160, 160);
      window.add(scene.renderer());
      scene.reset_camera(ViewDirection::z);
      return window.capture();
    };
    VolumeScene direct;
    direct.set_volume(volume);
    direct.set_iso_level(0.5);
    QVERIFY(!direct.iso_pending());
    QCOMPARE(direct.iso_binning_at_rest(), 1);
    const RgbImage expected = frame(direct);

    VolumeScene scene;
    scene.set_background_iso(true);
    scene.set_volume(volume);
    auto settle = [&scene] {
      QElapsedTimer clock;
      clock.start();
      while (scene.iso_pending() && clock.elapsed() < 60'000) {
        scene.poll_iso();
        QThread::msleep(5);
      }
      return !scene.iso_pending();
    };
    // Several levels in a row: only the last one's surface is installed.
    for (double level : {0.2, 0.8, 0.5}) {
      scene.set_iso_level(level);
      QVERIFY(scene.iso_pending());
      QCOMPARE(scene.iso_binning_at_rest(), 2);
    }
    const RgbImage stand_in = frame(scene);
    QVERIFY(covered_fraction(stand_in) > 0.1);
    QVERIFY(settle());
    QCOMPARE(scene.iso_binning_at_rest(), 1);
    const RgbImage full = frame(scene);
    QVERIFY(full.rgb == expected.rgb);
    // Other modes start no work; a scene destroyed while its worker runs
    // waits for it.
    scene.set_mode(VolumeMode::volume);
    scene.set_iso_level(0.3);
    QVERIFY(!scene.iso_pending());
    scene.set_mode(VolumeMode::iso);
    QVERIFY(scene.iso_pending());
    {
      VolumeScene brief;
      brief.set_background_iso(true);
      brief.set_volume(volume);
    }
    // Small volumes are contoured as they are drawn, whatever the setting.
    VolumeScene small_scene;
    small_scene.set_background_iso(true);
    small_scene.set_volume(ball(24, 8));
    QVERIFY(!small_scene.iso_pending());
  }

  void four_d_volumes_pick_a_time_point() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const std::string path = test::sample_path("volumes/nibabel_example4d.nii.gz");
    RenderRequest r = small("slices");
    r.volume_index = 1;
    QVERIFY(render_file(path, r).summary.find("volume 1") != std::string::npos);
    r.volume_index = 2;
    ATELIER_VERIFY_THROWS(render_file(path, r), Error, "out of range");
  }

  void cli_writes_the_png() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QTemporaryDir dir;
    const QString out = dir.filePath("emd.png");
    const auto result =
        test::run_cli({"render", QString::fromStdString(test::sample_path("cryoem/EMD-3197.map")),
                       "--out", out, "--size", "400x300"});
    QCOMPARE(result.exit_code, 0);
    const QImage image(out);
    QCOMPARE(image.width(), 400);
    QCOMPARE(image.height(), 300);
    QVERIFY(result.out.contains("sigma above the mean"));
  }

  void cli_explains_bad_requests() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QTemporaryDir dir;
    const QString map = QString::fromStdString(test::sample_path("cryoem/EMD-3197.map"));
    const QString out = dir.filePath("x.png");
    auto r = test::run_cli({"render", map, "--out", out, "--mode", "fancy"});
    QCOMPARE(r.exit_code, 2);
    QVERIFY(r.err.contains("--mode"));
    r = test::run_cli({"render", map, "--out", out, "--size", "10x10000000"});
    QCOMPARE(r.exit_code, 2);
    r = test::run_cli({"render", map, "--out", dir.filePath("x.jpg")});
    QCOMPARE(r.exit_code, 2);
    QVERIFY2(r.err.contains("give a name ending in .png"), r.err.constData());
    QVERIFY(!QFileInfo::exists(dir.filePath("x.jpg")));
    r = test::run_cli({"render", map, "--out", out, "--mode", "points"});
    QCOMPARE(r.exit_code, 1);
    QVERIFY(r.err.contains("cannot render as points"));
    const QString star = QString::fromStdString(test::sample_path("cryoem/relion31.star"));
    r = test::run_cli({"render", star, "--out", out});
    QCOMPARE(r.exit_code, 1);
    QVERIFY(r.err.contains("relion31.star"));
    QVERIFY(!QFileInfo::exists(out));
  }

  void cli_refuses_oversized_volumes_and_bins_on_request() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QTemporaryDir dir;
    const QString map =
        QString::fromStdString(test::sample_path("cryoem/aspire_EMD-2660_ribosome_65px.mrc"));
    const QString out = dir.filePath("x.png");
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("ATELIER_MAX_VOLUME_BYTES", "200000"); // the float32 map needs 1.0 MiB
    cli.setProcessEnvironment(env);
    cli.start(qEnvironmentVariable("ATELIER_CLI"), {"render", map, "--out", out});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 1);
    const QString err = QString::fromUtf8(cli.readAllStandardError());
    QVERIFY2(err.contains("needs 1.0 MiB, over the 195.3 KiB limit") && err.contains("65px"),
             qPrintable(err));
    cli.start(qEnvironmentVariable("ATELIER_CLI"), {"render", map, "--out", out, "--downsample"});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY(QImage(out).width() == 800);
  }

  // `atelier-cli thumbnails`: a project's volumes and point clouds get a 3D
  // rendering in the thumbnail cache (<fingerprint>-3d.jpg, which the grid
  // prefers), once; without a display it says to use Xvfb.
  void cli_renders_3d_thumbnails_for_the_grid() {
    QTemporaryDir dir;
    QDir(dir.path()).mkpath("data");
    write_mrc(dir.filePath("data/ball.mrc").toStdString(), ball(32, 10));
    {
      QFile xyz(dir.filePath("data/sphere.xyz")); // 2000 points on a unit sphere
      QVERIFY(xyz.open(QIODevice::WriteOnly | QIODevice::Text));
      for (int i = 0; i < 2000; ++i) {
        const double z = 1.0 - 2.0 * (i + 0.5) / 2000, r = std::sqrt(1.0 - z * z);
        const double a = 2.399963 * i; // golden angle
        xyz.write(QString("%1 %2 %3\n").arg(r * std::cos(a)).arg(r * std::sin(a)).arg(z).toUtf8());
      }
    }
    const QString project = dir.filePath("p.atelier");
    QCOMPARE(test::run_cli({"project", "create", project}).exit_code, 0);
    QCOMPARE(test::run_cli({"import", project, dir.filePath("data"), "--quiet"}).exit_code, 0);
    QVERIFY(test::run_cli({"ls", project, "--where", "kind = volume"}).out.contains("ball.mrc"));
    QVERIFY(test::run_cli({"ls", project, "--where", "kind = points"}).out.contains("sphere.xyz"));

    auto r = test::run_cli({"thumbnails", project, "--size", "128"});
    QVERIFY2(r.exit_code == 0, r.err.constData());
    QVERIFY2(r.out.contains("2 rendered, 0 failed, 0 already had one"), r.out.constData());
    const QStringList rendered = QDir(project + "/cache").entryList({"*-3d.jpg"});
    QCOMPARE(rendered.size(), 2);
    for (const QString& name : rendered) {
      const QImage image(project + "/cache/" + name);
      QCOMPARE(image.size(), QSize(128, 128));
      int drawn = 0; // surface or point pixels over the dark background
      for (int y = 0; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x)
          drawn += qGray(image.pixel(x, y)) > 100;
      QVERIFY2(drawn > 128 * 128 / 100, qPrintable(name + ": " + QString::number(drawn)));
      // The thumbnail import made stays beside it.
      QVERIFY(QFileInfo::exists(project + "/cache/" + name.chopped(7) + ".jpg"));
    }

    r = test::run_cli({"thumbnails", project});
    QCOMPARE(r.exit_code, 0);
    QVERIFY2(r.out.contains("0 rendered, 0 failed, 2 already had one"), r.out.constData());
    QCOMPARE(test::run_cli({"thumbnails", project, "--where", "mean >"}).exit_code, 2);

    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("DISPLAY");
    cli.setProcessEnvironment(env);
    cli.start(qEnvironmentVariable("ATELIER_CLI"), {"thumbnails", project, "--force"});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitCode(), 2);
    QVERIFY(QString::fromUtf8(cli.readAllStandardError()).contains("xvfb-run"));
  }

  void cli_without_a_display_says_to_use_xvfb() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    QTemporaryDir dir;
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove("DISPLAY");
    cli.setProcessEnvironment(env);
    cli.start(qEnvironmentVariable("ATELIER_CLI"),
              {"render", QString::fromStdString(test::sample_path("cryoem/EMD-3197.map")), "--out",
               dir.filePath("x.png")});
    QVERIFY(cli.waitForFinished(60000));
    QCOMPARE(cli.exitStatus(), QProcess::NormalExit);
    QCOMPARE(cli.exitCode(), 2);
    QVERIFY(QString::fromUtf8(cli.readAllStandardError()).contains("xvfb-run"));
  }
};

QTEST_GUILESS_MAIN(TestRenderScenes)
#include "test_render_scenes.moc"

// Loading volumes and point clouds for the 3D views: shapes from headers,
// the memory limit (refusal naming size and limit, or binning to fit),
// float widening with non-finite voxels replaced, and the format dispatch.
#include "core/base/error.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/import/item_thumbnail.h"
#include "core/spatial/point_cloud_load.h"
#include "core/spatial/point_cloud_thumbnail.h"
#include "core/spatial/point_lod.h"
#include "core/spatial/volume_float.h"
#include "core/spatial/volume_load.h"
#include "core/spatial/volume_slice.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>
#include <set>

using namespace atelier;

namespace {

// A float32 volume whose voxel (x, y, z) holds x + 100 y + 10000 z.
Volume ramp_volume(std::int64_t nx, std::int64_t ny, std::int64_t nz) {
  Volume v(nx, ny, nz, DType::f32);
  auto values = v.values<float>();
  for (std::int64_t z = 0; z < nz; ++z)
    for (std::int64_t y = 0; y < ny; ++y)
      for (std::int64_t x = 0; x < nx; ++x)
        values[std::size_t((z * ny + y) * nx + x)] = float(x + 100 * y + 10000 * z);
  v.spacing.xyz = {2.0, 2.0, 3.0};
  v.spacing.unit = "A";
  return v;
}

// Writes mapc, mapr, maps (little-endian words 17-19) into an MRC file.
void set_axis_order(const std::string& path, std::array<std::int32_t, 3> map_crs) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(64);
  f.write(reinterpret_cast<const char*>(map_crs.data()), sizeof map_crs);
}

} // namespace

class TestSpatial : public QObject {
  Q_OBJECT

private slots:
  void probe_reads_the_header_shape() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("ramp.mrc").toStdString();
    write_mrc(path, ramp_volume(8, 6, 4));
    const VolumeShape shape = probe_volume(path);
    QCOMPARE(shape.format, std::string("mrc"));
    QCOMPARE(shape.nx, 8);
    QCOMPARE(shape.ny, 6);
    QCOMPARE(shape.nz, 4);
    QCOMPARE(shape.nt, 1);
    QCOMPARE(shape.bytes(), std::uint64_t(8 * 6 * 4 * 4));
  }

  void maps_in_another_axis_order_load_in_xyz_order() {
    // Columns along z, rows along x, sections along y (mapc 3, mapr 1,
    // maps 2): file voxel (c, r, s) is the map's (x = r, y = s, z = c).
    QTemporaryDir dir;
    const std::string path = dir.filePath("crs.map").toStdString();
    const Volume file_order = ramp_volume(4, 6, 8); // c + 100 r + 10000 s
    write_mrc(path, file_order);
    set_axis_order(path, {3, 1, 2});
    const VolumeShape shape = probe_volume(path);
    QCOMPARE(shape.nx, 6);
    QCOMPARE(shape.ny, 8);
    QCOMPARE(shape.nz, 4);
    const Volume v = load_volume(path);
    QCOMPARE(v.nx(), 6);
    QCOMPARE(v.ny(), 8);
    QCOMPARE(v.nz(), 4);
    const auto values = v.values<float>();
    for (std::int64_t z = 0; z < 4; ++z)
      for (std::int64_t y = 0; y < 8; ++y)
        for (std::int64_t x = 0; x < 6; ++x)
          QCOMPARE(values[std::size_t((z * 8 + y) * 6 + x)], float(z + 100 * x + 10000 * y));
    QCOMPARE(*v.metadata.find("axis_order"), std::string("3 1 2"));

    // Binned to fit, the same order: 3 x 4 x 2 means of 2x2x2 blocks.
    VolumeLoadOptions options;
    options.max_bytes = 3 * 4 * 2 * 4;
    options.downsample_to_fit = true;
    const Volume binned = load_volume(path, options);
    QCOMPARE(binned.nx(), 3);
    QCOMPARE(binned.ny(), 4);
    QCOMPARE(binned.nz(), 2);
    // Block (x 0-1, y 2-3, z 2-3): mean of z + 100 x + 10000 y.
    QCOMPARE(binned.values<float>()[std::size_t((1 * 4 + 1) * 3 + 0)],
             float(2.5 + 100 * 0.5 + 10000 * 2.5));

    // Anything but a permutation of 1, 2, 3 reads as 1, 2, 3.
    set_axis_order(path, {0, 0, 0});
    QCOMPARE(probe_volume(path).nx, 4);
    QCOMPARE(load_volume(path).values<float>()[1], 1.0f);
  }

  void slices_show_z_upward_and_map_back_to_their_voxels() {
    // XY rows run y downward (row 0 is y 0); XZ and YZ rows z upward (row 0
    // is the top slice), so superior is up in coronal and sagittal views.
    const Volume v = ramp_volume(5, 4, 3);
    const Image xy = volume_slice(v, 2, 1);
    QCOMPARE(xy.width(), 5);
    QCOMPARE(xy.height(), 4);
    QCOMPARE(xy.values<float>()[std::size_t(3 * 5 + 2)], float(2 + 100 * 3 + 10000 * 1));
    const Image xz = volume_slice(v, 1, 2);
    QCOMPARE(xz.width(), 5);
    QCOMPARE(xz.height(), 3);
    QCOMPARE(xz.values<float>()[0], float(0 + 100 * 2 + 10000 * 2));          // top left: z 2
    QCOMPARE(xz.values<float>()[std::size_t(2 * 5 + 4)], float(4 + 100 * 2)); // bottom right: z 0
    QCOMPARE(xz.spacing.xyz[1], 3.0);
    const Image yz = volume_slice(v, 0, 4);
    QCOMPARE(yz.width(), 4);
    QCOMPARE(yz.height(), 3);
    QCOMPARE(yz.values<float>()[std::size_t(0 * 4 + 3)], float(4 + 100 * 3 + 10000 * 2));
    QCOMPARE(yz.values<float>()[std::size_t(2 * 4 + 1)], float(4 + 100 * 1));
    // Every pixel of every plane names the voxel it shows, and the voxel
    // names the pixel back (the shared cursor).
    for (int axis = 0; axis < 3; ++axis) {
      const std::int64_t index = axis == 2 ? 2 : 1;
      const Image plane = volume_slice(v, axis, index);
      for (std::int64_t row = 0; row < plane.height(); ++row)
        for (std::int64_t col = 0; col < plane.width(); ++col) {
          const auto p = slice_voxel(v, axis, index, col, row);
          QCOMPARE(p[std::size_t(axis)], index);
          QCOMPARE(double(plane.values<float>()[std::size_t(row * plane.width() + col)]),
                   voxel_value(v, p));
          const auto uv = slice_pixel(v, axis, p);
          QCOMPARE(uv[0], col);
          QCOMPARE(uv[1], row);
        }
    }
  }

  void over_the_limit_is_refused_with_size_and_limit() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("big.mrc").toStdString();
    write_mrc(path, ramp_volume(16, 16, 16));
    VolumeLoadOptions options;
    options.max_bytes = 4096; // the float32 volume, shown in place, needs 16 KiB
    ATELIER_VERIFY_THROWS(load_volume(path, options), VolumeTooLargeError, "big.mrc");
    try {
      load_volume(path, options);
    } catch (const VolumeTooLargeError& e) {
      QCOMPARE(e.bytes(), std::uint64_t(16 * 16 * 16 * 4));
      QCOMPARE(e.limit(), std::uint64_t(4096));
      QVERIFY(e.can_downsample());
      QVERIFY2(std::string(e.what()).find("needs 16.0 KiB, over the 4.0 KiB limit") !=
                   std::string::npos,
               e.what());
      QVERIFY(std::string(e.what()).find("open it downsampled") != std::string::npos);
    }
    // Another type's float32 display copy counts: 8 KiB of int16 and 16 KiB
    // of floats do not fit 20 KiB.
    Volume ints(16, 16, 16, DType::i16);
    const std::string int_path = dir.filePath("ints.mrc").toStdString();
    write_mrc(int_path, ints);
    options.max_bytes = 20 << 10;
    ATELIER_VERIFY_THROWS(load_volume(int_path, options), VolumeTooLargeError, "needs 24.0 KiB");
    // Nothing fits even binned (16x leaves one voxel, 4 bytes): no offer to
    // downsample, and no binning to nothing.
    options.max_bytes = 2;
    QCOMPARE(downsample_factor(probe_volume(path), options.max_bytes), std::int64_t(0));
    try {
      load_volume(path, options);
      QFAIL("loaded over the limit");
    } catch (const VolumeTooLargeError& e) {
      QVERIFY(!e.can_downsample());
      QVERIFY2(std::string(e.what()).find("cannot be opened downsampled") != std::string::npos,
               e.what());
    }
    // Within the limit it loads whole, in its stored type.
    options.max_bytes = 1 << 20;
    const Volume whole = load_volume(path, options);
    QCOMPARE(whole.nx(), 16);
    QCOMPARE(whole.dtype(), DType::f32);
  }

  void downsampling_bins_to_fit() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("bin.mrc").toStdString();
    write_mrc(path, ramp_volume(16, 16, 16));
    VolumeLoadOptions options;
    options.max_bytes = 4096;
    options.downsample_to_fit = true;
    const VolumeShape shape = probe_volume(path);
    QCOMPARE(downsample_factor(shape, options.max_bytes), std::int64_t(2)); // 8^3 * 4 = 2 KiB
    const Volume binned = load_volume(path, options);
    QCOMPARE(binned.nx(), 8);
    QCOMPARE(binned.nz(), 8);
    QCOMPARE(binned.dtype(), DType::f32);
    // The mean of voxels 2x..2x+1 etc. of the ramp is the ramp at x + 0.5.
    const auto v = binned.values<float>();
    for (std::int64_t z : {0, 3, 7})
      for (std::int64_t y : {0, 5})
        for (std::int64_t x : {0, 1, 7}) {
          const double expected = (2 * x + 0.5) + 100 * (2 * y + 0.5) + 10000 * (2 * z + 0.5);
          QCOMPARE(double(v[std::size_t((z * 8 + y) * 8 + x)]), expected);
        }
    QCOMPARE(binned.spacing.xyz[0], 4.0);
    QCOMPARE(binned.spacing.xyz[2], 6.0);
    QVERIFY(binned.metadata.find("downsampled_by"));
    // Sigma levels refer to the full map: binning averages variance away
    // (here the ramp's), so the copy's own deviation is smaller.
    const Volume whole = load_volume(path);
    const VolumeStats full = float_stats(whole.values<float>().data(), whole.voxel_count());
    const VolumeStats copy = float_stats(v.data(), binned.voxel_count());
    QVERIFY(binned.full_resolution.has_value());
    QVERIFY(!whole.full_resolution.has_value());
    QVERIFY(std::abs(binned.full_resolution->mean - full.mean) < 1e-6 * full.mean);
    QVERIFY(std::abs(binned.full_resolution->stddev - full.stddev) < 1e-6 * full.stddev);
    QVERIFY(copy.stddev < full.stddev - 1.0);
  }

  void non_finite_voxels_are_replaced_and_not_counted() {
    Volume v(4, 1, 1, DType::f32);
    auto values = v.values<float>();
    values[0] = 1.0f;
    values[1] = std::numeric_limits<float>::quiet_NaN();
    values[2] = std::numeric_limits<float>::infinity();
    values[3] = 3.0f;
    float out[4];
    const VolumeStats s = widen_volume_frame(v, 0, out);
    QCOMPARE(s.finite, std::uint64_t(2));
    QCOMPARE(s.nonfinite, std::uint64_t(2));
    QCOMPARE(s.min, 1.0);
    QCOMPARE(s.max, 3.0);
    QCOMPARE(s.mean, 2.0);
    QCOMPARE(s.stddev, 1.0);
    QCOMPARE(out[1], 1.0f);
    QCOMPARE(out[2], 1.0f);
    QCOMPARE(sigma_level(s, 1.0), 3.0);
  }

  void integer_and_4d_volumes_widen_per_time_point() {
    Volume v(2, 1, 1, DType::i16, 2);
    auto values = v.values<std::int16_t>();
    values[0] = -5, values[1] = 5, values[2] = 100, values[3] = 300;
    float out[2];
    QCOMPARE(widen_volume_frame(v, 1, out).mean, 200.0);
    QCOMPARE(out[0], 100.0f);
    ATELIER_VERIFY_THROWS(widen_volume_frame(v, 2, out), Error, "out of range");
  }

  void other_files_are_not_volumes_or_clouds() {
    QTemporaryDir dir;
    const std::string text = dir.filePath("notes.xyz").toStdString();
    test::write_text(text, "1 2 3\n4 5 6\n");
    QCOMPARE(load_point_cloud(text).size(), std::size_t(2));
    ATELIER_VERIFY_THROWS(probe_volume(text), FormatError, "not a volume");
    const std::string mrc = dir.filePath("v.mrc").toStdString();
    write_mrc(mrc, ramp_volume(4, 4, 4));
    ATELIER_VERIFY_THROWS(load_point_cloud(mrc), FormatError, "not a point cloud");
    QVERIFY(is_volume_format("nifti"));
    QVERIFY(is_point_cloud_format("las"));
    QVERIFY(!is_volume_format("png"));
  }

  void default_limit_is_half_the_memory_or_the_override() {
    QVERIFY(default_volume_byte_limit() > (64ull << 20));
    qputenv("ATELIER_MAX_VOLUME_BYTES", "12345");
    QCOMPARE(default_volume_byte_limit(), std::uint64_t(12345));
    for (const char* bad : {"abc", "12k", "-5", "0", "99999999999999999999999"}) {
      qputenv("ATELIER_MAX_VOLUME_BYTES", bad);
      ATELIER_VERIFY_THROWS(default_volume_byte_limit(), Error, "ATELIER_MAX_VOLUME_BYTES");
    }
    qunsetenv("ATELIER_MAX_VOLUME_BYTES");
  }

  void real_volumes_probe_like_the_manifest() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const VolumeShape emd = probe_volume(test::sample_path("cryoem/EMD-3197.map"));
    QCOMPARE(emd.nx, 20);
    QCOMPARE(emd.nz, 20);
    const VolumeShape fmri = probe_volume(test::sample_path("volumes/nibabel_example4d.nii.gz"));
    QCOMPARE(fmri.nx, 128);
    QCOMPARE(fmri.nz, 24);
    QCOMPARE(fmri.nt, 2);
    QCOMPARE(fmri.dtype, DType::i16);
    const std::string isbi = test::sample_path("volumes/isbi2012_train_volume_slices0-11.tif");
    const VolumeShape stack = probe_volume(isbi);
    QCOMPARE(stack.nx, 512);
    QCOMPARE(stack.nz, 12);
    QCOMPARE(stack.dtype, DType::u8);
    // A TIFF stack bins a page at a time; the bins are the means of the whole load.
    VolumeLoadOptions options;
    options.max_bytes = 1 << 20;
    options.downsample_to_fit = true;
    const std::int64_t b = downsample_factor(stack, options.max_bytes);
    QCOMPARE(b, std::int64_t(3));
    const Volume binned = load_volume(isbi, options);
    const Volume whole = load_volume(isbi);
    QCOMPARE(binned.nx(), 512 / 3);
    QCOMPARE(binned.nz(), 4);
    const auto src = whole.values<std::uint8_t>();
    for (std::int64_t bx : {0, 40, 169}) {
      double sum = 0;
      for (std::int64_t z = 3; z < 6; ++z)
        for (std::int64_t y = 30; y < 33; ++y)
          for (std::int64_t x = 3 * bx; x < 3 * bx + 3; ++x)
            sum += src[std::size_t((z * 512 + y) * 512 + x)];
      QVERIFY(std::abs(binned.values<float>()[std::size_t((1 * 170 + 10) * 170 + bx)] - sum / 27) <
              1e-3);
    }
  }

  // A terrain-like cloud seen from above: 10 x 5 m with a 1 m tower in one
  // corner; the tower is nearest (brightest, top of viridis), the image is
  // 2:1, NaN points are skipped, RGB is kept, an empty cloud has none.
  void even_subsample_keeps_every_point_up_to_the_target() {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<std::array<double, 3>> xyz = {{0, 0, 0}, {nan, 1, 1}, {2, 2, 2}, {3, 3, 3}};
    QCOMPARE(spatial::even_subsample(xyz, 10), (std::vector<std::uint32_t>{0, 2, 3}));
    QCOMPARE(spatial::even_subsample(xyz, 3), (std::vector<std::uint32_t>{0, 2, 3}));
    QVERIFY(spatial::even_subsample(xyz, 0).empty());
    const std::vector<std::array<double, 3>> same(100, {1, 2, 3});
    QCOMPARE(spatial::even_subsample(same, 7).size(), std::size_t{7});
  }

  // A lidar-like scene: a dense blob of 400k points in a 1 x 1 x 0.2 box and
  // 100k points spread over a 100 x 100 ground plane. Thinned to 50k, every
  // k-th point would keep a tenth of the ground; the even subset keeps the
  // ground nearly whole, thins the blob, and leaves no 5 x 5 patch of the
  // ground empty that had points.
  void even_subsample_thins_dense_areas_and_keeps_sparse_ones() {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<std::array<double, 3>> xyz;
    for (int i = 0; i < 500'000; ++i) {
      if (i % 5 == 0)
        xyz.push_back({100 * u(rng), 100 * u(rng), 0.0});
      else
        xyz.push_back({50 + u(rng), 50 + u(rng), 0.2 * u(rng)});
    }
    const std::size_t target = 50'000;
    const auto ids = spatial::even_subsample(xyz, target);
    QVERIFY(ids.size() <= target);
    QCOMPARE(ids.size(), target); // the budget is used, not wasted
    QVERIFY(std::is_sorted(ids.begin(), ids.end()));
    QVERIFY(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
    std::size_t ground = 0;
    std::set<int> patches_kept, patches_all;
    auto patch = [](const std::array<double, 3>& p) { return int(p[0] / 5) * 100 + int(p[1] / 5); };
    for (std::size_t i = 0; i < xyz.size(); i += 5)
      patches_all.insert(patch(xyz[i]));
    for (const std::uint32_t i : ids) {
      QVERIFY(i < xyz.size());
      if (i % 5 == 0) ++ground, patches_kept.insert(patch(xyz[i]));
    }
    qInfo("ground points kept: %zu of 100000 (every 10th point: 10000); subset %zu", ground,
          ids.size());
    QVERIFY(ground > 30'000);
    QVERIFY(ids.size() - ground < 20'000); // the blob, 400k points, is thinned most
    QCOMPARE(patches_kept, patches_all);
  }

  void point_cloud_thumbnails_look_down_the_thinnest_axis() {
    PointCloud cloud;
    for (int i = 0; i <= 200; ++i)
      for (int j = 0; j <= 100; ++j) {
        const double x = i * 0.05, y = j * 0.05;
        const double z = (x > 8.5 && y > 3.5) ? 1.0 : 0.1 * std::sin(x);
        cloud.xyz.push_back({x, y, z});
      }
    cloud.xyz.push_back({std::nan(""), 1.0, 1.0});
    const Image t = point_cloud_thumbnail(cloud, 256);
    QCOMPARE(t.width(), std::int64_t{256});
    QCOMPARE(t.height(), std::int64_t{128});
    QCOMPARE(t.channels(), std::int64_t{3});
    const auto at = [&](int x, int y, int c) {
      return int(t.bytes()[std::size_t((y * 256 + x) * 3 + c)]);
    };
    // The tower (x > 8.5, y > 3.5: right, top) is yellow-ish (viridis top:
    // red and green high), the ground below it blue-green and darker.
    QVERIFY2(at(245, 10, 0) > 180 && at(245, 10, 1) > 180,
             qPrintable(
                 QString("%1 %2 %3").arg(at(245, 10, 0)).arg(at(245, 10, 1)).arg(at(245, 10, 2))));
    QVERIFY(at(30, 100, 0) < 120);
    int empty = 0;
    for (std::size_t k = 0; k < std::size_t(256 * 128); ++k)
      empty += t.bytes()[3 * k] == 0 && t.bytes()[3 * k + 1] == 0 && t.bytes()[3 * k + 2] == 0;
    QVERIFY2(empty < 256 * 128 / 20, qPrintable(QString::number(empty))); // covered

    PointCloud red;
    red.xyz = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {1, 1, 0.1}};
    red.rgb.assign(4, {200, 10, 10});
    const Image r = point_cloud_thumbnail(red, 64);
    bool reddish = false;
    for (std::size_t k = 0; k < std::size_t(r.width() * r.height()); ++k)
      reddish = reddish || (r.bytes()[3 * k] > 100 && r.bytes()[3 * k + 1] < 20);
    QVERIFY(reddish);
    QCOMPARE(point_cloud_thumbnail(PointCloud{}).width(), std::int64_t{0});
  }

  // Sample clouds get a grid thumbnail at import (no renderer needed).
  void sample_point_clouds_have_thumbnails() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    for (const char* name : {"pointclouds/pcl_bunny.pcd", "pointclouds/pdal_autzen-thin.las"}) {
      const Image t = import::point_cloud_item_thumbnail(test::sample_path(name));
      QVERIFY2(t.width() == 256 && t.height() >= 16, name);
      std::size_t lit = 0;
      for (std::size_t k = 0; k < t.byte_size(); ++k)
        lit += t.bytes()[k] > 0;
      QVERIFY2(lit > t.byte_size() / 20, name);
    }
  }
};

QTEST_GUILESS_MAIN(TestSpatial)
#include "test_spatial.moc"

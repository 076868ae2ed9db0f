// Import pipeline tests: a folder of small MRC micrographs, a PNG, notes that
// are not images, a truncated MRC and a subfolder (with a symlink loop) is
// imported into a fresh project; then re-import, change detection, globs,
// preview choice and cancellation with resume.
#include "core/base/error.h"
#include "core/data/image.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/formats/tiff/tiff_reader.h"
#include "core/import/fingerprint.h"
#include "core/import/importer.h"
#include "core/import/item_class.h"
#include "core/import/preview_image.h"
#include "core/import/scan.h"
#include "core/io/file_inspect.h"
#include "core/io/safetensors.h"
#include "core/metrics/thumbnail.h"
#include "core/project/project.h"
#include "tests/support/test_support.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <optional>
#include <random>

namespace fs = std::filesystem;
using namespace atelier;
using atelier::import::import_paths;
using atelier::import::ImportOptions;
using atelier::project::Project;

namespace {

Image micrograph(std::uint32_t seed, float offset) {
  Image img(64, 64, 1, DType::f32);
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 1.0f);
  auto v = img.values<float>();
  for (std::int64_t y = 0; y < 64; ++y)
    for (std::int64_t x = 0; x < 64; ++x)
      v[static_cast<std::size_t>(y * 64 + x)] =
          offset + 3.0f * std::sin(0.2f * static_cast<float>(x + seed)) + noise(rng);
  img.spacing.xyz = {1.5, 1.5, 1.5};
  img.spacing.unit = "A";
  return img;
}

double mean_of(const Image& img) {
  double s = 0;
  for (float f : img.values<float>())
    s += f;
  return s / static_cast<double>(img.value_count());
}

void bump_mtime(const std::string& path) {
  fs::last_write_time(path, fs::last_write_time(path) + std::chrono::seconds(5));
}

} // namespace

class TestImport : public QObject {
  Q_OBJECT

private:
  QTemporaryDir tmp_;
  std::string data_;
  double mean_a_ = 0;

  std::string fresh_project(const char* name) {
    const std::string dir = tmp_.filePath(name).toStdString();
    Project::create(dir);
    return dir;
  }

  std::int64_t id_of(const Project& p, std::int64_t ds, const std::string& rel) {
    const auto st = p.find_item_by_path(ds, rel);
    if (!st) return -1;
    return st->id;
  }

private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    data_ = tmp_.filePath("data").toStdString();
    fs::create_directories(data_ + "/sub");
    const Image a = micrograph(1, 10.0f);
    mean_a_ = mean_of(a);
    write_mrc(data_ + "/a.mrc", a);
    write_mrc(data_ + "/b.mrc", micrograph(2, 20.0f));
    write_mrc(data_ + "/c.mrc", micrograph(3, 30.0f));
    write_mrc(data_ + "/sub/d.mrc", micrograph(4, 40.0f));
    Image png(32, 24, 1, DType::u8);
    for (std::size_t i = 0; i < png.byte_size(); ++i)
      png.bytes()[i] = static_cast<std::uint8_t>(i * 7);
    metrics::write_thumbnail(png, data_ + "/pic.png");
    test::write_text(data_ + "/README.md", "# Notes\nnot an image\n");
    test::write_text(data_ + "/notes.json", "{\"a\": 1}\n");
    // Model weights beside the data are not items.
    const float weight = 0.5f;
    const TensorView w{"w", "F32", {1}, {reinterpret_cast<const std::uint8_t*>(&weight), 4}};
    write_safetensors(data_ + "/model.safetensors", std::span(&w, 1), {});
    write_mrc(data_ + "/broken.mrc", micrograph(5, 0.0f));
    fs::resize_file(data_ + "/broken.mrc", 2000); // header says 64x64 float32
    fs::create_directory_symlink("..", data_ + "/sub/loop");
  }

  void globs() {
    using import::glob_selected;
    QVERIFY(glob_selected("a/b/c.mrc", {"*.mrc"}, {}));
    QVERIFY(!glob_selected("a/b/c.tif", {"*.mrc"}, {}));
    QVERIFY(!glob_selected("sub/c.mrc", {"*.mrc"}, {"sub/*"}));
    QVERIFY(glob_selected("c.mrc", {}, {"sub/*"}));
  }

  void fingerprintTracksContent() {
    const std::string p = tmp_.filePath("fp.bin").toStdString();
    std::vector<std::uint8_t> bytes(200000, 1);
    test::write_file(p, bytes);
    const std::string f1 = import::file_fingerprint(p);
    QCOMPARE(f1.size(), std::size_t{16});
    QCOMPARE(import::file_fingerprint(p), f1);
    bytes.back() = 2; // inside the last 64 KiB
    test::write_file(p, bytes);
    QVERIFY(import::file_fingerprint(p) != f1);
    bytes.push_back(0);
    test::write_file(p, bytes);
    QVERIFY(import::file_fingerprint(p) != f1);
    QVERIFY_THROWS_EXCEPTION(atelier::FormatError, import::file_fingerprint(p + ".missing"));
  }

  void movieStackPreviewIsFrameSum() {
    const std::string p = tmp_.filePath("stack_movie.mrcs").toStdString();
    std::vector<Image> frames;
    for (int f = 0; f < 3; ++f) {
      Image img(8, 4, 1, DType::u16);
      for (auto& v : img.values<std::uint16_t>())
        v = static_cast<std::uint16_t>(f + 1);
      frames.push_back(std::move(img));
    }
    write_mrc_stack(p, frames);
    const FileInfo info = inspect_file(p);
    const import::ItemClass cls = import::classify_item(info);
    QCOMPARE(cls.kind, std::string("movie"));
    QVERIFY(cls.metric_kind == metrics::ItemKind::movie);
    const Image sum = import::read_preview_image(p, info);
    QCOMPARE(sum.width(), std::int64_t{8});
    QCOMPARE(sum.height(), std::int64_t{4});
    QVERIFY(sum.dtype() == DType::f32);
    for (float v : sum.values<float>())
      QCOMPARE(v, 6.0f);
    // The viewer steps through its frames: -1 is the sum, then each frame.
    const import::ItemFrames frames_info = import::item_frames(info);
    QCOMPARE(frames_info.count, std::int64_t{3});
    QCOMPARE(frames_info.preview, std::int64_t{-1});
    QCOMPARE(import::read_item_frame(p, info, -1).values<float>()[0], 6.0f);
    const Image third = import::read_item_frame(p, info, 2);
    QCOMPARE(third.values<std::uint16_t>()[5], std::uint16_t{3});
    try {
      (void)import::read_item_frame(p, info, 3);
      QFAIL("frame 3 of 3 was read");
    } catch (const FormatError& e) {
      QVERIFY(std::string(e.what()).find("stack_movie.mrcs") != std::string::npos);
      QVERIFY(std::string(e.what()).find("no frame 3") != std::string::npos);
    }
    // A single image has one frame, the preview.
    const std::string single = tmp_.filePath("single.mrc").toStdString();
    write_mrc(single, frames[0]);
    const FileInfo single_info = inspect_file(single);
    QCOMPARE(import::item_frames(single_info).count, std::int64_t{1});
    QCOMPARE(import::read_item_frame(single, single_info, 0).values<std::uint16_t>()[0],
             std::uint16_t{1});
    // A point cloud has no preview image.
    const std::string xyz = tmp_.filePath("cloud.xyz").toStdString();
    test::write_text(xyz, "0 0 0\n1 2 3\n4 5 6\n");
    const FileInfo cloud = inspect_file(xyz);
    QCOMPARE(import::classify_item(cloud).kind, std::string("points"));
    QCOMPARE(import::read_preview_image(xyz, cloud).width(), std::int64_t{0});
  }

  // TIFF stacks: detector-sized integer frames or a movie-ish name make a
  // movie; other single-band stacks (EM sections, labels, subtomograms) are
  // volumes; multi-band pages a plain stack.
  void classifiesTiffStacks() {
    const auto tiff = [](std::int64_t w, std::int64_t h, std::int64_t pages, DType dtype,
                         const std::string& name, std::optional<std::int64_t> bands = {}) {
      FileInfo info;
      info.path = "/data/" + name;
      info.format = "tiff";
      info.dims = {w, h, pages};
      info.dtype = dtype;
      info.bands = bands;
      return import::classify_item(info);
    };
    QCOMPARE(tiff(5760, 4092, 40, DType::u8, "FoilHole_1.tif").kind, std::string("movie"));
    QCOMPARE(tiff(1024, 1024, 20, DType::u16, "grid_fractions.tiff").kind, std::string("movie"));
    const auto em = tiff(512, 512, 12, DType::u8, "isbi_volume.tif");
    QCOMPARE(em.kind, std::string("volume"));
    QVERIFY(em.metric_kind == metrics::ItemKind::volume);
    QCOMPARE(tiff(94, 206, 36, DType::f32, "tube.tif").kind, std::string("volume"));
    QCOMPARE(tiff(4096, 4096, 10, DType::f32, "map.tif").kind, std::string("volume"));
    QCOMPARE(tiff(640, 480, 5, DType::u8, "rgb.tif", 3).kind, std::string("stack"));
  }

  // A TIFF volume's preview is its middle page.
  void previewsTiffVolumesByTheMiddlePage() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    const std::string em_path = test::sample_path("volumes/isbi2012_train_volume_slices0-11.tif");
    const FileInfo info = inspect_file(em_path);
    QCOMPARE(import::classify_item(info).kind, std::string("volume"));
    QCOMPARE(import::item_frames(info).preview, std::int64_t{6});
    const Image middle = import::read_preview_image(em_path, info);
    const Image page6 = read_tiff_page(em_path, 6);
    QVERIFY(std::equal(middle.bytes(), middle.bytes() + middle.byte_size(), page6.bytes()));
  }

  void importFolder() {
    const std::string dir = fresh_project("main.atelier");
    Project p = Project::open(dir);
    std::vector<import::ImportProgress> seen;
    const auto s = import_paths(p, {data_}, ImportOptions{},
                                [&](const import::ImportProgress& pr) { seen.push_back(pr); });
    QCOMPARE(s.dataset_ids.size(), std::size_t{1});
    QCOMPARE(s.candidates, std::size_t{6}); // a b c sub/d pic.png broken.mrc
    QCOMPARE(s.imported, std::size_t{5});
    QCOMPARE(s.errors, std::size_t{1});
    QCOMPARE(s.skipped_not_images, std::size_t{3}); // README.md notes.json model.safetensors
    QCOMPARE(s.skipped_unchanged, std::size_t{0});
    QVERIFY(!s.cancelled);
    QCOMPARE(s.error_messages.size(), std::size_t{1});
    QVERIFY2(s.error_messages[0].find("broken.mrc") != std::string::npos,
             s.error_messages[0].c_str());
    QCOMPARE(p.count_items(""), std::int64_t{6});
    QVERIFY(!seen.empty());
    QCOMPARE(seen.back().done, std::size_t{6});
    QCOMPARE(seen.back().total, std::size_t{6});
    QCOMPARE(seen.back().errors, std::size_t{1});

    const auto datasets = p.datasets();
    QCOMPARE(datasets.size(), std::size_t{1});
    QCOMPARE(datasets[0].name, std::string("data"));
    QCOMPARE(datasets[0].root, fs::canonical(data_).string());
    const std::int64_t ds = datasets[0].id;

    const auto a = p.item(id_of(p, ds, "a.mrc"));
    QVERIFY(a);
    QVERIFY(a->import_ok);
    QCOMPARE(a->format, std::string("mrc"));
    QCOMPARE(a->kind, std::string("image"));
    QCOMPARE(a->width, std::int64_t{64});
    QCOMPARE(a->height, std::int64_t{64});
    QCOMPARE(a->dtype, std::string("float32"));
    QCOMPARE(a->pixel_size_A, 1.5);
    QCOMPARE(a->size_bytes, static_cast<std::int64_t>(fs::file_size(data_ + "/a.mrc")));
    QCOMPARE(a->fingerprint, import::file_fingerprint(data_ + "/a.mrc"));
    const auto m = p.item_metrics(a->id);
    QVERIFY(m.count("mean") && m.count("std") && m.count("noise_sigma"));
    QVERIFY(m.count("phash_hi") && m.count("phash_lo"));
    QVERIFY(std::abs(m.at("mean") - mean_a_) < 1e-4);
    QVERIFY(m.at("noise_sigma") > 0.5 && m.at("noise_sigma") < 2.0);
    QVERIFY(m.count("thon_visibility")); // cryo-EM metrics too (kind micrograph)
    const auto meta = p.item_metadata(a->id);
    QCOMPARE(meta.at("mrc_mode"), std::string("2"));
    QCOMPARE(meta.at("metric_kind"), std::string("micrograph"));
    QVERIFY(meta.count("phash"));
    QVERIFY(fs::exists(p.cache_dir() / (a->fingerprint + ".jpg")));

    QVERIFY(id_of(p, ds, "sub/d.mrc") > 0);
    QVERIFY(id_of(p, ds, "sub/loop/a.mrc") < 0); // the loop was not followed
    const auto png = p.item(id_of(p, ds, "pic.png"));
    QVERIFY(png && png->import_ok);
    QCOMPARE(png->format, std::string("png"));
    QCOMPARE(png->width, std::int64_t{32});
    QCOMPARE(png->height, std::int64_t{24});
    QVERIFY(p.item_metrics(png->id).count("mean"));
    QVERIFY(!p.item_metrics(png->id).count("thon_visibility")); // raster: generic only
    QVERIFY(fs::exists(p.cache_dir() / (png->fingerprint + ".jpg")));

    const auto bad = p.item(id_of(p, ds, "broken.mrc"));
    QVERIFY(bad);
    QVERIFY(!bad->import_ok);
    QVERIFY(bad->import_error.find("broken.mrc") != std::string::npos);
    QVERIFY(p.item_metrics(bad->id).empty());
    QCOMPARE(p.count_items("import = error"), std::int64_t{1});

    // Re-import: nothing changed.
    const auto again = import_paths(p, {data_}, ImportOptions{}, {}, nullptr);
    QCOMPARE(again.skipped_unchanged, std::size_t{6});
    QCOMPARE(again.imported + again.errors, std::size_t{0});
    QCOMPARE(again.dataset_ids, s.dataset_ids);
    QCOMPARE(p.count_items(""), std::int64_t{6});
    QCOMPARE(p.datasets().size(), std::size_t{1});

    // One file rewritten with other data, one only touched.
    write_mrc(data_ + "/b.mrc", micrograph(9, 50.0f));
    bump_mtime(data_ + "/b.mrc");
    bump_mtime(data_ + "/c.mrc");
    const auto changed = import_paths(p, {data_}, ImportOptions{}, {}, nullptr);
    QCOMPARE(changed.imported, std::size_t{2});
    QCOMPARE(changed.skipped_unchanged, std::size_t{4});
    QCOMPARE(p.count_items(""), std::int64_t{6});
    const auto b = p.item(id_of(p, ds, "b.mrc"));
    QVERIFY(std::abs(p.item_metrics(b->id).at("mean") - 50.0) < 1.0);
  }

  void changedFileDropsStaleMetrics() {
    const std::string dir = tmp_.filePath("stale").toStdString();
    fs::create_directories(dir);
    write_mrc(dir + "/m.mrc", micrograph(21, 5.0f));
    Project p = Project::open(fresh_project("stale.atelier"));
    const auto first = import_paths(p, {dir}, ImportOptions{}, {}, nullptr);
    const std::int64_t id = id_of(p, first.dataset_ids.at(0), "m.mrc");
    p.set_metrics(id, {{"old_provider_metric", 1.0}});
    QVERIFY(p.item_metrics(id).count("mean"));
    // The file is cut short: the item turns into an error with no metrics.
    fs::resize_file(dir + "/m.mrc", 1500);
    bump_mtime(dir + "/m.mrc");
    const auto again = import_paths(p, {dir}, ImportOptions{}, {}, nullptr);
    QCOMPARE(again.errors, std::size_t{1});
    QVERIFY(!p.item(id)->import_ok);
    QVERIFY(p.item_metrics(id).empty());
    // Readable again: fresh metrics, nothing left from before.
    write_mrc(dir + "/m.mrc", micrograph(21, 7.0f));
    bump_mtime(dir + "/m.mrc");
    import_paths(p, {dir}, ImportOptions{}, {}, nullptr);
    QVERIFY(p.item(id)->import_ok);
    QVERIFY(std::abs(p.item_metrics(id).at("mean") - 7.0) < 1.0);
    QVERIFY(!p.item_metrics(id).count("old_provider_metric"));
  }

  void thumbnailFailuresKeepItems() {
    const std::string dir = tmp_.filePath("thumbfail").toStdString();
    fs::create_directories(dir);
    write_mrc(dir + "/t1.mrc", micrograph(31, 1.0f));
    write_mrc(dir + "/t2.mrc", micrograph(32, 2.0f));
    // t1's thumbnail path is taken by a folder: its write fails, t1 stays.
    const std::string p1 = fresh_project("thumbfail.atelier");
    fs::create_directories(p1 + "/cache/" + import::file_fingerprint(dir + "/t1.mrc") + ".jpg");
    Project p = Project::open(p1);
    const auto s = import_paths(p, {dir}, ImportOptions{}, {}, nullptr);
    QCOMPARE(s.imported, std::size_t{2});
    QCOMPARE(s.errors, std::size_t{0});
    QCOMPARE(s.thumbnail_errors, std::size_t{1});
    const auto t1 = id_of(p, s.dataset_ids.at(0), "t1.mrc");
    QVERIFY(p.item(t1)->import_ok);
    QVERIFY(p.item_metadata(t1).count("thumbnail_error"));
    QVERIFY(p.item_metrics(t1).count("mean"));

    // No cache folder at all (a file in its place): items import, thumbnails off.
    const std::string p2 = fresh_project("nocache.atelier");
    fs::remove_all(p2 + "/cache");
    test::write_text(p2 + "/cache", "not a folder");
    Project q = Project::open(p2);
    const auto s2 = import_paths(q, {dir}, ImportOptions{}, {}, nullptr);
    QCOMPARE(s2.imported, std::size_t{2});
    QVERIFY(!s2.error_messages.empty());
    QVERIFY(s2.error_messages[0].find("thumbnails are off") != std::string::npos);
  }

  void includeExcludeGlobs() {
    Project p = Project::open(fresh_project("globs.atelier"));
    ImportOptions o;
    o.include_globs = {"*.mrc"};
    o.exclude_globs = {"sub/*"};
    o.dataset_name = "only top mrc";
    const auto s = import_paths(p, {data_}, o, {}, nullptr);
    QCOMPARE(s.candidates, std::size_t{4}); // a b c broken
    QCOMPARE(s.imported, std::size_t{3});
    QCOMPARE(s.errors, std::size_t{1});
    QCOMPARE(s.excluded,
             std::size_t{5}); // sub/d.mrc pic.png README.md notes.json model.safetensors
    QCOMPARE(s.skipped_not_images, std::size_t{0});
    QCOMPARE(p.datasets().at(0).name, std::string("only top mrc"));
    QCOMPARE(p.count_items("path ~ sub"), std::int64_t{0});

    // A single file imports into its folder's dataset.
    const auto one = import_paths(p, {data_ + "/sub/d.mrc"}, ImportOptions{}, {}, nullptr);
    QCOMPARE(one.imported, std::size_t{1});
    QCOMPARE(p.datasets().size(), std::size_t{2});
    QCOMPARE(p.count_items("path = 'd.mrc'"), std::int64_t{1});
    QVERIFY_THROWS_EXCEPTION(atelier::Error, import_paths(p, {data_ + "/missing"}, o, {}, nullptr));
  }

  // Every sample file of every format imports without error (skipped, or a
  // failure under CI, when ../shared/data is absent).
  void starMetricsBecomeItemMetrics() {
    const std::string dir = tmp_.filePath("star").toStdString();
    fs::create_directories(dir + "/x");
    write_mrc(dir + "/x/m1.mrc", micrograph(11, 1.0f));
    write_mrc(dir + "/m2.mrc", micrograph(12, 2.0f));
    Image no_header = micrograph(13, 3.0f);
    no_header.spacing = {};
    write_mrc(dir + "/m3.mrc", no_header); // its pixel size comes from the STAR file
    // RELION writes names relative to its project: matched by path suffix.
    test::write_text(dir + "/micrographs_ctf.star",
                     "# version 30001\n\ndata_optics\n\nloop_\n_rlnOpticsGroup #1\n"
                     "_rlnMicrographPixelSize #2\n1 1.5\n\n# version 30001\n\n"
                     "data_micrographs\n\nloop_\n_rlnMicrographName #1\n_rlnOpticsGroup #2\n"
                     "_rlnDefocusU #3\n_rlnDefocusV #4\n_rlnCtfMaxResolution #5\n"
                     "_rlnAccumMotionTotal #6\n"
                     "MotionCorr/job002/x/m1.mrc 1 15000 14500 3.5 12.0\n"
                     "MotionCorr/job002/m3.mrc 1 20000 19800 6.1 30\n"
                     "MotionCorr/job002/missing.mrc 1 1 1 1 1\n");
    // A particles table: per-micrograph means and a particle count.
    test::write_text(dir + "/particles.star",
                     "data_\nloop_\n_rlnImageName #1\n_rlnMicrographName #2\n_rlnDefocusU #3\n"
                     "1@p.mrcs Movies/m1.tiff 15100\n2@p.mrcs Movies/m1.tiff 15300\n"
                     "3@p.mrcs Movies/m1.tiff 15200\n4@p.mrcs Movies/m2.tiff 9000\n");
    test::write_text(dir + "/broken.star",
                     "data_\nloop_\n_rlnMicrographName #1\n_rlnDefocusU #2\nm2.mrc 1 2\n");
    Project p = Project::open(fresh_project("star.atelier"));
    const auto s = import_paths(p, {dir}, ImportOptions{}, {}, nullptr);
    QCOMPARE(s.imported, std::size_t{3});
    QCOMPARE(s.star_tables, std::size_t{2});
    QCOMPARE(s.star_rows_matched, std::size_t{4});
    QCOMPARE(s.star_rows_unmatched, std::size_t{1});
    QCOMPARE(s.skipped_not_images, std::size_t{0});
    bool broken_named = false;
    for (const auto& e : s.error_messages)
      broken_named = broken_named || e.find("broken.star") != std::string::npos;
    QVERIFY(broken_named);

    const std::int64_t ds = s.dataset_ids.at(0);
    const auto m1 = p.item_metrics(id_of(p, ds, "x/m1.mrc"));
    QCOMPARE(m1.at("ctf_defocus_v_A"), 14500.0);
    QCOMPARE(m1.at("ctf_max_resolution_A"), 3.5);
    QCOMPARE(m1.at("motion_total_A"), 12.0);
    QCOMPARE(m1.at("particle_count"), 3.0);
    QCOMPARE(m1.at("ctf_defocus_u_A"), 15200.0); // particles.star's mean, read last
    QVERIFY(m1.count("mean"));                   // image metrics stay
    QCOMPARE(p.item_metrics(id_of(p, ds, "m2.mrc")).at("particle_count"), 1.0);
    QCOMPARE(p.count_items("ctf_max_resolution_A < 6"), std::int64_t{1});
    const auto m3 = p.item(id_of(p, ds, "m3.mrc"));
    QCOMPARE(m3->pixel_size_A, 1.5);
    QCOMPARE(m3->pixel_size_source, PixelSizeSource::star_file);

    // Re-import with nothing changed still applies the tables (they may be
    // newer than the images) and keeps every metric.
    const auto again = import_paths(p, {dir}, ImportOptions{}, {}, nullptr);
    QCOMPARE(again.skipped_unchanged, std::size_t{3});
    QCOMPARE(again.star_rows_matched, std::size_t{4});
    QCOMPARE(p.item_metrics(id_of(p, ds, "m3.mrc")).at("ctf_defocus_u_A"), 20000.0);
  }

  void sampleDataImports() {
    ATELIER_REQUIRE_SAMPLE_DATA();
    Project p = Project::open(fresh_project("samples.atelier"));
    const auto s =
        import_paths(p, {test::sample_data_dir().toStdString()}, ImportOptions{}, {}, nullptr);
    for (const auto& e : s.error_messages)
      qWarning("%s", e.c_str());
    QCOMPARE(s.errors, std::size_t{0});
    // MANIFEST.md and manifest.json; the three STAR tables are read for
    // metrics (their micrograph names are not files of this folder).
    QCOMPARE(s.skipped_not_images, std::size_t{2});
    QVERIFY(s.star_tables >= 1);
    QCOMPARE(s.star_rows_matched, std::size_t{0});
    QCOMPARE(s.imported, test::manifest_entries().size() - 3);
    const std::int64_t ds = s.dataset_ids.at(0);
    const auto movie = p.item(id_of(p, ds, "cryoem/relion31.mrcs"));
    QVERIFY(movie && movie->import_ok);
    const auto vol = p.item(id_of(p, ds, "cryoem/EMD-3197.map"));
    QVERIFY(vol && vol->import_ok);
    QCOMPARE(vol->kind, std::string("volume"));
    QVERIFY(vol->depth > 1);
    const auto cloud = p.item(id_of(p, ds, "pointclouds/pcl_bunny.pcd"));
    QVERIFY(cloud && cloud->import_ok);
    QCOMPARE(cloud->kind, std::string("points"));
    QVERIFY(p.item_metrics(cloud->id).empty());
    // No pixels to measure, but a picture of the cloud for the grid.
    QVERIFY(fs::file_size(p.cache_dir() / (cloud->fingerprint + ".jpg")) > 1000);
    const auto cxr = p.item(id_of(p, ds, "xray/highdicom_dx_image.dcm"));
    QVERIFY(cxr && cxr->import_ok);
    QCOMPARE(p.item_metadata(cxr->id).at("metric_kind"), std::string("xray"));
    QVERIFY(p.item_metrics(cxr->id).count("mean"));
    const auto nii = p.item(id_of(p, ds, "volumes/nibabel_example4d.nii.gz"));
    QVERIFY(nii && nii->import_ok);
    QVERIFY(nii->frames > 1);
    QVERIFY(p.item_metrics(nii->id).count("mean"));
    QCOMPARE(p.count_items("format = geotiff and channels >= 3"), std::int64_t{3});
  }

  // kill -9 in the middle of an import (one item per transaction) leaves
  // only whole items, and the next run completes the rest. The child kills
  // itself from its progress callback, so the moment is deterministic.
  void killedImportResumes() {
    const std::string dir = fresh_project("killed.atelier");
    for (std::size_t kill_at : {std::size_t{1}, std::size_t{3}}) {
      const pid_t child = ::fork();
      QVERIFY(child >= 0);
      if (child == 0) {
        Project p = Project::open(dir);
        ImportOptions o;
        o.threads = 2;
        o.batch_size = 1;
        import_paths(
            p, {data_}, o,
            [&](const import::ImportProgress& pr) {
              if (pr.done >= kill_at) ::raise(SIGKILL);
            },
            nullptr);
        ::_exit(0);
      }
      int status = 0;
      ::waitpid(child, &status, 0);
      QVERIFY(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
      Project p = Project::open(dir);
      QCOMPARE(p.count_items(""), static_cast<std::int64_t>(kill_at));
      for (std::int64_t id : p.query_ids("import = ok")) {
        QVERIFY(p.item_metrics(id).count("mean"));
        QVERIFY(fs::exists(p.cache_dir() / (p.item(id)->fingerprint + ".jpg")));
      }
    }
    Project p = Project::open(dir);
    const auto rest = import_paths(p, {data_}, ImportOptions{}, {}, nullptr);
    QCOMPARE(rest.skipped_unchanged, std::size_t{3});
    QCOMPARE(rest.imported + rest.errors, std::size_t{3});
    QCOMPARE(p.count_items(""), std::int64_t{6});
    QCOMPARE(p.count_items("import = error"), std::int64_t{1});
  }

  void cancelAndResume() {
    Project p = Project::open(fresh_project("cancel.atelier"));
    ImportOptions o;
    o.threads = 1;
    o.compute_thumbnails = false;
    std::atomic<bool> cancel{false};
    const auto s = import_paths(
        p, {data_}, o,
        [&](const import::ImportProgress& pr) {
          if (pr.done >= 1) cancel = true;
        },
        &cancel);
    QVERIFY(s.cancelled);
    const std::size_t written = s.imported + s.errors;
    QVERIFY(written >= 1 && written < 6);
    // Every finished item was committed, and only whole items.
    QCOMPARE(p.count_items(""), static_cast<std::int64_t>(written));
    QCOMPARE(p.count_items("import = ok"), static_cast<std::int64_t>(s.imported));
    for (std::int64_t id : p.query_ids("import = ok"))
      QVERIFY(p.item_metrics(id).count("mean"));
    QVERIFY(!fs::exists(p.cache_dir()) || fs::is_empty(p.cache_dir()));

    const auto rest = import_paths(p, {data_}, o, {}, nullptr);
    QVERIFY(!rest.cancelled);
    QCOMPARE(rest.skipped_unchanged, written);
    QCOMPARE(rest.imported + rest.errors, 6 - written);
    QCOMPARE(p.count_items(""), std::int64_t{6});
  }
};

QTEST_APPLESS_MAIN(TestImport)
#include "test_import.moc"

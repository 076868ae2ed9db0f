// The curation grid on a small project: rows paged from SQLite, thumbnails
// decoded off the GUI thread and repainted when they arrive, filter and sort
// from the bar (a bad filter keeps the rows and says why), A/R/U on the
// selection, undo/redo, and the status-bar counts.
#include "core/data/image.h"
#include "core/formats/mrc/mrc_writer.h"
#include "core/import/importer.h"
#include "core/metrics/thumbnail.h"
#include "core/project/project.h"
#include "widgets/grid/GridPanel.h"
#include "widgets/grid/ItemGridModel.h"
#include "widgets/grid/ThumbnailLoader.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QImageReader>
#include <QListView>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QTest>

using namespace atelier;

class TestGridPanel : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  std::shared_ptr<project::Project> project_;

private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    project_ = std::make_shared<project::Project>(
        project::Project::create(tmp_.filePath("p.atelier").toStdString()));
    const auto ds = project_->add_dataset({0, "d", "/data", 0, PixelSizeSource::none});
    metrics::ThumbnailCache cache(project_->cache_dir());
    auto batch = project_->batch();
    for (int i = 0; i < 600; ++i) {
      project::ItemRecord r;
      r.dataset_id = ds;
      r.rel_path = "mic_" + std::to_string(1000 + i) + ".mrc";
      r.fingerprint = "fp" + std::to_string(i);
      const auto id = project_->upsert_item(r);
      project_->set_metrics(id, {{"score", double(i % 100)}});
      if (i < 5) {
        Image thumb(32, 16, 1, DType::u8);
        for (std::size_t k = 0; k < thumb.byte_size(); ++k)
          thumb.bytes()[k] = static_cast<std::uint8_t>(k * 3 + i);
        cache.put(r.fingerprint, thumb);
      }
    }
    batch.commit();
  }

  void pagesAndThumbnails() {
    GridPanel panel(project_);
    ItemGridModel& m = panel.model();
    QCOMPARE(m.rowCount(), 600);
    QCOMPARE(m.index(599).data().toString(), QString("mic_1599.mrc"));
    // The first request returns nothing and decodes in the background.
    QVERIFY(m.index(0).data(ItemGridModel::ThumbnailRole).value<QImage>().isNull());
    QSignalSpy changed(&m, &ItemGridModel::dataChanged);
    QTRY_VERIFY(!changed.isEmpty());
    const QImage t = m.index(0).data(ItemGridModel::ThumbnailRole).value<QImage>();
    QCOMPARE(t.size(), QSize(32, 16));
    // An item without a cached thumbnail stays empty and quiet.
    QVERIFY(m.index(300).data(ItemGridModel::ThumbnailRole).value<QImage>().isNull());
    panel.thumbnails().waitForIdle();
    QVERIFY(m.index(300).data(ItemGridModel::ThumbnailRole).value<QImage>().isNull());
  }

  // A damaged or deleted cached thumbnail is made again from the source; a
  // source that moved shows the problem with its reason (over its dimmed
  // thumbnail when the cache still has one); a relink clears it.
  void missingSourcesAndDamagedThumbnails() {
    const QString data = tmp_.filePath("files/data");
    QVERIFY(QDir().mkpath(data));
    for (const char* name : {"a.mrc", "b.mrc", "c.mrc"}) {
      Image image(64, 48, 1, DType::f32);
      auto* v = reinterpret_cast<float*>(image.bytes());
      for (std::size_t k = 0; k < image.pixel_count(); ++k)
        v[k] = static_cast<float>((k * 7 + name[0]) % 97);
      write_mrc((data + "/" + name).toStdString(), image);
    }
    auto p = std::make_shared<project::Project>(
        project::Project::create(tmp_.filePath("files.atelier").toStdString()));
    const auto summary = import::import_paths(*p, {data.toStdString()}, {});
    QCOMPARE(summary.imported, std::size_t{3});
    auto fingerprint = [&](const char* rel) {
      return QString::fromStdString(p->find_item_by_path(summary.dataset_ids[0], rel)->fingerprint);
    };
    metrics::ThumbnailCache cache(p->cache_dir());
    const QString a_thumb =
        QString::fromStdString(cache.path_for(fingerprint("a.mrc").toStdString()).string());
    const QString b_thumb =
        QString::fromStdString(cache.path_for(fingerprint("b.mrc").toStdString()).string());
    {
      QFile f(a_thumb); // damaged: not a JPEG any more
      QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
      f.write("this is not a jpeg");
    }
    QVERIFY(QFile::remove(b_thumb)); // deleted
    // c moves away with its thumbnail still cached.
    const QString moved = tmp_.filePath("files/moved");
    QVERIFY(QDir().mkpath(moved));
    QVERIFY(QFile::rename(data + "/c.mrc", moved + "/c.mrc"));

    GridPanel panel(p);
    ItemGridModel& m = panel.model();
    QCOMPARE(m.rowCount(), 3);
    for (int row = 0; row < 3; ++row)
      (void)m.index(row).data(ItemGridModel::ThumbnailRole);
    panel.thumbnails().waitForIdle();
    QTRY_VERIFY(!m.index(0).data(ItemGridModel::ThumbnailRole).value<QImage>().isNull() &&
                !m.index(1).data(ItemGridModel::ThumbnailRole).value<QImage>().isNull() &&
                !m.index(2).data(ItemGridModel::ThumbnailRole).value<QImage>().isNull());
    std::map<QString, int> row_of; // import order is the workers' order
    for (int row = 0; row < 3; ++row)
      row_of[m.index(row).data(ItemGridModel::PathRole).toString()] = row;
    const int a = row_of.at("a.mrc"), b = row_of.at("b.mrc"), c = row_of.at("c.mrc");
    QCOMPARE(panel.thumbnails().rebuilt(), 2);
    // Rebuilt thumbnails are written back: the cache files decode again.
    for (const QString& path : {a_thumb, b_thumb}) {
      QImage again;
      QVERIFY2(QImageReader(path).read(&again), qPrintable(path));
      QCOMPARE(again.size(), QSize(64, 48));
    }
    QCOMPARE(m.index(a).data(ItemGridModel::ProblemRole).toString(), QString());
    QCOMPARE(m.index(b).data(ItemGridModel::ProblemRole).toString(), QString());
    QCOMPARE(m.index(c).data(ItemGridModel::ProblemRole).toString(), QString("missing"));
    const QString tip = m.index(c).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.contains("Source file missing") && tip.contains(data + "/c.mrc"), qPrintable(tip));

    // The tile paints the problem without trouble, at any size.
    panel.resize(600, 400);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    const QPixmap shot = panel.view().viewport()->grab();
    QVERIFY(!shot.isNull());

    // Moving the other files too puts the problem on every item once
    // checked again; relinking the dataset to their new folder clears it.
    QVERIFY(QFile::rename(data + "/a.mrc", moved + "/a.mrc"));
    QVERIFY(QFile::rename(data + "/b.mrc", moved + "/b.mrc"));
    auto check_all = [&] {
      panel.recheckFiles();
      for (int row = 0; row < 3; ++row)
        (void)m.index(row).data(ItemGridModel::ThumbnailRole);
      panel.thumbnails().waitForIdle();
    };
    check_all();
    QTRY_COMPARE(m.index(a).data(ItemGridModel::ProblemRole).toString(), QString("missing"));
    QCOMPARE(m.index(b).data(ItemGridModel::ProblemRole).toString(), QString("missing"));
    QCOMPARE(p->relink(data.toStdString(), moved.toStdString()), std::size_t{1});
    check_all();
    QTRY_VERIFY(!m.index(c).data(ItemGridModel::ThumbnailRole).value<QImage>().isNull());
    for (int row : {a, b, c})
      QCOMPARE(m.index(row).data(ItemGridModel::ProblemRole).toString(), QString());
    QCOMPARE(panel.thumbnails().rebuilt(), 2); // the cache files were good again
  }

  // Filter, sort and tile size are remembered per project; a remembered
  // filter the project no longer accepts is dropped.
  void remembersFilterSortAndSize() {
    QCoreApplication::setOrganizationName("AtelierTest");
    QSettings().remove("grid-test");
    {
      GridPanel panel(project_);
      panel.persistSettings("grid-test");
      QCOMPARE(panel.model().rowCount(), 600);
      QCOMPARE(panel.applyFilter("score < 10"), QString());
      QCOMPARE(panel.setQuery("score < 10", "-score"), QString());
      panel.findChild<QSlider*>()->setValue(200);
    }
    {
      GridPanel panel(project_);
      panel.persistSettings("grid-test");
      QCOMPARE(panel.model().rowCount(), 60);
      QCOMPARE(panel.model().index(0).data(ItemGridModel::SortValueRole).toDouble(), 9.0);
      QCOMPARE(panel.findChild<QSlider*>()->value(), 200);
    }
    QSettings().setValue("grid-test/filter", "score <");
    GridPanel panel(project_);
    panel.persistSettings("grid-test");
    QCOMPARE(panel.model().rowCount(), 600);
    QSettings().remove("grid-test");
  }

  void filterSortAndErrors() {
    GridPanel panel(project_);
    QSignalSpy counts(&panel, &GridPanel::countsChanged);
    QCOMPARE(panel.setQuery("score < 10", "-score"), QString());
    QCOMPARE(panel.model().rowCount(), 60);
    QCOMPARE(panel.model().index(0).data(ItemGridModel::SortValueRole).toDouble(), 9.0);
    QCOMPARE(counts.last().at(3).toLongLong(), 60);
    const QString error = panel.setQuery("score <", "");
    QVERIFY(error.contains("expected a value"));
    QCOMPARE(panel.model().rowCount(), 60); // unchanged
    // A metric no item has is no error: every item sorts last, by id.
    QCOMPARE(panel.setQuery("", "no_such_metric"), QString());
    QCOMPARE(panel.model().rowCount(), 600);
    QCOMPARE(panel.model().index(0).data().toString(), QString("mic_1000.mrc"));
  }

  void curationKeysAndUndo() {
    GridPanel panel(project_);
    panel.resize(800, 600);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QListView& view = panel.view();
    view.setFocus();
    view.selectionModel()->select(panel.model().index(0), QItemSelectionModel::Select);
    view.selectionModel()->select(panel.model().index(1), QItemSelectionModel::Select);
    QSignalSpy counts(&panel, &GridPanel::countsChanged);
    QTest::keyClick(&view, Qt::Key_A);
    QCOMPARE(project_->count_items("status = accept"), std::int64_t{2});
    QCOMPARE(panel.model().index(0).data(ItemGridModel::StatusRole).toString(), QString("accept"));
    QCOMPARE(counts.last().at(1).toLongLong(), 2);
    QTest::keyClick(&view, Qt::Key_R);
    QCOMPARE(project_->count_items("status = reject"), std::int64_t{2});
    QTest::keyClick(&view, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(project_->count_items("status = accept"), std::int64_t{2});
    QTest::keyClick(&view, Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(project_->count_items("status = reject"), std::int64_t{2});
    QTest::keyClick(&view, Qt::Key_U);
    QCOMPARE(project_->count_items("status = none"), std::int64_t{600});
    // Digit keys toggle labels on the selection.
    QTest::keyClick(&view, Qt::Key_3);
    QCOMPARE(project_->count_items("label = 3"), std::int64_t{2});
    QCOMPARE(panel.model().index(0).data(ItemGridModel::LabelsRole).toStringList(),
             QStringList{"3"});
    QTest::keyClick(&view, Qt::Key_3);
    QCOMPARE(project_->count_items("label = 3"), std::int64_t{0});
    QCOMPARE(panel.model().index(1).data(ItemGridModel::StatusRole).toString(), QString("none"));
  }
};

QTEST_MAIN(TestGridPanel)
#include "test_grid_panel.moc"

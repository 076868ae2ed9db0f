// The project's dialogs: the label set editor (saved, refused with the
// reason, keys driving the grid's digit keys and chip colours) and the
// export dialog (filter, selection and whole-project scopes; a STAR export
// that needs a pixel size says so and writes nothing).
#include "core/project/project.h"
#include "widgets/export/ExportDialog.h"
#include "widgets/grid/GridPanel.h"
#include "widgets/grid/ItemGridModel.h"
#include "widgets/grid/LabelSetDialog.h"
#include "widgets/project/RelinkDialog.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace atelier;

namespace {

// Five micrographs; the first three with a 1.1 Å pixel size, two labelled.
std::shared_ptr<project::Project> make_project(const QString& dir) {
  auto p = std::make_shared<project::Project>(project::Project::create(dir.toStdString()));
  const auto ds = p->add_dataset({0, "mics", "/data", 0, PixelSizeSource::none});
  for (int i = 0; i < 5; ++i) {
    project::ItemRecord r;
    r.dataset_id = ds;
    r.rel_path = "m" + std::to_string(i) + ".mrc";
    r.format = "mrc";
    r.kind = "image";
    r.width = r.height = 64;
    if (i < 3) {
      r.pixel_size_A = 1.1;
      r.pixel_size_source = PixelSizeSource::header;
    }
    p->upsert_item(r);
  }
  p->add_label({1, 2}, "carbon");
  return p;
}

int lines(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return -1;
  return int(f.readAll().count('\n'));
}

} // namespace

class TestProjectDialogs : public QObject {
  Q_OBJECT
private slots:
  void labelSetDrivesTheGrid();
  void exportScopesAndErrors();
  void relinkMovedDataset();

private:
  QTemporaryDir dir_;
};

void TestProjectDialogs::labelSetDrivesTheGrid() {
  auto p = make_project(dir_.path() + "/labels.atelier");
  LabelSetDialog dialog(p);
  // The label already on items is offered.
  QCOMPARE(dialog.table().rowCount(), 1);
  QCOMPARE(dialog.table().item(0, 0)->text(), QString("carbon"));
  dialog.addLabel({"good", "#2da44e", "1"});
  dialog.addLabel({"ice", "#0969da", "1"}); // the same key twice: refused
  QVERIFY(!dialog.save());
  QVERIFY(p->label_set().empty());
  auto* key = qobject_cast<QComboBox*>(dialog.table().cellWidget(2, 2));
  key->setCurrentIndex(key->findData("2"));
  QVERIFY(dialog.save());
  const auto set = p->label_set();
  QCOMPARE(set.size(), std::size_t(3));
  QCOMPARE(set[1].name, std::string("good"));
  QCOMPARE(set[2].key, std::string("2"));

  GridPanel grid(p);
  QCOMPARE(grid.labelForKey(1), QString("good"));
  QCOMPARE(grid.labelForKey(2), QString("ice"));
  QCOMPARE(grid.labelForKey(3), QString("3")); // no label has key 3
  grid.show();
  QVERIFY(QTest::qWaitForWindowExposed(&grid));
  grid.view().setFocus();
  grid.view().selectionModel()->select(grid.model().index(4), QItemSelectionModel::Select);
  QTest::keyClick(&grid.view(), Qt::Key_2);
  QCOMPARE(p->labels(grid.model().idAt(4)), std::vector<std::string>{"ice"});

  // Renaming a label in the dialog renames it on the items that carry it.
  QCOMPARE(p->count_items("label = carbon"), std::int64_t{2});
  dialog.table().item(0, 0)->setText("carbon edge");
  QCOMPARE(dialog.renames().size(), std::size_t{1});
  QVERIFY(dialog.save());
  QCOMPARE(p->count_items("label = carbon"), std::int64_t{0});
  QCOMPARE(p->count_items("label = \"carbon edge\""), std::int64_t{2});
  QCOMPARE(p->label_set()[0].name, std::string("carbon edge"));
  QVERIFY(dialog.renames().empty()); // saved: a second save renames nothing
}

void TestProjectDialogs::exportScopesAndErrors() {
  auto p = make_project(dir_.path() + "/export.atelier");
  const QString csv = dir_.path() + "/out.csv";
  {
    ExportDialog dialog(p, "label = carbon", {1, 3, 5});
    dialog.setFormat("csv");
    dialog.setPath(csv);
    dialog.setScope(0);
    QVERIFY2(dialog.exportNow(), qPrintable(dialog.lastError()));
    QCOMPARE(lines(csv), 1 + 2); // header and the two labelled items
    dialog.setScope(1);
    QVERIFY(dialog.exportNow());
    QCOMPARE(lines(csv), 1 + 3);
    QCOMPARE(p->selection("exported"), (std::vector<std::int64_t>{1, 3, 5}));
    dialog.setScope(2);
    QVERIFY(dialog.exportNow());
    QCOMPARE(lines(csv), 1 + 5);
    QVERIFY(dialog.lastSummary().startsWith("Exported 5 items"));
  }
  // STAR needs every item's pixel size: two have none.
  const QString star = dir_.path() + "/mics.star";
  ExportDialog dialog(p, QString(), {});
  dialog.setFormat("star");
  dialog.setPath(star);
  dialog.setScope(2);
  QVERIFY(!dialog.exportNow());
  QVERIFY2(dialog.lastError().contains("pixel size"), qPrintable(dialog.lastError()));
  QVERIFY(!QFile::exists(star));
  dialog.setScope(0);
  ExportDialog three(p, "pixel_size > 1", {});
  three.setFormat("star");
  three.setPath(star);
  QVERIFY2(three.exportNow(), qPrintable(three.lastError()));
  QVERIFY(QFile::exists(star));
}

// The relink dialog offers the dataset whose folder is gone first, refuses
// a folder without the items (nothing changes) and relinks to the right one.
void TestProjectDialogs::relinkMovedDataset() {
  const QString dir = dir_.path() + "/relink.atelier";
  auto p = std::make_shared<project::Project>(project::Project::create(dir.toStdString()));
  const QString here = dir_.path() + "/here", moved = dir_.path() + "/moved",
                gone = dir_.path() + "/gone";
  for (const QString& folder : {here, moved})
    QVERIFY(QDir().mkpath(folder));
  p->add_dataset({0, "present", here.toStdString(), 0, PixelSizeSource::none});
  const auto ds = p->add_dataset({0, "session", gone.toStdString(), 0, PixelSizeSource::none});
  for (int i = 0; i < 3; ++i) {
    project::ItemRecord r;
    r.dataset_id = ds;
    r.rel_path = "m" + std::to_string(i) + ".mrc";
    r.size_bytes = 5;
    p->upsert_item(r);
    QFile f(moved + "/m" + QString::number(i) + ".mrc");
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("12345");
  }
  RelinkDialog dialog(p);
  QCOMPARE(dialog.datasets().count(), 2);
  QCOMPARE(dialog.datasets().currentIndex(), 1); // the missing folder first
  QVERIFY(dialog.datasets().currentText().contains("folder missing"));
  QVERIFY(!dialog.relink());      // no folder yet
  dialog.newRoot().setText(here); // the items are not there
  QVERIFY(!dialog.relink());
  QCOMPARE(p->datasets()[1].root, gone.toStdString());
  dialog.newRoot().setText(moved + "/");
  QVERIFY(dialog.relink());
  QCOMPARE(p->datasets()[1].root, moved.toStdString());
  QVERIFY(dialog.summary().contains("1 dataset"));
}

QTEST_MAIN(TestProjectDialogs)
#include "test_project_dialogs.moc"

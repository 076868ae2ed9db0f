// The transfer-function editor: positions map to value and opacity, dragging
// moves a point (and keeps the points sorted), a double-click adds one with
// an interpolated colour, Delete removes the selected one but never below two.
#include "widgets/view3d/TransferFunctionEditor.h"

#include <QSignalSpy>
#include <QTest>

using namespace atelier;
using render::TransferPoint;

class TestTransferFunctionEditor : public QObject {
  Q_OBJECT

  static void setUp(TransferFunctionEditor& editor) {
    editor.resize(300, 150);
    editor.setHistogram(0.0, 10.0, {5, 50, 500, 50, 5});
    editor.setPoints({{2.0, 0, 0, 1, 0.0}, {5.0, 0, 1, 0, 0.5}, {8.0, 1, 0, 0, 1.0}});
  }

private slots:
  void positions_map_to_value_and_opacity() {
    TransferFunctionEditor editor;
    setUp(editor);
    const QPointF p = editor.toWidget(5.0, 0.5);
    const auto [value, opacity] = editor.fromWidget(p);
    QVERIFY(std::abs(value - 5.0) < 1e-9);
    QVERIFY(std::abs(opacity - 0.5) < 1e-9);
    QVERIFY(editor.toWidget(0, 1).y() < editor.toWidget(0, 0).y()); // opacity up
  }

  void dragging_moves_a_point_and_keeps_them_sorted() {
    TransferFunctionEditor editor;
    setUp(editor);
    editor.show();
    QSignalSpy changed(&editor, &TransferFunctionEditor::transferChanged);
    const QPoint from = editor.toWidget(5.0, 0.5).toPoint();
    const QPoint to = editor.toWidget(9.0, 0.8).toPoint();
    QTest::mousePress(&editor, Qt::LeftButton, Qt::NoModifier, from);
    QTest::mouseMove(&editor, to);
    QTest::mouseRelease(&editor, Qt::LeftButton, Qt::NoModifier, to);
    QVERIFY(changed.count() >= 1);
    const auto& p = editor.points();
    QCOMPARE(p.size(), std::size_t(3));
    // The green point moved past the red one: now last.
    QVERIFY(p[0].value < p[1].value && p[1].value < p[2].value);
    QCOMPARE(p[2].g, 1.0);
    QVERIFY(std::abs(p[2].value - 9.0) < 0.1);
    QVERIFY(std::abs(p[2].opacity - 0.8) < 0.02);
    QCOMPARE(editor.selected(), 2);
  }

  void double_click_adds_an_interpolated_point_and_delete_removes() {
    TransferFunctionEditor editor;
    setUp(editor);
    editor.show();
    QTest::mouseDClick(&editor, Qt::LeftButton, Qt::NoModifier,
                       editor.toWidget(3.5, 0.9).toPoint());
    auto p = editor.points();
    QCOMPARE(p.size(), std::size_t(4));
    // Halfway between blue (2) and green (5).
    QVERIFY(std::abs(p[1].value - 3.5) < 0.1);
    QVERIFY(std::abs(p[1].b - 0.5) < 0.05 && std::abs(p[1].g - 0.5) < 0.05);
    QCOMPARE(editor.selected(), 1);
    QTest::keyClick(&editor, Qt::Key_Delete);
    QCOMPARE(editor.points().size(), std::size_t(3));
    // Two points always stay.
    for (int i = 0; i < 3; ++i) {
      QTest::mouseClick(
          &editor, Qt::RightButton, Qt::NoModifier,
          editor.toWidget(editor.points()[0].value, editor.points()[0].opacity).toPoint());
    }
    QCOMPARE(editor.points().size(), std::size_t(2));
  }
};

QTEST_MAIN(TestTransferFunctionEditor)
#include "test_transfer_function_editor.moc"

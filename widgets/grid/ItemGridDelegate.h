// ItemGridDelegate: paints one grid tile: the thumbnail (a grey box while it
// loads), a status badge (green accept, red reject), label chips (in the
// label set's colours; others get a colour from their name), the file name
// and the sort metric's value. An item with a problem (its file missing, its
// import failed) shows a warning sign and the problem's tag, over its
// dimmed thumbnail when there is one.
#pragma once

#include <QColor>
#include <QHash>
#include <QStyledItemDelegate>

namespace atelier {

class ItemGridDelegate : public QStyledItemDelegate {
  Q_OBJECT
public:
  explicit ItemGridDelegate(QObject* parent = nullptr);

  void setTileSize(int pixels); // the thumbnail's box; the tile adds a text line
  int tileSize() const { return tile_; }
  void setLabelColours(QHash<QString, QColor> colours) { colours_ = std::move(colours); }

  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
  void paintProblem(QPainter* painter, const QRect& box, const QString& tag,
                    const QStyleOptionViewItem& option) const;

  int tile_ = 160;
  QHash<QString, QColor> colours_;
};

} // namespace atelier

// Tile painting for the thumbnail grid (see ItemGridDelegate.h).
#include "widgets/grid/ItemGridDelegate.h"

#include "widgets/grid/ItemGridModel.h"

#include <QApplication>
#include <QIcon>
#include <QPainter>
#include <QStyle>

namespace atelier {

ItemGridDelegate::ItemGridDelegate(QObject* parent) : QStyledItemDelegate(parent) {}

void ItemGridDelegate::setTileSize(int pixels) {
  tile_ = std::clamp(pixels, 48, 512);
}

QSize ItemGridDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const {
  const int text = option.fontMetrics.height();
  return {tile_ + 8, tile_ + 8 + 2 * text};
}

void ItemGridDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                             const QModelIndex& index) const {
  painter->save();
  const QRect r = option.rect.adjusted(2, 2, -2, -2);
  const QPalette& pal = option.palette;
  const bool selected = option.state & QStyle::State_Selected;
  painter->fillRect(r, selected ? pal.highlight() : pal.base());

  const int text = option.fontMetrics.height();
  const QRect box(r.left() + 2, r.top() + 2, r.width() - 4, r.height() - 4 - 2 * text);
  const QImage thumb = index.data(ItemGridModel::ThumbnailRole).value<QImage>();
  const QString problem = index.data(ItemGridModel::ProblemRole).toString();
  if (thumb.isNull()) {
    painter->fillRect(box, problem.isEmpty() ? pal.mid() : pal.dark());
  } else {
    const QSize fit = thumb.size().scaled(box.size(), Qt::KeepAspectRatio);
    const QRect target(box.left() + (box.width() - fit.width()) / 2,
                       box.top() + (box.height() - fit.height()) / 2, fit.width(), fit.height());
    painter->setRenderHint(QPainter::SmoothPixmapTransform, true);
    // A thumbnail whose item has a problem (its file moved) is dimmed.
    if (!problem.isEmpty()) painter->setOpacity(0.35);
    painter->drawImage(target, thumb);
    painter->setOpacity(1.0);
  }
  if (!problem.isEmpty()) paintProblem(painter, box, problem, option);

  const QString status = index.data(ItemGridModel::StatusRole).toString();
  if (status != "none") {
    const int d = std::max(10, tile_ / 10);
    painter->setRenderHint(QPainter::Antialiasing, true);
    painter->setPen(QPen(Qt::white, 1.5));
    painter->setBrush(status == "accept" ? QColor(46, 160, 67) : QColor(207, 34, 46));
    painter->drawEllipse(QRect(box.right() - d - 2, box.top() + 2, d, d));
  }

  // Label chips along the thumbnail's bottom-left, one colour per label.
  const QStringList labels = index.data(ItemGridModel::LabelsRole).toStringList();
  int chip_x = box.left() + 2;
  for (const QString& label : labels) {
    const int w = option.fontMetrics.horizontalAdvance(label) + 6;
    const QRect chip(chip_x, box.bottom() - text - 1, w, text);
    if (chip.right() > box.right()) break;
    const QColor c =
        colours_.value(label, QColor::fromHsv(static_cast<int>(qHash(label) % 360), 160, 200));
    painter->fillRect(chip, c);
    painter->setPen(Qt::black);
    painter->drawText(chip, Qt::AlignCenter, label);
    chip_x += w + 2;
  }

  painter->setPen(selected ? pal.highlightedText().color() : pal.text().color());
  const QRect name(r.left() + 2, box.bottom() + 2, r.width() - 4, text);
  painter->drawText(name, Qt::AlignHCenter | Qt::AlignVCenter,
                    option.fontMetrics.elidedText(index.data(Qt::DisplayRole).toString(),
                                                  Qt::ElideMiddle, name.width()));
  const QVariant value = index.data(ItemGridModel::SortValueRole);
  if (value.isValid()) {
    const QRect line(name.left(), name.bottom(), name.width(), text);
    painter->drawText(line, Qt::AlignHCenter | Qt::AlignVCenter,
                      QString::number(value.toDouble(), 'g', 4));
  }
  painter->restore();
}

void ItemGridDelegate::paintProblem(QPainter* painter, const QRect& box, const QString& tag,
                                    const QStyleOptionViewItem& option) const {
  // The style's warning sign over the tag ("missing", "unreadable", ...); the
  // reason is in the tooltip.
  const int icon = std::clamp(box.height() / 3, 16, 64);
  const QIcon warning = QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning);
  const int text = option.fontMetrics.height();
  const QRect sign(box.center().x() - icon / 2, box.center().y() - (icon + text) / 2, icon, icon);
  warning.paint(painter, sign);
  painter->setPen(QColor(255, 196, 64));
  const QRect line(box.left(), sign.bottom() + 2, box.width(), text);
  painter->drawText(line, Qt::AlignHCenter | Qt::AlignVCenter,
                    option.fontMetrics.elidedText(tag, Qt::ElideRight, box.width()));
}

} // namespace atelier

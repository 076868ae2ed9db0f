// The notice strip above a project's grid (see NoticeBanner.h).
#include "widgets/project/NoticeBanner.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>

namespace atelier {

NoticeBanner::NoticeBanner(const QString& html, const QString& action, QWidget* parent)
    : QFrame(parent) {
  // Amber with dark text reads the same in the light and the dark theme.
  setStyleSheet("atelier--NoticeBanner { background: #ffe8a3; border-bottom: 1px solid #d4a72c; }"
                "atelier--NoticeBanner QLabel { color: #3b2f00; }");
  setAutoFillBackground(true);
  QPalette amber = palette();
  amber.setColor(QPalette::Window, QColor("#ffe8a3"));
  setPalette(amber);
  auto* icon = new QLabel(this);
  icon->setPixmap(QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(20, 20));
  text_ = new QLabel(html, this);
  text_->setWordWrap(true);
  text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  text_->setStyleSheet("color: #3b2f00");
  action_ = new QPushButton(action, this);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 4, 8, 4);
  layout->addWidget(icon);
  layout->addWidget(text_, 1);
  layout->addWidget(action_);
  connect(action_, &QPushButton::clicked, this, &NoticeBanner::actionRequested);
}

QString NoticeBanner::text() const {
  return text_->text();
}

} // namespace atelier

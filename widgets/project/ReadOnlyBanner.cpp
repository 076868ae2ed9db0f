// The read-only project banner (see ReadOnlyBanner.h).
#include "widgets/project/ReadOnlyBanner.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>

namespace atelier {

ReadOnlyBanner::ReadOnlyBanner(const QString& reason, QWidget* parent) : QFrame(parent) {
  setObjectName("readOnlyBanner");
  // Amber with dark text reads the same in the light and the dark theme.
  setStyleSheet("#readOnlyBanner { background: #ffe8a3; border-bottom: 1px solid #d4a72c; }"
                "#readOnlyBanner QLabel { color: #3b2f00; }");
  auto* icon = new QLabel(this);
  icon->setPixmap(QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(20, 20));
  text_ = new QLabel(tr("<b>Read-only.</b> %1. Curation, labels, notes, imports and training "
                        "are off here; close the other Atelier and try again.")
                         .arg(reason.toHtmlEscaped()),
                     this);
  text_->setWordWrap(true);
  text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  retry_ = new QPushButton(tr("Try Again"), this);
  retry_->setToolTip(tr("Reopen the project for writing when its writer has closed it"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 4, 8, 4);
  layout->addWidget(icon);
  layout->addWidget(text_, 1);
  layout->addWidget(retry_);
  connect(retry_, &QPushButton::clicked, this, &ReadOnlyBanner::retryRequested);
}

QString ReadOnlyBanner::text() const {
  return text_->text();
}

} // namespace atelier

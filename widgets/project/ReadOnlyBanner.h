// ReadOnlyBanner: the strip above a project's grid when the project is open
// read-only: why (another Atelier holds its writer lock, or its folder is
// not writable) and a Try Again button that asks to reopen it for writing.
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace atelier {

class ReadOnlyBanner : public QFrame {
  Q_OBJECT
public:
  explicit ReadOnlyBanner(const QString& reason, QWidget* parent = nullptr);
  QString text() const;
  QPushButton& retryButton() { return *retry_; }

signals:
  void retryRequested();

private:
  QLabel* text_ = nullptr;
  QPushButton* retry_ = nullptr;
};

} // namespace atelier

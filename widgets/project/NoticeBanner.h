// NoticeBanner: an amber strip above a project's grid saying what needs the
// user's attention, with one action button: the project is open read-only
// (another Atelier holds its writer lock, or its folder is not writable;
// Try Again), or a dataset's folder is missing (Relink…).
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace atelier {

class NoticeBanner : public QFrame {
  Q_OBJECT
public:
  // html: the message (already escaped where it quotes paths); action: the
  // button's text.
  NoticeBanner(const QString& html, const QString& action, QWidget* parent = nullptr);
  QString text() const;
  QPushButton& actionButton() { return *action_; }

signals:
  void actionRequested();

private:
  QLabel* text_ = nullptr;
  QPushButton* action_ = nullptr;
};

} // namespace atelier

// Per-project settings groups (see project_settings.h).
#include "widgets/project/project_settings.h"

#include <QCryptographicHash>
#include <QFileInfo>

namespace atelier {

QString project_settings_group(const QString& project_dir) {
  QString path = QFileInfo(project_dir).canonicalFilePath();
  if (path.isEmpty()) path = QFileInfo(project_dir).absoluteFilePath();
  return "projects/" +
         QString::fromLatin1(
             QCryptographicHash::hash(path.toUtf8(), QCryptographicHash::Sha1).toHex());
}

} // namespace atelier

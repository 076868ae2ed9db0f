// Thumbnail decoding off the GUI thread (see ThumbnailLoader.h).
#include "widgets/grid/ThumbnailLoader.h"

#include <QFileInfo>
#include <QImageReader>
#include <QPointer>

namespace atelier {

ThumbnailLoader::ThumbnailLoader(QString folder, qint64 budget_bytes, QObject* parent)
    : QObject(parent), folder_(std::move(folder)) {
  cache_.setMaxCost(budget_bytes);
  pool_.setMaxThreadCount(2);
}

ThumbnailLoader::~ThumbnailLoader() {
  pool_.clear();
  pool_.waitForDone();
}

QImage ThumbnailLoader::request(const QString& key) {
  if (key.isEmpty()) return {};
  if (const QImage* hit = cache_.object(key)) return *hit;
  if (pending_.contains(key) || missing_.contains(key)) return {};
  pending_.insert(key);
  const QString path = folder_ + "/" + key + ".jpg";
  QPointer<ThumbnailLoader> self(this);
  pool_.start([self, key, path] {
    QImage image;
    if (QFileInfo::exists(path)) QImageReader(path).read(&image);
    if (!self) return;
    QMetaObject::invokeMethod(
        self.data(),
        [self, key, image] {
          if (self) self->deliver(key, image);
        },
        Qt::QueuedConnection);
  });
  return {};
}

void ThumbnailLoader::deliver(const QString& key, const QImage& image) {
  pending_.remove(key);
  if (image.isNull()) {
    missing_.insert(key);
    return;
  }
  cache_.insert(key, new QImage(image), std::max<qint64>(1, image.sizeInBytes()));
  emit thumbnailReady(key);
}

} // namespace atelier

// ThumbnailLoader: decodes cached thumbnails (cache/<fingerprint>.jpg) on a
// thread pool and keeps the decoded images in a byte-bounded LRU, so the
// grid never waits on disk: a request for an image not yet decoded returns
// a null image and thumbnailReady(key) follows when it is.
#pragma once

#include <QCache>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QString>
#include <QThreadPool>

namespace atelier {

class ThumbnailLoader : public QObject {
  Q_OBJECT
public:
  // folder: the project's cache folder; budget: bytes of decoded images kept.
  explicit ThumbnailLoader(QString folder, qint64 budget_bytes = qint64{256} << 20,
                           QObject* parent = nullptr);
  ~ThumbnailLoader() override;

  // The decoded thumbnail, or a null image while it loads (or when there is
  // none: then it stays null and no signal follows).
  QImage request(const QString& key);
  void waitForIdle() { pool_.waitForDone(); }

signals:
  void thumbnailReady(const QString& key);

private:
  void deliver(const QString& key, const QImage& image);

  QString folder_;
  QCache<QString, QImage> cache_;
  QSet<QString> pending_, missing_;
  QThreadPool pool_;
};

} // namespace atelier

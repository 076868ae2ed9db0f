// ThumbnailLoader: decodes cached thumbnails (cache/<fingerprint>.jpg, or
// the 3D rendering `atelier-cli thumbnails` makes of a volume,
// cache/<fingerprint>-3d.jpg, when there is one) on a thread pool and keeps the decoded images in a
// byte-bounded LRU, so the grid never waits on disk: a request for an image not yet decoded returns
// a null image and thumbnailReady(key) follows when it is.
// Given the item's source file, the loader also checks that it is still
// there (a missing or moved file becomes a problem with its reason) and
// rebuilds a thumbnail that is missing or cannot be decoded from the source
// (written back to the cache when it can be, kept in memory otherwise).
#pragma once

#include <QCache>
#include <QHash>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QString>
#include <QThreadPool>

#include <atomic>

namespace atelier {

class ThumbnailLoader : public QObject {
  Q_OBJECT
public:
  // What went wrong with an item: a short tag for the tile ("missing",
  // "unreadable") and the reason with the file's path.
  struct Problem {
    QString tag, reason;
  };

  // folder: the project's cache folder; budget: bytes of decoded images kept.
  explicit ThumbnailLoader(QString folder, qint64 budget_bytes = qint64{256} << 20,
                           QObject* parent = nullptr);
  ~ThumbnailLoader() override;

  // The decoded thumbnail, or a null image while it loads (or when there is
  // none: then it stays null). source/format: the item's file and format
  // name, for the checks above (empty: the cache only, quiet when absent).
  QImage request(const QString& key, const QString& source = {}, const QString& format = {});
  // The decoded thumbnail when it is in memory (null otherwise); no work
  // is started. The grid asks this first on every paint.
  QImage cached(const QString& key) const {
    const QImage* hit = cache_.object(key);
    return hit ? *hit : QImage();
  }
  // The problem found for key (tag empty: none, or not checked yet).
  Problem problem(const QString& key) const { return problems_.value(key); }
  // Forgets problems, absent and decoded thumbnails (after a relink or a
  // re-import) so the next requests check and decode again.
  void forgetProblems();
  // Thumbnails rebuilt from their sources since construction.
  int rebuilt() const { return rebuilt_.load(); }
  void waitForIdle() { pool_.waitForDone(); }

signals:
  // The thumbnail of key arrived, or its problem is known.
  void thumbnailReady(const QString& key);

private:
  void deliver(const QString& key, const QImage& image, const Problem& problem);

  QString folder_;
  QCache<QString, QImage> cache_;
  QSet<QString> pending_, absent_;
  QHash<QString, Problem> problems_;
  QThreadPool pool_;
  std::atomic<int> rebuilt_{0};
};

} // namespace atelier

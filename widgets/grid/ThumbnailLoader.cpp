// Thumbnail decoding, source checks and rebuilding off the GUI thread (see
// ThumbnailLoader.h).
#include "widgets/grid/ThumbnailLoader.h"

#include "core/import/item_thumbnail.h"
#include "core/metrics/thumbnail.h"
#include "widgets/render/render_file.h"

#include <QFileInfo>
#include <QImageReader>
#include <QPointer>

namespace atelier {

namespace {

// A u8 gray or RGB thumbnail as a QImage (a deep copy).
QImage to_qimage(const Image& thumb) {
  if (thumb.width() == 0 || thumb.dtype() != DType::u8) return {};
  const auto w = static_cast<int>(thumb.width()), h = static_cast<int>(thumb.height());
  const auto stride = static_cast<qsizetype>(thumb.row_bytes());
  if (thumb.channels() == 1)
    return QImage(thumb.bytes(), w, h, stride, QImage::Format_Grayscale8).copy();
  if (thumb.channels() == 3)
    return QImage(thumb.bytes(), w, h, stride, QImage::Format_RGB888).copy();
  return {};
}

QImage decode(const QString& path) {
  QImage image;
  if (QFileInfo::exists(path)) QImageReader(path).read(&image);
  return image;
}

} // namespace

ThumbnailLoader::ThumbnailLoader(QString folder, qint64 budget_bytes, QObject* parent)
    : QObject(parent), folder_(std::move(folder)) {
  cache_.setMaxCost(budget_bytes);
  pool_.setMaxThreadCount(2);
}

ThumbnailLoader::~ThumbnailLoader() {
  pool_.clear();
  pool_.waitForDone();
}

void ThumbnailLoader::forgetProblems() {
  cache_.clear(); // decoded images are checked again too
  problems_.clear();
  absent_.clear();
}

QImage ThumbnailLoader::request(const QString& key, const QString& source, const QString& format) {
  if (key.isEmpty()) return {};
  if (const QImage* hit = cache_.object(key)) return *hit;
  if (pending_.contains(key) || absent_.contains(key)) return {};
  pending_.insert(key);
  const QString path = folder_ + "/" + key + ".jpg";
  const QString rendered =
      folder_ + "/" + QString::fromStdString(render::rendered_thumbnail_key(key.toStdString())) +
      ".jpg";
  QPointer<ThumbnailLoader> self(this);
  std::atomic<int>* rebuilt = &rebuilt_; // the pool is drained before the loader dies
  pool_.start([self, key, path, rendered, source, format, rebuilt] {
    QImage image = decode(rendered);
    if (image.isNull()) image = decode(path);
    Problem problem;
    if (!source.isEmpty() && !QFileInfo::exists(source)) {
      problem = {tr("missing"),
                 tr("Source file missing: %1 (moved or deleted; Project › Relink Dataset… "
                    "points its dataset at the new folder)")
                     .arg(source)};
    } else if (image.isNull() && !source.isEmpty()) {
      // Deleted or damaged cache file: make it again from the source.
      try {
        const Image thumb = import::item_thumbnail(source.toStdString(), format.toStdString());
        image = to_qimage(thumb);
        if (!image.isNull()) {
          ++*rebuilt;
          try {
            metrics::write_thumbnail(thumb, path.toStdString());
          } catch (const std::exception&) {
            // A read-only or full cache: the image is still shown.
          }
        }
      } catch (const std::exception& e) {
        problem = {tr("unreadable"), QString::fromStdString(e.what())};
      }
    }
    if (!self) return;
    QMetaObject::invokeMethod(
        self.data(),
        [self, key, image, problem] {
          if (self) self->deliver(key, image, problem);
        },
        Qt::QueuedConnection);
  });
  return {};
}

void ThumbnailLoader::deliver(const QString& key, const QImage& image, const Problem& problem) {
  pending_.remove(key);
  if (!problem.tag.isEmpty()) problems_.insert(key, problem);
  if (image.isNull()) {
    absent_.insert(key);
    if (!problem.tag.isEmpty()) emit thumbnailReady(key);
    return;
  }
  cache_.insert(key, new QImage(image), std::max<qint64>(1, image.sizeInBytes()));
  emit thumbnailReady(key);
}

} // namespace atelier

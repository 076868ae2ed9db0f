// Viewer controls and keys (see ViewerPanel.h).
#include "widgets/viewer/ViewerPanel.h"

#include "core/base/error.h"
#include "core/display/display_presets.h"
#include "core/io/file_inspect.h"
#include "core/metrics/cryoem_metrics.h"
#include "core/metrics/plane.h"
#include "core/spatial/volume_float.h"
#include "widgets/viewer/ContrastHistogram.h"
#include "widgets/viewer/ImageViewer.h"
#include "widgets/viewer/label_overlay.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMessageBox>
#include <QPointer>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace atelier {
namespace {

enum WindowMode { kAuto = 0, kFull = 1, kManual = 2, kFirstPreset = 3 };
constexpr int kMean = -1, kComposite = -2;
constexpr int kHistogramBins = 256;

} // namespace

ViewerPanel::ViewerPanel(QWidget* parent) : QWidget(parent) {
  viewer_ = new ImageViewer(this);
  viewer_->installEventFilter(this);
  colormap_ = new QComboBox(this);
  colormap_->setObjectName("colormap");
  colormap_->addItems({"gray", "inverted", "viridis", "magma"});
  window_ = new QComboBox(this);
  window_->setObjectName("window");
  window_->addItems({tr("Auto (0.5–99.5%)"), tr("Full range"), tr("Manual")});
  window_->setToolTip(tr("Display window; drag its limits on the histogram below, or drag "
                         "on the image with the right button: across for width, up and down "
                         "for level"));
  gamma_ = new QSlider(Qt::Horizontal, this);
  gamma_->setRange(20, 500); // gamma 0.2 .. 5, as hundredths
  gamma_->setValue(100);
  gamma_->setMaximumWidth(120);
  gamma_->setToolTip(tr("Gamma"));
  spectrum_ = new QToolButton(this);
  spectrum_->setText(tr("Spectrum"));
  spectrum_->setCheckable(true);
  spectrum_->setToolTip(tr("Log power spectrum, tile-averaged (P)"));
  flatten_ = new QToolButton(this);
  flatten_->setText(tr("Flatten"));
  flatten_->setCheckable(true);
  flatten_->setChecked(true);
  flatten_->setEnabled(false); // with the spectrum only
  flatten_->setToolTip(tr("Subtract the spectrum's smooth radial background so Thon rings, "
                          "astigmatism and drift stand out (B)"));
  bands_ = new QComboBox(this);
  bands_->setObjectName("bands");
  bands_->setToolTip(tr("Band shown, or an RGB composite of three bands"));
  stretch_ = new QComboBox(this);
  stretch_->addItems({tr("stretch R"), tr("stretch G"), tr("stretch B")});
  stretch_->setToolTip(tr("The composite band whose window the histogram shows and edits"));
  frame_ = new QSlider(Qt::Horizontal, this);
  frame_->setObjectName("frame");
  frame_->setToolTip(tr("Frame or slice (Up/Down)"));
  frame_label_ = new QLabel(this);

  // The bar gives way before the image does: combos shrink to a few
  // characters, and the panel can be narrower than its controls' natural
  // width (beside the grid and the metrics on a laptop screen).
  for (QComboBox* c : {colormap_, window_, bands_, stretch_}) {
    c->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    c->setMinimumContentsLength(5);
  }
  setMinimumWidth(320);
  auto* bar = new QHBoxLayout;
  bar->addWidget(colormap_);
  bar->addWidget(window_);
  bar->addWidget(new QLabel(tr("γ"), this));
  bar->addWidget(gamma_);
  bar->addWidget(spectrum_);
  bar->addWidget(flatten_);
  bar->addWidget(bands_);
  for (int c = 0; c < 3; ++c) {
    rgb_[c] = new QSpinBox(this);
    rgb_[c]->setPrefix(QStringLiteral("RGB").mid(c, 1) + " ");
    rgb_[c]->setToolTip(tr("Band shown in %1")
                            .arg(c == 0   ? tr("red")
                                 : c == 1 ? tr("green")
                                          : tr("blue")));
    bar->addWidget(rgb_[c]);
    connect(rgb_[c], &QSpinBox::valueChanged, this, [this] { present(true); });
  }
  bar->addWidget(stretch_);
  labels_ = new QPushButton(tr("&Labels…"), this);
  labels_->setToolTip(tr("Draw a label image (segmentation) of the same size over this image"));
  label_opacity_ = new QSlider(Qt::Horizontal, this);
  label_opacity_->setRange(0, 100);
  label_opacity_->setValue(50);
  label_opacity_->setMaximumWidth(90);
  label_opacity_->setToolTip(tr("Label opacity"));
  label_opacity_->setEnabled(false);
  legend_ = new QLabel(this);
  legend_->setTextFormat(Qt::RichText);
  bar->addWidget(labels_);
  bar->addWidget(label_opacity_);
  bar->addWidget(legend_);
  bar->addStretch(1);
  auto* frames = new QHBoxLayout;
  frames->addWidget(frame_, 1);
  frames->addWidget(frame_label_);
  histogram_ = new ContrastHistogram(this);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(bar);
  layout->addWidget(viewer_, 1);
  // An item that cannot be shown (its file moved) says why in the image's place.
  problem_ = new QLabel(this);
  problem_->setObjectName("viewerProblem");
  problem_->setAlignment(Qt::AlignCenter);
  problem_->setWordWrap(true);
  problem_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  problem_->setFocusPolicy(Qt::StrongFocus); // the item keys still step on
  problem_->installEventFilter(this);
  problem_->hide();
  layout->addWidget(problem_, 1);
  layout->addLayout(frames);
  layout->addWidget(histogram_);
  frame_->hide();
  frame_label_->hide();
  bands_->hide();
  stretch_->hide();
  for (QSpinBox* s : rgb_)
    s->hide();

  connect(colormap_, &QComboBox::currentIndexChanged, this, [this] { applyControls(); });
  connect(window_, &QComboBox::currentIndexChanged, this, [this] { applyControls(); });
  connect(gamma_, &QSlider::valueChanged, this, [this] { applyControls(); });
  connect(spectrum_, &QToolButton::toggled, this, [this](bool on) {
    flatten_->setEnabled(on);
    present(false);
  });
  connect(flatten_, &QToolButton::toggled, this, [this] {
    if (spectrum()) present(true);
  });
  connect(bands_, &QComboBox::currentIndexChanged, this, [this] { present(true); });
  connect(stretch_, &QComboBox::currentIndexChanged, this, [this] { updateHistogram(); });
  connect(frame_, &QSlider::valueChanged, this, [this](int v) { readFrame(v); });
  connect(histogram_, &ContrastHistogram::limitsChanged, this, [this](double lo, double hi) {
    setManualWindow({lo, hi});
  });
  // Right-drag on the image: window/level of the shown plane, or of the
  // composite band the histogram edits.
  connect(viewer_, &ImageViewer::windowDragged, this, [this](double dx, double dy) {
    setManualWindow(display::dragged_window(editedWindow(), dx, dy));
  });
  connect(histogram_, &ContrastHistogram::resetRequested, this,
          [this] { window_->setCurrentIndex(kAuto); });
  connect(viewer_, &ImageViewer::hovered, this,
          [this](int x, int y, double, const QString& text) { showReadout(x, y, text); });
  connect(label_opacity_, &QSlider::valueChanged, this, [this](int v) {
    if (!viewer_->overlay().isNull()) viewer_->setOverlay(viewer_->overlay(), v / 100.0);
  });
  connect(labels_, &QPushButton::clicked, this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open label image"), QString(),
                                     tr("Label images (*.tif *.tiff *.png *.mrc);;All files (*)"));
    if (path.isEmpty()) return;
    QString error;
    try {
      const std::string p = path.toStdString();
      if (!setLabelOverlay(import::read_preview_image(p, inspect_file(p)), &error))
        QMessageBox::warning(this, tr("Labels"), path + ": " + error);
    } catch (const Error& e) {
      QMessageBox::warning(this, tr("Labels"), QString::fromStdString(e.what()));
    }
  });
}

bool ViewerPanel::setLabelOverlay(const Image& labels, QString* error) {
  const metrics::FloatPlane& plane = viewer_->plane();
  if (labels.width() != plane.width || labels.height() != plane.height) {
    if (error)
      *error = tr("the labels are %1 x %2, the image %3 x %4")
                   .arg(labels.width())
                   .arg(labels.height())
                   .arg(plane.width)
                   .arg(plane.height);
    return false;
  }
  try {
    viewer_->setOverlay(label_overlay(labels, &overlay_labels_), label_opacity_->value() / 100.0);
  } catch (const Error& e) {
    if (error) *error = QString::fromStdString(e.message());
    return false;
  }
  legend_->setText(label_legend_html(overlay_labels_, 8));
  label_opacity_->setEnabled(true);
  return true;
}

void ViewerPanel::clearLabelOverlay() {
  viewer_->setOverlay(QImage());
  overlay_labels_.clear();
  legend_->clear();
  label_opacity_->setEnabled(false);
}

void ViewerPanel::setImage(const Image& image) {
  setItem(image, QString(), FileInfo{});
}

void ViewerPanel::showProblem(const QString& path, const QString& reason) {
  clearLabelOverlay();
  ++reads_;
  image_ = Image();
  path_ = path;
  problem_->setText(
      tr("<b>Cannot show %1</b><br><br>%2").arg(path.toHtmlEscaped(), reason.toHtmlEscaped()));
  viewer_->hide();
  histogram_->hide();
  frame_->hide();
  frame_label_->hide();
  problem_->show();
}

QString ViewerPanel::problemText() const {
  return problem_->isHidden() ? QString() : problem_->text();
}

void ViewerPanel::setItem(const Image& preview, const QString& path, const FileInfo& info) {
  problem_->hide();
  viewer_->show();
  histogram_->show();
  clearLabelOverlay();
  ++reads_; // a frame read of the previous item is dropped
  image_ = preview;
  path_ = path;
  info_ = info;
  frames_ = path.isEmpty() ? import::ItemFrames{} : import::item_frames(info);
  shown_frame_ = frames_.preview;
  nodata_ = info.nodata;

  // DICOM: the file's window and the modality's presets; MONOCHROME1 inverted.
  presets_.clear();
  QStringList names;
  if (info.format == "dicom") {
    for (const auto& p : display::dicom_window_presets(info.extra_text("modality"),
                                                       info.extra_number("window_center"),
                                                       info.extra_number("window_width"))) {
      presets_.push_back({p.center, p.width});
      names << QString::fromStdString(p.name);
    }
    if (display::dicom_inverted(info.extra_text("photometric")))
      colormap_->setCurrentText("inverted");
    else if (colormap_->currentText() == "inverted")
      colormap_->setCurrentText("gray");
  } else if (info.format == "nifti" && preview.width() > 0) {
    // NIfTI names no modality: a slice in Hounsfield units gets the CT windows.
    const metrics::FloatPlane plane = metrics::band_plane(preview, 0);
    const auto st = metrics::finite_stats(plane.data.data(), plane.data.size());
    if (st.count && display::looks_like_hounsfield(st.min, st.max))
      for (const auto& p : display::dicom_window_presets("CT", std::nullopt, std::nullopt)) {
        presets_.push_back({p.center, p.width});
        names << QString::fromStdString(p.name);
      }
  }
  {
    QSignalBlocker block(window_);
    const int keep = window_->currentIndex();
    while (window_->count() > kFirstPreset)
      window_->removeItem(kFirstPreset);
    window_->addItems(names);
    // A file's own window is what its maker meant; otherwise keep the choice.
    const bool file_window = !names.isEmpty() && names.first().startsWith("File");
    window_->setCurrentIndex(file_window ? kFirstPreset : std::min(keep, int(kManual)));
  }
  {
    QSignalBlocker block(frame_);
    frame_->setRange(frames_.preview < 0 ? -1 : 0, int(frames_.count - 1));
    frame_->setValue(int(frames_.preview));
  }
  frame_->setVisible(frames_.count > 1);
  frame_label_->setVisible(frames_.count > 1);
  frame_label_->setText(shown_frame_ < 0 ? tr("sum of %1 frames").arg(frames_.count)
                                         : tr("%1 / %2").arg(shown_frame_ + 1).arg(frames_.count));
  rebuildBands();
  present(false);
}

void ViewerPanel::rebuildBands() {
  const int n = int(image_.channels());
  QSignalBlocker block(bands_);
  bands_->clear();
  bands_->setVisible(n > 1);
  if (n <= 1) {
    for (QSpinBox* s : rgb_)
      s->hide();
    stretch_->hide();
    return;
  }
  bands_->addItem(tr("Mean of bands"), kMean);
  for (int b = 0; b < n; ++b) {
    const QString name = b < int(info_.band_names.size()) && !info_.band_names[b].empty()
                             ? QString::fromStdString(info_.band_names[b])
                             : QString();
    bands_->addItem(
        name.isEmpty() ? tr("Band %1").arg(b + 1) : tr("Band %1 (%2)").arg(b + 1).arg(name), b);
  }
  if (n >= 3) bands_->addItem(tr("RGB composite"), kComposite);
  const auto natural = display::natural_colour_bands(info_.band_names, n);
  for (int c = 0; c < 3; ++c) {
    QSignalBlocker spin(rgb_[c]);
    rgb_[c]->setRange(1, n);
    rgb_[c]->setValue(natural ? (*natural)[c] + 1 : std::min(c + 1, n));
  }
  bands_->setCurrentIndex(natural ? bands_->count() - 1 : 0);
}

int ViewerPanel::bandMode() const {
  return bands_->count() ? bands_->currentData().toInt() : kMean;
}

void ViewerPanel::setBandMode(int mode) {
  const int i = bands_->findData(mode);
  if (i >= 0) bands_->setCurrentIndex(i);
}

bool ViewerPanel::spectrum() const {
  return spectrum_->isChecked();
}

void ViewerPanel::setSpectrum(bool on) {
  spectrum_->setChecked(on);
}

QStringList ViewerPanel::windowPresets() const {
  QStringList out;
  for (int i = kFirstPreset; i < window_->count(); ++i)
    out << window_->itemText(i);
  return out;
}

void ViewerPanel::present(bool keep_view) {
  if (image_.pixel_count() == 0) {
    viewer_->setPlane({}, {}, keep_view);
    histogram_->setHistogram({}, 0, 1);
    return;
  }
  const int mode = bandMode();
  const bool composite = mode == kComposite && !spectrum();
  for (QSpinBox* s : rgb_)
    s->setVisible(composite);
  stretch_->setVisible(composite);
  // A band (or the band mean) as float, nodata as NaN (transparent).
  const auto plane_of = [this](int band) {
    metrics::FloatPlane p =
        band < 0 ? metrics::mean_plane(image_) : metrics::band_plane(image_, band);
    if (nodata_)
      for (float& v : p.data)
        if (v == *nodata_) v = std::nanf("");
    return p;
  };
  if (spectrum()) {
    try {
      metrics::PowerSpectrumOptions o;
      // Smaller, half-overlapping tiles and up to 64 of them: a smoother
      // picture than the metrics' 16 tiles of 512 (rings over noise).
      o.tile = 256;
      o.overlap = 0.5;
      o.max_tiles = 64;
      o.plan = metrics::PlanEffort::measure; // on the GUI thread: never seconds of planning
      metrics::FloatPlane ps = metrics::power_spectrum_image(plane_of(mode < 0 ? kMean : mode), o);
      if (flatten_->isChecked()) metrics::flatten_spectrum_background(ps);
      viewer_->setPlane(std::move(ps), Spacing{}, keep_view);
    } catch (const Error& e) {
      emit failed(tr("No power spectrum: %1").arg(QString::fromStdString(e.message())));
      QSignalBlocker block(spectrum_);
      spectrum_->setChecked(false);
      present(keep_view);
      return;
    }
  } else if (composite) {
    std::array<metrics::FloatPlane, 3> planes;
    for (int c = 0; c < 3; ++c)
      planes[static_cast<std::size_t>(c)] = plane_of(rgb_[c]->value() - 1);
    viewer_->setComposite(std::move(planes), image_.spacing, keep_view);
    auto_windows_ = viewer_->compositeWindows();
    for (int c = 0; c < 3; ++c) {
      const auto& p = viewer_->compositePlanes()[static_cast<std::size_t>(c)];
      const auto st = metrics::finite_stats(p.data.data(), p.data.size());
      full_windows_[static_cast<std::size_t>(c)] =
          st.count ? display::Window{st.min, st.max} : auto_windows_[std::size_t(c)];
    }
  } else {
    viewer_->setPlane(plane_of(mode), image_.spacing, keep_view);
  }
  auto_lo_ = viewer_->mapping().lo;
  auto_hi_ = viewer_->mapping().hi;
  min_ = auto_lo_, max_ = auto_hi_;
  const metrics::FloatPlane& plane = viewer_->plane();
  const auto st = metrics::finite_stats(plane.data.data(), plane.data.size());
  if (st.count) min_ = st.min, max_ = st.max;
  if (window_->currentIndex() != kManual) manual_lo_ = auto_lo_, manual_hi_ = auto_hi_;
  updateHistogram(); // and applies the controls
}

void ViewerPanel::updateHistogram() {
  const bool composite = viewer_->isComposite();
  const int c = stretch_->currentIndex();
  const metrics::FloatPlane& plane =
      composite ? viewer_->compositePlanes()[static_cast<std::size_t>(c)] : viewer_->plane();
  if (plane.data.empty()) return;
  // Around the automatic window, as far as the data goes: a hot pixel
  // does not squash the histogram into one bar.
  const display::Window a =
      composite ? auto_windows_[static_cast<std::size_t>(c)] : display::Window{auto_lo_, auto_hi_};
  const std::vector<float> sample = metrics::sample_values(plane);
  const auto st = metrics::finite_stats(sample.data(), sample.size());
  const double span = a.hi - a.lo;
  const double lo = st.count ? std::max(double(st.min), a.lo - span) : a.lo;
  const double hi = st.count ? std::min(double(st.max), a.hi + span) : a.hi;
  const QColor colour = !composite ? QColor(170, 170, 170)
                        : c == 0   ? QColor(220, 80, 80)
                        : c == 1   ? QColor(80, 200, 80)
                                   : QColor(90, 130, 240);
  histogram_->setHistogram(value_histogram(sample.data(), sample.size(), lo, hi, kHistogramBins),
                           lo, hi, colour);
  applyControls();
}

display::Window ViewerPanel::editedWindow() const {
  if (viewer_->isComposite())
    return viewer_->compositeWindows()[static_cast<std::size_t>(stretch_->currentIndex())];
  return {viewer_->mapping().lo, viewer_->mapping().hi};
}

void ViewerPanel::setManualWindow(display::Window w) {
  if (viewer_->isComposite()) {
    if (window_->currentIndex() != kManual) manual_windows_ = viewer_->compositeWindows();
    manual_windows_[static_cast<std::size_t>(stretch_->currentIndex())] = w;
  } else {
    manual_lo_ = w.lo, manual_hi_ = w.hi;
  }
  QSignalBlocker block(window_);
  window_->setCurrentIndex(kManual);
  applyControls();
}

void ViewerPanel::applyControls() {
  display::DisplayMapping m = viewer_->mapping();
  m.colormap = static_cast<display::Colormap>(colormap_->currentIndex()); // listed in enum order
  m.gamma = gamma_->value() / 100.0;
  const int w = window_->currentIndex();
  if (viewer_->isComposite()) {
    viewer_->setMapping(m); // the gamma
    const auto& windows = w == kFull     ? full_windows_
                          : w == kManual ? manual_windows_
                                         : auto_windows_;
    viewer_->setCompositeWindows(windows);
    const auto& shown = windows[static_cast<std::size_t>(stretch_->currentIndex())];
    histogram_->setLimits(shown.lo, shown.hi);
    return;
  }
  if (w >= kFirstPreset && w - kFirstPreset < int(presets_.size())) {
    const Preset& p = presets_[static_cast<std::size_t>(w - kFirstPreset)];
    const display::Window dw = display::dicom_window(p.center, p.width);
    m.lo = dw.lo, m.hi = dw.hi;
  } else {
    m.lo = w == kFull ? min_ : w == kManual ? manual_lo_ : auto_lo_;
    m.hi = w == kFull ? max_ : w == kManual ? manual_hi_ : auto_hi_;
  }
  if (!(m.hi > m.lo)) m.hi = m.lo + 1.0; // a constant image's full range
  viewer_->setMapping(m);
  histogram_->setLimits(m.lo, m.hi);
}

void ViewerPanel::readFrame(std::int64_t index) {
  if (path_.isEmpty() || index == shown_frame_) return;
  frame_label_->setText(index < 0 ? tr("sum of %1 frames").arg(frames_.count)
                                  : tr("%1 / %2").arg(index + 1).arg(frames_.count));
  const std::uint64_t request = ++reads_;
  QPointer<ViewerPanel> self(this);
  const std::string path = path_.toStdString();
  const FileInfo info = info_;
  (void)QtConcurrent::run([self, request, path, info, index] {
    Image image;
    QString error;
    try {
      image = import::read_item_frame(path, info, index);
    } catch (const std::exception& e) {
      error = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(
        QCoreApplication::instance(),
        [self, request, index, image = std::move(image), error] {
          if (!self || self->reads_ != request) return; // moved on meanwhile
          if (!error.isEmpty()) {
            emit self->failed(error);
            return;
          }
          self->image_ = image;
          self->shown_frame_ = index;
          self->present(true);
          emit self->frameShown(index);
        },
        Qt::QueuedConnection);
  });
}

void ViewerPanel::showReadout(int x, int y, const QString& text) {
  if (!spectrum()) {
    emit hovered(text);
    return;
  }
  // The spectrum's pixel (x, y) is the spatial frequency ((x - n/2) / n,
  // (y - n/2) / n) cycles per pixel.
  const double n = double(viewer_->plane().width);
  const double f = std::hypot(x - n / 2, y - n / 2) / n;
  const double px = metrics::pixel_size_in_A(image_.spacing);
  QString out = tr("frequency %1 1/px").arg(f, 0, 'g', 3);
  if (f > 0)
    out += px > 0 ? tr(", resolution %1 Å").arg(px / f, 0, 'f', 2)
                  : tr(", period %1 px").arg(1.0 / f, 0, 'f', 2);
  emit hovered(out);
}

bool ViewerPanel::eventFilter(QObject* watched, QEvent* event) {
  if ((watched == viewer_ || watched == problem_) && event->type() == QEvent::KeyPress) {
    switch (static_cast<QKeyEvent*>(event)->key()) {
    case Qt::Key_Left:
    case Qt::Key_PageUp: emit stepRequested(-1); return true;
    case Qt::Key_Right:
    case Qt::Key_PageDown: emit stepRequested(+1); return true;
    case Qt::Key_Up: frame_->setValue(frame_->value() - 1); return true;
    case Qt::Key_Down: frame_->setValue(frame_->value() + 1); return true;
    case Qt::Key_P: spectrum_->toggle(); return true;
    case Qt::Key_B:
      if (spectrum()) flatten_->toggle();
      return true;
    case Qt::Key_A: emit statusRequested('a'); return true;
    case Qt::Key_R: emit statusRequested('r'); return true;
    case Qt::Key_U: emit statusRequested('u'); return true;
    case Qt::Key_Escape: emit closeRequested(); return true;
    default: break;
    }
  }
  return QWidget::eventFilter(watched, event);
}

} // namespace atelier

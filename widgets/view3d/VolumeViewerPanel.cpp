// VolumeViewerPanel: linked slice views and the 3D view of one volume.
#include "widgets/view3d/VolumeViewerPanel.h"

#include "core/base/error.h"
#include "core/spatial/volume_float.h"
#include "core/spatial/volume_load.h"
#include "core/spatial/volume_slice.h"
#include "widgets/render/transfer_function.h"
#include "widgets/render/vtk_volume_data.h"
#include "widgets/view3d/TransferFunctionEditor.h"
#include "widgets/view3d/VtkView.h"
#include "widgets/viewer/ImageViewer.h"
#include "widgets/viewer/label_overlay.h"

#include <QColorDialog>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <array>
#include <optional>

#include <algorithm>
#include <cmath>

namespace atelier {

struct VolumeViewerPanel::Loaded {
  QString path;
  bool labels = false;
  std::shared_ptr<const Volume> volume;
  QString error;
  bool too_large = false;         // and a binned copy could be opened instead
  bool downsampled_asked = false; // this load asked for one already
  // Labels of the shown volume's size: image, values and surfaces made on
  // the loader thread (contouring a large segmentation takes seconds).
  std::optional<render::LabelData> label_data;
};

namespace {

const char* kAxisNames[3] = {"YZ", "XZ", "XY"};
// The planes of a volume shown in LPS order (oriented NIfTI).
const char* kAnatomicalNames[3] = {"Sagittal", "Coronal", "Axial"};

void name_slice_view(ImageViewer* view, const QString& name) {
  view->setToolTip(
      VolumeViewerPanel::tr("%1 slice: click to move the other slices here; "
                            "drag with the right button for window (across) and "
                            "level (up and down); Page Up/Down or Up/Down step through the slices "
                            "(with Shift by 10), Home/End go to the first/last")
          .arg(name));
}

QSlider* make_slider(int max, QWidget* parent) {
  auto* s = new QSlider(Qt::Horizontal, parent);
  s->setRange(0, max);
  return s;
}

} // namespace

VolumeViewerPanel::VolumeViewerPanel(QWidget* parent) : QWidget(parent) {
  auto* split = new QSplitter(Qt::Horizontal, this);
  auto* views = new QWidget(split);
  auto* grid = new QGridLayout(views);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->setSpacing(2);
  for (int axis = 0; axis < 3; ++axis) {
    slice_views_[axis] = new ImageViewer(views);
    name_slice_view(slice_views_[axis], kAxisNames[axis]);
    slice_views_[axis]->installEventFilter(this);
    connect(slice_views_[axis], &ImageViewer::clicked, this,
            [this, axis](int x, int y) { showVoxel(axis, x, y); });
    // Right-drag: window/level of all three views (and the 3D slices).
    connect(slice_views_[axis], &ImageViewer::windowDragged, this, [this](double dx, double dy) {
      const display::Window w = display::dragged_window({mapping_.lo, mapping_.hi}, dx, dy);
      setSliceWindow(w.lo, w.hi);
    });
    connect(slice_views_[axis], &ImageViewer::hovered, this,
            [this, axis](int u, int v, double value, const QString&) {
              emit readout(voxelReadout(axis, u, v, value));
            });
  }
  view_ = new VtkView(views);
  view_->setRenderer(scene_.renderer());
  grid->addWidget(slice_views_[2], 0, 0);
  grid->addWidget(view_, 0, 1);
  grid->addWidget(slice_views_[1], 1, 0);
  grid->addWidget(slice_views_[0], 1, 1);
  connect(view_, &VtkView::interactionStarted, this, [this] { scene_.set_interacting(true); });
  connect(view_, &VtkView::frameRendered, this, [this](double ms, bool moving) {
    if (moving) scene_.interactive_frame(ms);
    watchIso();
  });
  // A large volume's full-resolution isosurface comes from a worker thread;
  // the surface of the binned volume stands in until it is installed.
  scene_.set_background_iso(true);
  iso_poll_ = new QTimer(this);
  iso_poll_->setInterval(50);
  connect(iso_poll_, &QTimer::timeout, this, [this] {
    if (scene_.poll_iso()) view_->requestRender();
    watchIso();
  });
  connect(view_, &VtkView::interactionFinished, this, [this] {
    scene_.set_interacting(false);
    view_->requestRender();
  });
  connect(view_, &VtkView::resetRequested, this, &VolumeViewerPanel::resetView);

  auto* scroll = new QScrollArea(split);
  auto* controls = new QWidget(scroll);
  buildControls(controls);
  scroll->setWidget(controls);
  scroll->setWidgetResizable(true);
  scroll->setMinimumWidth(controls->sizeHint().width() + 24);
  split->setStretchFactor(0, 4);
  split->setStretchFactor(1, 1);

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(split);

  loader_ = new QFutureWatcher<std::shared_ptr<Loaded>>(this);
  connect(loader_, &QFutureWatcherBase::finished, this, &VolumeViewerPanel::finishLoad);
}

VolumeViewerPanel::~VolumeViewerPanel() {
  loader_->waitForFinished();
  view_->setRenderer(nullptr);
}

void VolumeViewerPanel::buildControls(QWidget* controls) {
  auto* form = new QFormLayout(controls);
  info_ = new QLabel(tr("No volume"), controls);
  info_->setWordWrap(true);
  form->addRow(info_);

  mode_ = new QComboBox(controls);
  mode_->addItem(tr("Isosurface"), int(render::VolumeMode::iso));
  mode_->addItem(tr("Volume rendering"), int(render::VolumeMode::volume));
  mode_->addItem(tr("Slices"), int(render::VolumeMode::slices));
  form->addRow(tr("&3D mode"), mode_);
  connect(mode_, &QComboBox::currentIndexChanged, this,
          [this] { setMode(render::VolumeMode(mode_->currentData().toInt())); });

  level_ = new QDoubleSpinBox(controls);
  level_->setDecimals(4);
  level_->setRange(-1e30, 1e30);
  level_->setToolTip(tr("Contour level in data units"));
  sigma_ = new QDoubleSpinBox(controls);
  sigma_->setDecimals(2);
  sigma_->setRange(-50, 50);
  sigma_->setSingleStep(0.1);
  sigma_->setSuffix(tr(" σ"));
  sigma_->setToolTip(tr("Contour level in standard deviations above the mean"));
  form->addRow(tr("Iso &level"), level_);
  form->addRow(tr("Iso level (σ)"), sigma_);
  iso_status_ = new QLabel(controls);
  iso_status_->setObjectName("iso_status");
  iso_status_->setWordWrap(true);
  iso_status_->hide();
  form->addRow(iso_status_);
  connect(level_, &QDoubleSpinBox::valueChanged, this, [this](double v) {
    if (syncing_) return;
    scene_.set_iso_level(v);
    syncIsoControls();
    view_->requestRender();
  });
  connect(sigma_, &QDoubleSpinBox::valueChanged, this, [this](double s) {
    if (!syncing_) setIsoSigma(s);
  });

  iso_colour_ = new QPushButton(tr("Colour…"), controls);
  connect(iso_colour_, &QPushButton::clicked, this, [this] {
    const QColor c = QColorDialog::getColor(QColor(184, 204, 235), this, tr("Isosurface colour"));
    if (!c.isValid()) return;
    scene_.set_iso_colour(c.redF(), c.greenF(), c.blueF());
    view_->requestRender();
  });
  iso_opacity_ = make_slider(100, controls);
  iso_opacity_->setValue(100);
  connect(iso_opacity_, &QSlider::valueChanged, this, [this](int v) {
    scene_.set_iso_opacity(v / 100.0);
    view_->requestRender();
  });
  form->addRow(tr("Iso colour"), iso_colour_);
  form->addRow(tr("Iso opacity"), iso_opacity_);

  preset_ = new QComboBox(controls);
  preset_->addItem(tr("Cryo-EM density"), "cryoem");
  preset_->addItem(tr("CT / MRI"), "ct");
  preset_->addItem(tr("EM stack (dark = dense)"), "em");
  form->addRow(tr("&Transfer preset"), preset_);
  transfer_ = new TransferFunctionEditor(controls);
  form->addRow(transfer_);
  connect(preset_, &QComboBox::currentIndexChanged, this, [this] {
    if (!volume_) return;
    applyPreset();
    transfer_->setPoints(scene_.transfer());
    view_->requestRender();
  });
  connect(transfer_, &TransferFunctionEditor::transferChanged, this,
          [this](const std::vector<render::TransferPoint>& points) {
            scene_.set_transfer(points);
            view_->requestRender();
          });

  window_ = new QComboBox(controls);
  window_->setToolTip(tr("Contrast of the slice views: mean ± 3σ, the full range, CT windows "
                         "for volumes in Hounsfield units, or Manual"));
  form->addRow(tr("Slice &window"), window_);
  auto* window_range = new QHBoxLayout;
  for (QDoubleSpinBox** box : {&window_lo_, &window_hi_}) {
    *box = new QDoubleSpinBox(controls);
    (*box)->setDecimals(4);
    (*box)->setRange(-1e30, 1e30);
    (*box)->setKeyboardTracking(false);
    window_range->addWidget(*box);
  }
  window_lo_->setToolTip(tr("Value shown black in the slice views"));
  window_hi_->setToolTip(tr("Value shown white in the slice views"));
  form->addRow(tr("Black / white"), window_range);
  connect(window_, &QComboBox::activated, this, [this](int i) {
    if (i >= 0 && i < int(window_presets_.size()))
      applySliceWindow(window_presets_[std::size_t(i)].window.lo,
                       window_presets_[std::size_t(i)].window.hi);
  });
  for (QDoubleSpinBox* box : {window_lo_, window_hi_})
    connect(box, &QDoubleSpinBox::valueChanged, this, [this] {
      if (!syncing_) setSliceWindow(window_lo_->value(), window_hi_->value());
    });

  time_ = make_slider(0, controls);
  time_label_ = new QLabel(tr("Volume"), controls);
  form->addRow(time_label_, time_);
  connect(time_, &QSlider::valueChanged, this, [this](int t) { setTimePoint(t); });

  const char* slider_names[3] = {"Slice &X", "Slice &Y", "Slice &Z"};
  for (int axis = 0; axis < 3; ++axis) {
    slice_sliders_[axis] = make_slider(0, controls);
    form->addRow(tr(slider_names[axis]), slice_sliders_[axis]);
    connect(slice_sliders_[axis], &QSlider::valueChanged, this,
            [this, axis](int v) { setSlice(axis, v); });
  }

  auto* labels = new QPushButton(tr("Open &labels…"), controls);
  connect(labels, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open label volume"), QFileInfo(name_).absolutePath(),
        tr("Volumes (*.mrc *.map *.rec *.nii *.nii.gz *.tif *.tiff);;All files (*)"));
    if (!path.isEmpty()) openLabels(path);
  });
  label_opacity_ = make_slider(100, controls);
  label_opacity_->setValue(50);
  connect(label_opacity_, &QSlider::valueChanged, this, [this](int v) {
    scene_.set_label_opacity(v / 100.0);
    refreshSlices();
    view_->requestRender();
  });
  legend_ = new QLabel(controls);
  legend_->setTextFormat(Qt::RichText);
  form->addRow(labels);
  form->addRow(tr("Label opacity"), label_opacity_);
  form->addRow(legend_);

  auto* buttons = new QHBoxLayout;
  auto* reset = new QPushButton(tr("&Reset view"), controls);
  reset->setToolTip(tr("Reset the 3D camera (R in the 3D view)"));
  connect(reset, &QPushButton::clicked, this, &VolumeViewerPanel::resetView);
  auto* shot = new QPushButton(tr("Screens&hot…"), controls);
  connect(shot, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save screenshot"),
                                                      QFileInfo(name_).completeBaseName() + ".png",
                                                      tr("PNG images (*.png)"));
    if (!path.isEmpty() && !saveScreenshot(path))
      emit failed(tr("%1: cannot write the screenshot").arg(path));
  });
  buttons->addWidget(reset);
  buttons->addWidget(shot);
  form->addRow(buttons);
}

void VolumeViewerPanel::openFile(const QString& path) {
  startLoad(path, false, false);
}

void VolumeViewerPanel::openLabels(const QString& path) {
  startLoad(path, true, false);
}

void VolumeViewerPanel::startLoad(const QString& path, bool labels, bool downsample) {
  loader_->waitForFinished();
  info_->setText(tr("Loading %1…").arg(QFileInfo(path).fileName()));
  // Labels are put in the order the volume is shown in (a TIFF stack over
  // a reoriented NIfTI volume).
  std::shared_ptr<const Volume> shown = labels ? volume_ : nullptr;
  loader_->setFuture(QtConcurrent::run([path, labels, downsample, shown] {
    auto out = std::make_shared<Loaded>();
    out->path = path;
    out->labels = labels;
    out->downsampled_asked = downsample;
    try {
      VolumeLoadOptions options;
      options.downsample_to_fit = downsample && !labels;
      Volume loaded = load_volume(path.toStdString(), options);
      if (shown) loaded = labels_in_shown_order(std::move(loaded), *shown);
      if (shown && loaded.nx() == shown->nx() && loaded.ny() == shown->ny() &&
          loaded.nz() == shown->nz()) {
        std::array<double, 3> spacing;
        render::spacing_for_vtk(*shown, spacing.data());
        out->label_data = render::prepare_labels(loaded, spacing);
      }
      out->volume = std::make_shared<const Volume>(std::move(loaded));
    } catch (const VolumeTooLargeError& e) {
      out->error = QString::fromStdString(e.message());
      out->too_large = e.can_downsample();
    } catch (const Error& e) {
      out->error = QString::fromStdString(e.what());
    } catch (const std::bad_alloc&) {
      out->error = path + tr(": not enough memory to load it");
    }
    return out;
  }));
}

void VolumeViewerPanel::finishLoad() {
  const std::shared_ptr<Loaded> r = loader_->result();
  if (!r->volume) {
    // Asked once only: a binned load that still fails is reported.
    const bool may_bin = r->too_large && !r->downsampled_asked && !r->labels &&
                         downsample_ != DownsamplePolicy::never;
    if (may_bin && (downsample_ == DownsamplePolicy::always ||
                    QMessageBox::question(this, tr("Volume too large"),
                                          r->error + "\n\n" + tr("Open it downsampled?")) ==
                        QMessageBox::Yes)) {
      startLoad(r->path, false, true);
      return;
    }
    info_->setText(volume_ ? info_->text() : tr("No volume"));
    emit failed(r->error);
    return;
  }
  if (r->labels) {
    if (setLabels(r->volume, std::move(r->label_data))) emit loaded(r->path);
    return;
  }
  setVolume(r->volume, r->path);
  emit loaded(r->path);
}

void VolumeViewerPanel::setVolume(std::shared_ptr<const Volume> volume, const QString& name) {
  volume_ = std::move(volume);
  labels_.reset();
  name_ = name;
  t_ = 0;
  scene_.set_volume(volume_, 0);
  applyPreset(); // the preset shown, fitted to this volume
  scene_.set_mode(render::VolumeMode(mode_->currentData().toInt()));
  const bool series = volume_->nt() > 1;
  time_->setVisible(series);
  time_label_->setVisible(series);
  {
    const QSignalBlocker block(time_);
    time_->setRange(0, int(volume_->nt() - 1));
    time_->setValue(0);
  }
  const std::int64_t n[3] = {volume_->nx(), volume_->ny(), volume_->nz()};
  for (int axis = 0; axis < 3; ++axis) {
    const QSignalBlocker block(slice_sliders_[axis]);
    slice_sliders_[axis]->setRange(0, int(n[axis] - 1));
    slice_sliders_[axis]->setValue(int(scene_.slice(axis)));
  }
  const auto& s = volume_->spacing;
  QString text = tr("%1\n%2 × %3 × %4 %5")
                     .arg(QFileInfo(name).fileName())
                     .arg(n[0])
                     .arg(n[1])
                     .arg(n[2])
                     .arg(QString::fromStdString(std::string(dtype_name(volume_->dtype()))));
  if (series) text += tr(", %1 volumes").arg(volume_->nt());
  if (s.known())
    text += tr("\nvoxel %1 × %2 × %3 %4")
                .arg(s.xyz[0], 0, 'g', 4)
                .arg(s.xyz[1], 0, 'g', 4)
                .arg(s.xyz[2], 0, 'g', 4)
                .arg(QString::fromStdString(s.unit));
  const std::string* stored = volume_->metadata.find("stored_orientation");
  const std::string* shown = volume_->metadata.find("shown_orientation");
  for (int axis = 0; axis < 3; ++axis)
    name_slice_view(slice_views_[axis],
                    shown ? QString("%1 (%2)").arg(tr(kAnatomicalNames[axis])).arg(kAxisNames[axis])
                          : QString(kAxisNames[axis]));
  if (stored && shown)
    text += tr("\nshown %1 (stored %2)")
                .arg(QString::fromStdString(*shown))
                .arg(QString::fromStdString(*stored));
  if (const std::string* b = volume_->metadata.find("downsampled_by"))
    text += tr("\ndownsampled by %1").arg(QString::fromStdString(*b));
  if (scene_.stats().nonfinite > 0)
    text += tr("\n%1 NaN/Inf voxels shown as the minimum").arg(scene_.stats().nonfinite);
  info_->setText(text);
  syncIsoControls();
  refreshWindowPresets(); // and the slices

  refreshLegend();
  refreshTransferEditor();
  for (ImageViewer* v : slice_views_)
    v->fit();
  resetView();
}

bool VolumeViewerPanel::setLabels(std::shared_ptr<const Volume> labels) {
  return setLabels(std::move(labels), std::nullopt);
}

bool VolumeViewerPanel::setLabels(std::shared_ptr<const Volume> labels,
                                  std::optional<render::LabelData> prepared) {
  try {
    if (prepared)
      scene_.set_labels(std::move(*prepared));
    else
      scene_.set_labels(*labels);
  } catch (const Error& e) {
    emit failed(QString::fromStdString(e.message()));
    return false;
  }
  labels_ = std::move(labels);
  refreshSlices();
  refreshLegend();
  view_->requestRender();
  return true;
}

void VolumeViewerPanel::setMode(render::VolumeMode mode) {
  scene_.set_mode(mode);
  const int index = mode_->findData(int(mode));
  if (mode_->currentIndex() != index) {
    const QSignalBlocker block(mode_);
    mode_->setCurrentIndex(index);
  }
  const bool iso = mode == render::VolumeMode::iso;
  level_->setEnabled(iso);
  sigma_->setEnabled(iso);
  preset_->setEnabled(mode == render::VolumeMode::volume);
  transfer_->setEnabled(mode == render::VolumeMode::volume);
  view_->requestRender();
}

void VolumeViewerPanel::watchIso() {
  const bool pending = scene_.iso_pending();
  if (pending && !iso_poll_->isActive()) iso_poll_->start();
  if (!pending) iso_poll_->stop();
  iso_status_->setVisible(pending);
  if (pending)
    iso_status_->setText(tr("Computing the full-resolution surface; showing the volume binned "
                            "by %1 meanwhile")
                             .arg(scene_.iso_binning_at_rest()));
}

void VolumeViewerPanel::setIsoSigma(double sigma) {
  scene_.set_iso_level(sigma_level(scene_.stats(), sigma));
  syncIsoControls();
  view_->requestRender();
}

void VolumeViewerPanel::syncIsoControls() {
  syncing_ = true;
  const double sd = scene_.stats().stddev;
  level_->setSingleStep(sd > 0 ? sd / 10 : 0.1);
  level_->setValue(scene_.iso_level());
  sigma_->setValue(sd > 0 ? (scene_.iso_level() - scene_.stats().mean) / sd : 0.0);
  syncing_ = false;
}

void VolumeViewerPanel::setSlice(int axis, std::int64_t index) {
  if (!volume_) return;
  scene_.set_slice(axis, index);
  {
    const QSignalBlocker block(slice_sliders_[axis]);
    slice_sliders_[axis]->setValue(int(scene_.slice(axis)));
  }
  refreshSlices();
  view_->requestRender();
}

void VolumeViewerPanel::setTimePoint(std::int64_t t) {
  if (!volume_ || t < 0 || t >= volume_->nt() || t == t_) return;
  t_ = t;
  // Only the voxels change: level, transfer, slices and label surfaces stay.
  scene_.set_time_point(volume_, t);
  {
    const QSignalBlocker block(time_);
    time_->setValue(int(t));
  }
  time_label_->setText(tr("Volume %1").arg(t));
  syncIsoControls();
  refreshTransferEditor();
  refreshSlices();
  view_->requestRender();
}

void VolumeViewerPanel::applyPreset() {
  scene_.set_transfer(render::transfer_preset(
      render::parse_transfer_preset(preset_->currentData().toString().toStdString()),
      scene_.stats()));
}

void VolumeViewerPanel::refreshSlices() {
  if (!volume_) return;
  const std::int64_t s[3] = {scene_.slice(0), scene_.slice(1), scene_.slice(2)};
  for (int axis = 0; axis < 3; ++axis) {
    ImageViewer* v = slice_views_[axis];
    // keep_view: moving the cursor or a slider keeps each view's zoom (a
    // slice of another size is fitted anew).
    v->setImage(volume_slice(*volume_, axis, s[axis], t_), true);
    v->setMapping(mapping_); // one contrast for all three views and every slice
    if (labels_)
      v->setOverlay(label_overlay(volume_slice(*labels_, axis, s[axis], 0, false)),
                    label_opacity_->value() / 100.0);
    else
      v->setOverlay(QImage());
  }
  // The shared cursor: where the other two slices cut each view.
  for (int axis = 0; axis < 3; ++axis) {
    const auto uv = slice_pixel(*volume_, axis, {s[0], s[1], s[2]});
    slice_views_[axis]->setCrosshair(QPointF(double(uv[0]), double(uv[1])));
  }
}

void VolumeViewerPanel::refreshWindowPresets() {
  const auto& st = scene_.stats();
  window_presets_ = display::volume_window_presets(st.min, st.max, st.mean, st.stddev);
  {
    const QSignalBlocker block(window_);
    window_->clear();
    for (const display::NamedWindow& w : window_presets_)
      window_->addItem(QString::fromStdString(w.name));
    window_->addItem(tr("Manual"));
    window_->setCurrentIndex(0);
  }
  applySliceWindow(window_presets_.front().window.lo, window_presets_.front().window.hi);
}

void VolumeViewerPanel::setSliceWindow(double lo, double hi) {
  if (!(hi > lo)) hi = lo + 1; // never an empty window
  {
    const QSignalBlocker block(window_);
    window_->setCurrentIndex(window_->count() - 1); // Manual
  }
  applySliceWindow(lo, hi);
}

void VolumeViewerPanel::applySliceWindow(double lo, double hi) {
  mapping_.lo = lo;
  mapping_.hi = hi;
  scene_.set_slice_window(lo, hi); // the 3D slices too: one contrast everywhere
  syncing_ = true;
  window_lo_->setValue(lo);
  window_hi_->setValue(hi);
  syncing_ = false;
  refreshSlices();
  view_->requestRender();
}

void VolumeViewerPanel::refreshTransferEditor() {
  const auto& st = scene_.stats();
  const auto dims = scene_.dims();
  const std::size_t n = std::size_t(dims[0] * dims[1] * dims[2]);
  transfer_->setHistogram(st.min, st.max, value_histogram(scene_.voxels(), n, st.min, st.max, 128));
  transfer_->setPoints(scene_.transfer());
}

void VolumeViewerPanel::refreshLegend() {
  if (!labels_) {
    legend_->clear();
    return;
  }
  legend_->setText(label_legend_html(scene_.labels()));
}

bool VolumeViewerPanel::eventFilter(QObject* watched, QEvent* event) {
  if (event->type() != QEvent::KeyPress || !volume_) return QWidget::eventFilter(watched, event);
  int axis = 0;
  while (axis < 3 && slice_views_[axis] != watched)
    ++axis;
  if (axis == 3) return QWidget::eventFilter(watched, event);
  const auto* key = static_cast<QKeyEvent*>(event);
  const std::int64_t n[3] = {volume_->nx(), volume_->ny(), volume_->nz()};
  const std::int64_t step = key->modifiers() & Qt::ShiftModifier ? 10 : 1;
  const std::int64_t at = scene_.slice(axis);
  std::int64_t to = at;
  switch (key->key()) {
  case Qt::Key_PageUp:
  case Qt::Key_Up: to = at + step; break;
  case Qt::Key_PageDown:
  case Qt::Key_Down: to = at - step; break;
  case Qt::Key_Home: to = 0; break;
  case Qt::Key_End: to = n[axis] - 1; break;
  default: return QWidget::eventFilter(watched, event);
  }
  setSlice(axis, std::clamp<std::int64_t>(to, 0, n[axis] - 1));
  return true;
}

void VolumeViewerPanel::showVoxel(int axis, int x, int y) {
  if (!volume_) return;
  const auto p = slice_voxel(*volume_, axis, scene_.slice(axis), x, y);
  for (int other = 0; other < 3; ++other)
    if (other != axis) setSlice(other, p[std::size_t(other)]);
}

QString VolumeViewerPanel::voxelReadout(int axis, int u, int v, double value) const {
  if (!volume_) return {};
  const auto p = slice_voxel(*volume_, axis, scene_.slice(axis), u, v);
  if (p[0] < 0 || p[1] < 0 || p[2] < 0 || p[0] >= volume_->nx() || p[1] >= volume_->ny() ||
      p[2] >= volume_->nz())
    return {};
  QString text = QString("x %1, y %2, z %3").arg(p[0]).arg(p[1]).arg(p[2]);
  if (volume_->nt() > 1) text += QString(", t %1").arg(t_);
  text += QString(": %1").arg(value, 0, 'g', 6);
  if (labels_ && p[0] < labels_->nx() && p[1] < labels_->ny() && p[2] < labels_->nz())
    text += tr(", label %1").arg(std::int64_t(voxel_value(*labels_, p, 0, false)));
  if (const Spacing& s = volume_->spacing; s.known())
    text += QString(" (%1, %2, %3 %4)")
                .arg(double(p[0]) * s.xyz[0], 0, 'g', 5)
                .arg(double(p[1]) * (s.xyz[1] > 0 ? s.xyz[1] : s.xyz[0]), 0, 'g', 5)
                .arg(double(p[2]) * (s.xyz[2] > 0 ? s.xyz[2] : s.xyz[0]), 0, 'g', 5)
                .arg(QString::fromStdString(s.unit));
  return text;
}

void VolumeViewerPanel::resetView() {
  scene_.reset_camera();
  view_->requestRender();
}

bool VolumeViewerPanel::saveScreenshot(const QString& path) {
  return view_->screenshot().save(path, "PNG");
}

} // namespace atelier

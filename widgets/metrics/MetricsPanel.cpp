// Metric histogram with brushing and bulk curation (see MetricsPanel.h).
#include "widgets/metrics/MetricsPanel.h"

#include "core/project/filter_expr.h"
#include "widgets/metrics/HistogramView.h"
#include "widgets/metrics/ScatterView.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalBlocker>
#include <QVBoxLayout>

#include <algorithm>

namespace atelier {
namespace {
constexpr int kBins = 64;
constexpr const char* kBrushed = "brushed";

// The filter field of a metric: metric.NAME, so a metric called like a
// column (say "size") is still the metric.
QString metric_field(const QString& name) {
  return "metric." + name;
}
} // namespace

MetricsPanel::MetricsPanel(std::shared_ptr<project::Project> project, QWidget* parent)
    : QWidget(parent), project_(std::move(project)) {
  metric_ = new QComboBox(this);
  metric_->setToolTip(tr("Metric"));
  versus_ = new QComboBox(this);
  versus_->setToolTip(tr("A second metric: the scatter of the two"));
  histogram_ = new HistogramView(this);
  scatter_ = new ScatterView(this);
  scatter_->hide();
  summary_ = new QLabel(this);
  summary_->setWordWrap(true);
  filter_button_ = new QPushButton(tr("Filter"), this);
  filter_button_->setToolTip(tr("Show only the items in the brushed range"));
  accept_ = new QPushButton(tr("Accept"), this);
  reject_ = new QPushButton(tr("Reject"), this);
  for (auto* b : {filter_button_, accept_, reject_})
    b->setEnabled(false);

  auto* buttons = new QHBoxLayout;
  buttons->addWidget(filter_button_);
  buttons->addWidget(accept_);
  buttons->addWidget(reject_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  auto* choosers = new QHBoxLayout;
  choosers->addWidget(metric_, 1);
  choosers->addWidget(new QLabel(tr("vs"), this));
  choosers->addWidget(versus_, 1);
  layout->addLayout(choosers);
  layout->addWidget(histogram_, 1);
  layout->addWidget(scatter_, 1);
  layout->addWidget(summary_);
  layout->addLayout(buttons);

  connect(metric_, &QComboBox::currentTextChanged, this, [this] {
    remember();
    redraw();
  });
  connect(versus_, &QComboBox::currentIndexChanged, this, [this] {
    remember();
    redraw();
  });
  auto enable = [this](bool on) {
    for (auto* b : {filter_button_, accept_, reject_})
      b->setEnabled(on);
  };
  connect(histogram_, &HistogramView::rangeSelected, this, [this, enable](double lo, double hi) {
    enable(true);
    try {
      summary_->setText(tr("%1 items in %2 … %3")
                            .arg(project_->count_items(rangeFilter().toStdString()))
                            .arg(lo, 0, 'g', 4)
                            .arg(hi, 0, 'g', 4));
    } catch (const std::exception& e) {
      summary_->setText(QString::fromStdString(e.what()));
    }
  });
  connect(histogram_, &HistogramView::rangeCleared, this, [enable] { enable(false); });
  connect(scatter_, &ScatterView::selectionChanged, this,
          [this, enable](const std::vector<std::int64_t>& ids) {
            brushed_ = false;
            enable(false);
            if (ids.empty()) return;
            try {
              project_->save_selection(kBrushed, ids);
              brushed_ = true;
              enable(true);
              summary_->setText(tr("%1 items brushed").arg(ids.size()));
            } catch (const std::exception& e) {
              emit message(QString::fromStdString(e.what()));
            }
          });
  connect(filter_button_, &QPushButton::clicked, this,
          [this] { emit filterRequested(rangeFilter()); });
  connect(accept_, &QPushButton::clicked, this,
          [this] { applyStatus(project::CurationStatus::accept); });
  connect(reject_, &QPushButton::clicked, this,
          [this] { applyStatus(project::CurationStatus::reject); });
  reload();
}

void MetricsPanel::setFilter(const QString& filter) {
  filter_ = filter;
  redraw();
}

void MetricsPanel::persistSettings(const QString& group) {
  QSettings settings;
  wanted_metric_ = settings.value(group + "/metric").toString();
  wanted_versus_ = settings.value(group + "/versus").toString();
  settings_group_ = group;
  reload();
}

void MetricsPanel::remember() {
  if (settings_group_.isEmpty() || metric_->currentText().isEmpty()) return;
  wanted_metric_.clear();
  QSettings settings;
  settings.setValue(settings_group_ + "/metric", metric_->currentText());
  settings.setValue(settings_group_ + "/versus",
                    versus_->currentIndex() > 0 ? versus_->currentText() : QString());
}

void MetricsPanel::reload() {
  QString current = metric_->currentText();
  QString versus = versus_->currentText();
  QSignalBlocker block(metric_), block_versus(versus_);
  metric_->clear();
  versus_->clear();
  versus_->addItem(tr("(histogram)"));
  try {
    for (const auto& name : project_->metric_names()) {
      metric_->addItem(QString::fromStdString(name));
      versus_->addItem(QString::fromStdString(name));
    }
  } catch (const std::exception& e) {
    emit message(QString::fromStdString(e.what()));
  }
  // The metrics remembered for the project win once they exist (an import
  // may bring them later); a choice made meanwhile forgets them.
  if (!wanted_metric_.isEmpty() && metric_->findText(wanted_metric_) >= 0) {
    current = wanted_metric_;
    versus = wanted_versus_;
    wanted_metric_.clear();
  }
  versus_->setCurrentIndex(std::max(0, versus_->findText(versus)));
  // Without a choice yet: a metric that says something about quality (a
  // CTF fit's resolution from STAR files, Thon-ring visibility, the noise),
  // not the alphabetically first.
  int keep = metric_->findText(current);
  for (const char* preferred : {"ctf_max_resolution_A", "thon_visibility", "noise_sigma", "mean"})
    if (keep < 0) keep = metric_->findText(preferred);
  metric_->setCurrentIndex(std::max(keep, 0));
  redraw();
}

void MetricsPanel::redraw() {
  const QString name = metric_->currentText();
  const QString versus = versus_->currentIndex() > 0 ? versus_->currentText() : QString();
  brushed_ = false;
  histogram_->setVisible(versus.isEmpty());
  scatter_->setVisible(!versus.isEmpty());
  if (!versus.isEmpty()) {
    project::MetricScatter points;
    try {
      points =
          project_->metric_scatter(name.toStdString(), versus.toStdString(), filter_.toStdString());
    } catch (const std::exception& e) {
      emit message(QString::fromStdString(e.what()));
    }
    summary_->setText(tr("%1 items with both metrics").arg(points.ids.size()));
    scatter_->setData(std::move(points), name, versus);
    for (auto* b : {filter_button_, accept_, reject_})
      b->setEnabled(false);
    return;
  }
  project::MetricHistogram h;
  if (!name.isEmpty()) {
    try {
      h = project_->metric_histogram(name.toStdString(), filter_.toStdString(), kBins);
    } catch (const std::exception& e) {
      emit message(QString::fromStdString(e.what()));
    }
  }
  histogram_->setHistogram(h);
  for (auto* b : {filter_button_, accept_, reject_})
    b->setEnabled(false);
  summary_->setText(name.isEmpty()
                        ? tr("No metrics yet")
                        : tr("%1 items, %2 without %3").arg(h.items).arg(h.missing).arg(name));
}

QString MetricsPanel::rangeFilter() const {
  if (scatter_->isVisibleTo(this)) {
    if (!brushed_) return {};
    const QString test = QString("selection = \"%1\"").arg(kBrushed);
    return QString::fromStdString(project::filter_and(filter_.toStdString(), test.toStdString()));
  }
  const auto range = histogram_->range();
  if (!range || metric_->currentText().isEmpty()) return {};
  const QString field = metric_field(metric_->currentText());
  // Full precision, so the range's end points stay inside it.
  const QString test = QStringLiteral("%1 >= %2 and %1 <= %3")
                           .arg(field, QString::number(range->first, 'g', 17),
                                QString::number(range->second, 'g', 17));
  return QString::fromStdString(project::filter_and(filter_.toStdString(), test.toStdString()));
}

std::size_t MetricsPanel::applyStatus(project::CurationStatus status) {
  const QString filter = rangeFilter();
  if (filter.isEmpty()) return 0;
  try {
    const auto ids = project_->query_ids(filter.toStdString());
    if (!ids.empty()) project_->set_status(ids, status);
    emit message(tr("%1 items set to %2").arg(ids.size()).arg(project::to_string(status)));
    emit itemsChanged();
    return ids.size();
  } catch (const std::exception& e) {
    emit message(QString::fromStdString(e.what()));
    return 0;
  }
}

} // namespace atelier

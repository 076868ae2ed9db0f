// MetricsPanel: the histogram of one metric over the grid's current filter,
// or, with a second metric chosen, the scatter of the two. Brushing a range
// (histogram) or a lasso / rectangle (scatter) and pressing Filter narrows
// the grid to those items; Accept or Reject sets the status of every item
// brushed (within the filter): "reject everything with CTF resolution worse
// than 6 Å" is a drag and a click. Each bulk change is one undoable event.
// A scatter brush is kept as the project's selection "brushed".
#pragma once

#include "core/project/project.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QPushButton;

namespace atelier {

class HistogramView;
class ScatterView;

class MetricsPanel : public QWidget {
  Q_OBJECT
public:
  explicit MetricsPanel(std::shared_ptr<project::Project> project, QWidget* parent = nullptr);

  HistogramView& histogram() { return *histogram_; }
  QComboBox& metricChooser() { return *metric_; }
  // The second metric ("" for the histogram of the first alone).
  QComboBox& versusChooser() { return *versus_; }
  ScatterView& scatter() { return *scatter_; }
  // The filter the histogram is drawn for (the grid's).
  void setFilter(const QString& filter);
  // Re-reads metric names and the histogram (after an import or a change).
  void reload();
  // Restores the metrics chosen last time under this QSettings group and
  // keeps the choice there from now on.
  void persistSettings(const QString& group);
  // The grid filter for the brushed range, or empty without one.
  QString rangeFilter() const;
  // Sets the status of the items in the brushed range; returns how many.
  std::size_t applyStatus(project::CurationStatus status);

signals:
  void filterRequested(const QString& filter); // "Filter" pressed
  void itemsChanged();                         // statuses changed
  void message(const QString& text);

private:
  void redraw();
  void remember();

  std::shared_ptr<project::Project> project_;
  QString filter_;
  QString settings_group_, wanted_metric_, wanted_versus_;
  QComboBox* metric_ = nullptr;
  QComboBox* versus_ = nullptr;
  HistogramView* histogram_ = nullptr;
  ScatterView* scatter_ = nullptr;
  bool brushed_ = false; // the scatter's selection is saved as "brushed"
  QLabel* summary_ = nullptr;
  QPushButton* filter_button_ = nullptr;
  QPushButton* accept_ = nullptr;
  QPushButton* reject_ = nullptr;
};

} // namespace atelier

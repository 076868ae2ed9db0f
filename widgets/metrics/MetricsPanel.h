// MetricsPanel: the histogram of one metric over the grid's current filter.
// Brushing a range and pressing Filter narrows the grid to it; Accept or
// Reject sets the status of every item in the range (within the filter):
// "reject everything with CTF resolution worse than 6 Å" is a drag and a
// click. Each bulk change is one undoable event.
#pragma once

#include "core/project/project.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QPushButton;

namespace atelier {

class HistogramView;

class MetricsPanel : public QWidget {
  Q_OBJECT
public:
  explicit MetricsPanel(std::shared_ptr<project::Project> project, QWidget* parent = nullptr);

  HistogramView& histogram() { return *histogram_; }
  QComboBox& metricChooser() { return *metric_; }
  // The filter the histogram is drawn for (the grid's).
  void setFilter(const QString& filter);
  // Re-reads metric names and the histogram (after an import or a change).
  void reload();
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

  std::shared_ptr<project::Project> project_;
  QString filter_;
  QComboBox* metric_ = nullptr;
  HistogramView* histogram_ = nullptr;
  QLabel* summary_ = nullptr;
  QPushButton* filter_button_ = nullptr;
  QPushButton* accept_ = nullptr;
  QPushButton* reject_ = nullptr;
};

} // namespace atelier

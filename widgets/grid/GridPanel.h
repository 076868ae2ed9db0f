// GridPanel: the curation grid of a project. A filter bar (the filter
// language, e.g. "ctf_max_resolution_A < 6 and status != reject"), a sort
// key (any column or metric, "-" for descending), a thumbnail size slider,
// and a virtualised thumbnail grid. Keys: A accept, R reject, U unset (the
// selection), Space opens the current item, 1-9 toggle the label set's
// labels of those keys (set on all when any lacks it, else removed), Ctrl+Z / Ctrl+Shift+Z undo and
// redo; every change is one undoable event in the project, shared with the command line.
// A project open read-only refuses curation with a message. Tiles of items
// whose file is missing or unreadable show the problem (ThumbnailLoader).
#pragma once

#include "core/project/project.h"

#include <QWidget>

#include <memory>

class QLabel;
class QLineEdit;
class QListView;
class QSlider;

namespace atelier {

class ItemGridDelegate;
class ItemGridModel;
class ThumbnailLoader;

class GridPanel : public QWidget {
  Q_OBJECT
public:
  explicit GridPanel(std::shared_ptr<project::Project> project, QWidget* parent = nullptr);
  ~GridPanel() override;

  ItemGridModel& model() { return *model_; }
  QListView& view() { return *view_; }
  ThumbnailLoader& thumbnails() { return *thumbnails_; }

  // Applies a filter and sort; returns the error for a bad filter (shown
  // under the bar; the grid keeps its rows).
  QString setQuery(const QString& filter, const QString& sort);
  // Puts filter in the bar and applies it with the current sort.
  QString applyFilter(const QString& filter);
  // Re-reads rows and counts after changes made elsewhere.
  void refresh();
  // Checks the items' source files and thumbnails again (after a relink).
  void recheckFiles();
  // Restores the filter, sort and thumbnail size kept under this QSettings
  // group and keeps them there from now on (the app's per-project memory).
  void persistSettings(const QString& group);
  // Emits countsChanged with the current totals.
  void publishCounts();
  // Curation of the selected items; no-ops without a selection.
  void setSelectedStatus(project::CurationStatus status);
  void toggleSelectedLabel(const QString& label);
  // Re-reads the project's label set: key k toggles the label whose key is
  // k (the label named "k" when none is), chips take the set's colours.
  void reloadLabelSet();
  // The label key k (1-9) toggles.
  QString labelForKey(int k) const;
  // Moves the current item (and the selection) by delta rows and opens it.
  void step(int delta);
  bool undo();
  bool redo();
  // Ids of the selected items, in row order.
  std::vector<std::int64_t> selectedIds() const;

signals:
  // Totals of the whole project and the filtered count, for the status bar.
  void countsChanged(qint64 total, qint64 accepted, qint64 rejected, qint64 filtered);
  void message(const QString& text);
  // A new filter took effect (for the metrics panel).
  void queryChanged(const QString& filter);
  // Space or a double-click on an item: show it in the viewer.
  void openRequested(qint64 item_id);
  // The grid's current item moved (0: none), for the properties dock.
  void currentItemChanged(qint64 item_id);

private:
  void applyBar();
  // True (and a message) when the project is open read-only.
  bool refuseWrite();
  // Undo (forward false) or redo the project's last change, with a message.
  bool replay(bool forward);

  std::shared_ptr<project::Project> project_;
  ThumbnailLoader* thumbnails_ = nullptr;
  ItemGridModel* model_ = nullptr;
  ItemGridDelegate* delegate_ = nullptr;
  QLineEdit* filter_ = nullptr;
  QLineEdit* sort_ = nullptr;
  QSlider* size_ = nullptr;
  QLabel* error_ = nullptr;
  QListView* view_ = nullptr;
  QString key_labels_[10]; // by key 1-9
  QString settings_group_; // empty: nothing is remembered
};

} // namespace atelier

// A two-column (property, value) table model over one file's FileInfo.
#pragma once

#include "core/io/file_info_rows.h"

#include <QAbstractTableModel>

namespace atelier {

class FileInfoTableModel : public QAbstractTableModel {
  Q_OBJECT
public:
  using QAbstractTableModel::QAbstractTableModel;

  void setInfo(const FileInfo& info);
  void clear();

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

private:
  std::vector<InfoRow> rows_;
};

} // namespace atelier

#include "widgets/inspect/FileInfoTableModel.h"

namespace atelier {

void FileInfoTableModel::setInfo(const FileInfo& info) {
  beginResetModel();
  rows_ = file_info_rows(info);
  endResetModel();
}

void FileInfoTableModel::clear() {
  beginResetModel();
  rows_.clear();
  endResetModel();
}

int FileInfoTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int FileInfoTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : 2;
}

QVariant FileInfoTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= rowCount() ||
      (role != Qt::DisplayRole && role != Qt::ToolTipRole))
    return {};
  const auto& [key, value] = rows_[static_cast<std::size_t>(index.row())];
  return QString::fromStdString(index.column() == 0 ? key : value);
}

QVariant FileInfoTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  return section == 0 ? tr("Property") : tr("Value");
}

} // namespace atelier

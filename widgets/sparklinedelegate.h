#pragma once

#include <QStyledItemDelegate>

namespace cutover {

// Draws a small line of recent values (ServiceModel::TrendRole) inside a table cell, scaled to
// its own range, with the latest value as a dot.
class SparklineDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    SparklineDelegate(int trendRole, QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_role;
};

} // namespace cutover

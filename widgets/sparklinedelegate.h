#pragma once

#include <QStyledItemDelegate>

namespace cutover {

// Draws a small line of recent values (ServiceModel::TrendRole) inside a table cell, scaled to
// its own range, with the latest value as a dot; grey where `staleRole` says the values are old.
class SparklineDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    SparklineDelegate(int trendRole, int staleRole, QObject *parent = nullptr);
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    int m_role;
    int m_staleRole;
};

} // namespace cutover

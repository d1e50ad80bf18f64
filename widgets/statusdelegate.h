#pragma once

#include <QStyledItemDelegate>

namespace cutover {

// Paints a health status as a coloured dot and word, greyed out (and struck through) when the
// model says the data is stale: an old "healthy" must never look like a current one.
class StatusDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    static QColor colorFor(int healthStatus);
};

} // namespace cutover

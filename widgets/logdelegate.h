#pragma once

#include <QFont>
#include <QStyledItemDelegate>

namespace cutover {

// Paints a LogTableModel cell: level and status colours (errors red, warnings amber), monospace
// where columns must line up (time, path, numbers, request id), gap rows tinted, and the text or
// regex matches (MatchRangesRole) highlighted behind the text. One line per cell, elided.
class LogDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    explicit LogDelegate(QWidget *view);

    void paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    static bool isMonospaced(int column);
    static QColor errorColor();

private:
    QFont m_fixed; // looked up once: the font database is not free per cell
};

} // namespace cutover

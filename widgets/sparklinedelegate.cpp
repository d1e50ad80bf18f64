#include "sparklinedelegate.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace cutover {

SparklineDelegate::SparklineDelegate(int trendRole, int staleRole, QObject *parent)
    : QStyledItemDelegate(parent)
    , m_role(trendRole)
    , m_staleRole(staleRole)
{
}

void SparklineDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    const QWidget *widget = opt.widget;
    (widget ? widget->style() : QApplication::style())->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const QList<float> values = index.data(m_role).value<QList<float>>();
    QList<float> finite;
    for (float v : values)
        if (std::isfinite(v))
            finite << v;
    if (finite.size() < 2)
        return;
    const auto [lo, hi] = std::minmax_element(finite.begin(), finite.end());
    const double low = std::min(0.0, double(*lo)), high = std::max(double(*hi), low + 1e-9);
    const QRectF r = QRectF(opt.rect).adjusted(6, 5, -8, -5);
    QPainterPath path;
    for (qsizetype i = 0; i < finite.size(); ++i) {
        const QPointF p(r.left() + r.width() * double(i) / double(finite.size() - 1),
                        r.bottom() - r.height() * (double(finite[i]) - low) / (high - low));
        if (i == 0)
            path.moveTo(p);
        else
            path.lineTo(p);
    }
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    // Grey once the numbers are old, like the text beside it.
    const QColor line = opt.state & QStyle::State_Selected ? opt.palette.color(QPalette::HighlightedText)
        : index.data(m_staleRole).toBool()     ? opt.palette.color(QPalette::Disabled, QPalette::Text)
                                                           : QColor(0x25, 0x63, 0xeb);
    painter->setPen(QPen(line, 1.4));
    painter->drawPath(path);
    painter->setBrush(line);
    painter->setPen(Qt::NoPen);
    painter->drawEllipse(path.currentPosition(), 2.2, 2.2);
    painter->restore();
}

QSize SparklineDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    return QStyledItemDelegate::sizeHint(option, index).expandedTo(QSize(120, 24));
}

} // namespace cutover

#include "statusdelegate.h"

#include "models/servicemodel.h"

#include <QApplication>
#include <QPainter>

namespace cutover {

QColor StatusDelegate::colorFor(int status)
{
    switch (HealthStatus(status)) {
    case HealthStatus::Healthy: return QColor(0x2e, 0x9e, 0x5b);
    case HealthStatus::Degraded: return QColor(0xe0, 0x9b, 0x1a);
    case HealthStatus::Unhealthy: return QColor(0xd6, 0x3b, 0x3b);
    case HealthStatus::Unknown: return QColor(0x8a, 0x8f, 0x98);
    }
    return Qt::gray;
}

void StatusDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    const QWidget *widget = opt.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);

    const bool stale = index.data(ServiceModel::StaleRole).toBool();
    QColor dot = colorFor(index.data(ServiceModel::StatusRole).toInt());
    if (stale)
        dot = QColor(0xb0, 0xb4, 0xba);
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QRect r = opt.rect.adjusted(8, 0, -4, 0);
    const int d = qMin(10, r.height() - 6);
    const QRect dotRect(r.left(), r.center().y() - d / 2, d, d);
    painter->setPen(Qt::NoPen);
    painter->setBrush(dot);
    painter->drawEllipse(dotRect);
    QFont f = opt.font;
    f.setBold(!stale && HealthStatus(index.data(ServiceModel::StatusRole).toInt()) != HealthStatus::Healthy);
    f.setStrikeOut(stale);
    painter->setFont(f);
    painter->setPen(stale ? opt.palette.color(QPalette::Disabled, QPalette::Text)
                          : (opt.state & QStyle::State_Selected ? opt.palette.color(QPalette::HighlightedText)
                                                                : opt.palette.color(QPalette::Text)));
    painter->drawText(r.adjusted(d + 8, 0, 0, 0), Qt::AlignVCenter | Qt::AlignLeft, text);
    painter->restore();
}

QSize StatusDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QSize s = QStyledItemDelegate::sizeHint(option, index);
    s.setWidth(s.width() + 28);
    return s;
}

} // namespace cutover

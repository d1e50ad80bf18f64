#include "logdelegate.h"

#include "models/logtablemodel.h"

#include <QApplication>
#include <QFontDatabase>
#include <QPainter>

#include <algorithm>

namespace cutover {

namespace {

const QColor kErrorColor(0xc6, 0x28, 0x28);
const QColor kWarnColor(0xa8, 0x6a, 0x00);
const QColor kDebugColor(0x80, 0x86, 0x90);
const QColor kGapBackground(0xff, 0xf3, 0xd1);
const QColor kGapText(0x7a, 0x52, 0x00);
const QColor kMatchBackground(0xff, 0xe0, 0x66);

} // namespace

LogDelegate::LogDelegate(QWidget *view)
    : QStyledItemDelegate(view)
    , m_fixed(QFontDatabase::systemFont(QFontDatabase::FixedFont))
{
    m_fixed.setPointSizeF(view->font().pointSizeF());
}

bool LogDelegate::isMonospaced(int column)
{
    return column == LogTableModel::TimeColumn || column == LogTableModel::PathColumn
        || column == LogTableModel::RequestIdColumn || column == LogTableModel::LatencyColumn
        || column == LogTableModel::StatusColumn;
}

QColor LogDelegate::errorColor()
{
    return kErrorColor;
}

void LogDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    const QString text = opt.text;
    opt.text.clear();
    const bool gap = index.data(LogTableModel::IsGapRole).toBool();
    const bool selected = opt.state & QStyle::State_Selected;
    if (gap && !selected)
        opt.backgroundBrush = kGapBackground;
    const QWidget *widget = opt.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
    if (text.isEmpty())
        return;

    const int column = index.column();
    QFont font = isMonospaced(column) ? m_fixed : opt.font;
    QColor color = opt.palette.color(QPalette::Text);
    if (gap) {
        color = kGapText;
        font.setItalic(true);
        font.setBold(index.data(LogTableModel::IsRestartRole).toBool());
    } else if (column == LogTableModel::LevelColumn) {
        switch (LogLevel(index.data(LogTableModel::LevelRole).toInt())) {
        case LogLevel::Error: color = kErrorColor; font.setBold(true); break;
        case LogLevel::Warn: color = kWarnColor; font.setBold(true); break;
        case LogLevel::Debug: color = kDebugColor; break;
        case LogLevel::Info: break;
        }
    } else if (column == LogTableModel::StatusColumn) {
        const int status = index.data(LogTableModel::StatusRole).toInt();
        if (status >= 500) {
            color = kErrorColor;
            font.setBold(true);
        } else if (status >= 400) {
            color = kWarnColor;
        }
    }
    if (selected)
        color = opt.palette.color(QPalette::HighlightedText);
    else if (!gap && index.data(LogTableModel::PreviousInstanceRole).toBool())
        color.setAlphaF(0.45f); // from before the gateway restarted: dimmed under the marker's word

    painter->save();
    painter->setFont(font);
    const QFontMetrics fm(font);
    // Right-aligned numbers keep a gap to the (left-aligned) column after them.
    const int rightPad = opt.displayAlignment & Qt::AlignRight ? 6 : 4;
    const QRect rect = style->subElementRect(QStyle::SE_ItemViewItemText, &opt, widget).adjusted(3, 0, -rightPad, 0);
    const QString shown = fm.elidedText(text, Qt::ElideRight, rect.width());
    painter->setClipRect(rect);
    const auto ranges = index.data(LogTableModel::MatchRangesRole).value<MatchRanges>();
    if (!ranges.isEmpty() && !selected && !(opt.displayAlignment & Qt::AlignRight)) {
        // Only the part that is not elided is on screen.
        const int visibleChars = shown == text ? int(text.size()) : std::max(0, int(shown.size()) - 1);
        const int visibleWidth = fm.horizontalAdvance(text.left(visibleChars));
        painter->setPen(Qt::NoPen);
        painter->setBrush(kMatchBackground);
        for (const MatchRange &r : ranges) {
            const int x = fm.horizontalAdvance(text.left(r.start));
            const int end = std::min(fm.horizontalAdvance(text.left(r.start + r.length)), visibleWidth);
            if (end > x)
                painter->drawRoundedRect(QRectF(rect.left() + x - 1, rect.top() + 2, end - x + 2, rect.height() - 4), 2, 2);
        }
    }
    painter->setPen(color);
    painter->drawText(rect, opt.displayAlignment.toInt() | Qt::TextSingleLine, shown);
    painter->restore();
}

} // namespace cutover

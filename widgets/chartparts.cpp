#include "chartparts.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFont>
#include <QFontMetricsF>
#include <QImage>
#include <QPainter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSet>

#include <algorithm>
#include <functional>
#include <cmath>
#include <limits>
#include <vector>

namespace cutover::chartparts {

namespace {

const QColor kNoDataFill(148, 163, 184, 64); // slate, light enough for the grid to show through
const QColor kNoDataText(0x47, 0x55, 0x69);

// 1, 2, 2.5 or 5 times a power of ten, at least raw.
double niceStep(double raw)
{
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / magnitude;
    const double n = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 2.5 ? 2.5 : f <= 5.0 ? 5.0 : 10.0;
    return n * magnitude;
}

// Decimals needed to print multiples of step exactly.
int decimalsFor(double step)
{
    for (int d = 0; d < 8; ++d) {
        const double scaled = step * std::pow(10.0, d);
        if (std::abs(scaled - std::round(scaled)) < 1e-6 * scaled)
            return d;
    }
    return 8;
}

QString csvField(const QString &s)
{
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n')))
        return s;
    QString quoted = s;
    quoted.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + quoted + QLatin1Char('"');
}

} // namespace

QString formatValue(ChartValueFormat format, double value)
{
    if (!std::isfinite(value))
        return QStringLiteral("\u2014");
    const double a = std::abs(value);
    const int decimals = format == ChartValueFormat::Number ? 6
        : format == ChartValueFormat::Percent             ? (a < 0.1 ? 3 : a < 10 ? 2 : 1)
                                                          : (a < 10 ? 2 : a < 1000 ? 1 : 0);
    QString text = QString::number(value, 'f', decimals);
    if (decimals > 0) {
        while (text.endsWith(QLatin1Char('0')))
            text.chop(1);
        if (text.endsWith(QLatin1Char('.')))
            text.chop(1);
    }
    switch (format) {
    case ChartValueFormat::Milliseconds: return text + QStringLiteral(" ms");
    case ChartValueFormat::Percent: return text + QStringLiteral(" %");
    case ChartValueFormat::RequestsPerSecond: return text + QStringLiteral(" req/s");
    case ChartValueFormat::Number: break;
    }
    return text;
}

QString axisLabelFormat(ChartValueFormat format, int decimals)
{
    const QString number = QStringLiteral("%.") + QString::number(decimals) + QLatin1Char('f');
    switch (format) {
    case ChartValueFormat::Milliseconds: return number + QStringLiteral(" ms");
    case ChartValueFormat::Percent: return number + QStringLiteral(" %%");
    case ChartValueFormat::RequestsPerSecond: return number + QStringLiteral("/s");
    case ChartValueFormat::Number: break;
    }
    return number;
}

ValueScale valueScale(double highest, int maxTicks)
{
    ValueScale s;
    const double top = std::isfinite(highest) && highest > 0.0 ? highest * 1.1 : 1.0;
    // niceStep() never rounds down, so this many steps at most.
    s.step = niceStep(top / double(std::clamp(maxTicks, 2, 5) - 1));
    s.top = std::ceil(top / s.step - 1e-9) * s.step;
    s.ticks = int(std::lround(s.top / s.step)) + 1;
    s.decimals = decimalsFor(s.step);
    return s;
}

qint64 tickInterval(qint64 spanMs, int maxTicks)
{
    static constexpr qint64 steps[] = {1'000, 2'000, 5'000, 10'000, 15'000, 30'000, 60'000, 120'000, 300'000,
                                       600'000, 900'000, 1'800'000, 3'600'000, 7'200'000, 10'800'000,
                                       21'600'000, 43'200'000, 86'400'000};
    for (const qint64 s : steps)
        if (spanMs / s <= maxTicks)
            return s;
    return steps[std::size(steps) - 1];
}

QList<TimeTick> timeTicks(qint64 fromMs, qint64 toMs, int maxTicks)
{
    const qint64 interval = tickInterval(toMs - fromMs, std::max(1, maxTicks));
    // Round in local time, so that hour ticks fall on the local hour.
    const qint64 offset = qint64(QDateTime::fromMSecsSinceEpoch(fromMs).offsetFromUtc()) * 1000;
    const QString format = interval < 60'000 ? QStringLiteral("HH:mm:ss") : QStringLiteral("HH:mm");
    QList<TimeTick> ticks;
    QSet<QString> used;
    for (qint64 t = ((fromMs + offset) / interval + 1) * interval - offset; t <= toMs; t += interval) {
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(t);
        QString label = interval >= 3'600'000 && at.time() == QTime(0, 0) ? at.toString(QStringLiteral("ddd d"))
                                                                           : at.toString(format);
        while (used.contains(label))
            label += QChar(0x200B); // zero width: looks the same, compares different
        used.insert(label);
        ticks.append(TimeTick {t, label});
    }
    return ticks;
}

QString lineGlyph(Qt::PenStyle style)
{
    switch (style) {
    case Qt::DashLine: return QStringLiteral("\u254D\u254D");
    case Qt::DotLine: return QStringLiteral("\u2509\u2509");
    default: return QStringLiteral("\u2501\u2501");
    }
}

static QString swatch(const QColor &color, const QString &glyph)
{
    return QStringLiteral("<span style=\"color:%1\">%2</span>").arg(color.name(), glyph);
}

// Text inside one legend entry: escaped, and never broken across lines ("p99 460.3 ms" stays whole).
static QString unbroken(const QString &text)
{
    return text.toHtmlEscaped().replace(QLatin1Char(' '), QStringLiteral("&nbsp;"));
}

QString legendHtml(const QList<LegendEntry> &series, const QList<ChartThreshold> &thresholds, ChartValueFormat format)
{
    QStringList parts;
    for (const LegendEntry &e : series)
        parts.append(swatch(e.color, lineGlyph(e.style)) + QStringLiteral("&nbsp;") + unbroken(e.name)
                     + QStringLiteral("&nbsp;<b>") + unbroken(e.value) + QStringLiteral("</b>"));
    for (const ChartThreshold &t : thresholds)
        parts.append(swatch(t.color, QStringLiteral("\u254C\u254C")) + QStringLiteral("&nbsp;") + unbroken(t.name)
                     + QStringLiteral("&nbsp;") + unbroken(formatValue(format, t.value)));
    return parts.join(QStringLiteral("&nbsp;&nbsp;&nbsp; ")); // breaks only between entries
}

qsizetype nearestIndex(const QList<QPointF> &points, double x)
{
    if (points.isEmpty())
        return -1;
    const auto it = std::lower_bound(points.cbegin(), points.cend(), x, [](const QPointF &p, double v) { return p.x() < v; });
    qsizetype i = it - points.cbegin();
    if (i == points.size() || (i > 0 && x - points.at(i - 1).x() <= points.at(i).x() - x))
        --i;
    return i;
}

std::optional<HoverHit> hoverLookup(const QList<HoverSeries> &series, ChartValueFormat format, double cursorX,
                                    double pxPerMs, double reachPx)
{
    double best = std::numeric_limits<double>::infinity();
    HoverHit hit;
    for (const HoverSeries &s : series) {
        const qsizetype i = nearestIndex(s.points, cursorX);
        if (i >= 0 && std::abs(s.points.at(i).x() - cursorX) < best) {
            best = std::abs(s.points.at(i).x() - cursorX);
            hit.x = s.points.at(i).x();
        }
    }
    if (!std::isfinite(best))
        return std::nullopt;
    const QString time = QDateTime::fromMSecsSinceEpoch(qint64(std::llround(hit.x))).toString(QStringLiteral("HH:mm:ss"));
    QStringList lines {time};
    hit.html = QStringLiteral("<div style=\"font-weight:600; margin-bottom:3px\">%1</div><table cellspacing=\"0\">").arg(time);
    for (const HoverSeries &s : series) {
        const qsizetype i = nearestIndex(s.points, hit.x);
        bool shown = i >= 0 && std::abs(s.points.at(i).x() - hit.x) * pxPerMs <= reachPx;
        if (i >= 0 && !shown) {
            // Between two connected samples (not across a gap) the nearest one still stands.
            const qsizetype next = std::upper_bound(s.points.cbegin(), s.points.cend(), hit.x,
                                                    [](double v, const QPointF &p) { return v < p.x(); })
                - s.points.cbegin();
            shown = next > 0 && next < s.points.size() && !s.segmentStarts.contains(next);
        }
        const QString value = shown ? formatValue(format, s.points.at(i).y()) : QCoreApplication::translate("ChartWidget", "no data");
        if (shown)
            hit.dots.append({s.points.at(i), s.color});
        lines.append(s.name + QLatin1Char('\t') + value);
        hit.html += QStringLiteral("<tr><td>%1&nbsp;%2</td><td align=\"right\">&nbsp;&nbsp;&nbsp;<b>%3</b></td></tr>")
                        .arg(swatch(s.color, lineGlyph(s.style)), s.name.toHtmlEscaped(), value.toHtmlEscaped());
    }
    hit.html += QStringLiteral("</table>");
    hit.text = lines.join(QLatin1Char('\n'));
    return hit;
}

QString csv(const QList<CsvColumn> &columns, double fromMs, double toMs)
{
    struct Cell
    {
        double time;
        qsizetype column;
        double value;
    };
    std::vector<Cell> cells;
    for (qsizetype c = 0; c < columns.size(); ++c)
        for (const QPointF &p : columns.at(c).points)
            if (p.x() >= fromMs && p.x() <= toMs)
                cells.push_back({p.x(), c, p.y()});
    std::stable_sort(cells.begin(), cells.end(), [](const Cell &l, const Cell &r) { return l.time < r.time; });

    QString text = QStringLiteral("time");
    for (const CsvColumn &c : columns)
        text += QLatin1Char(',') + csvField(c.name);
    text += QLatin1Char('\n');
    QStringList row;
    for (std::size_t i = 0; i < cells.size();) {
        row.fill(QString(), columns.size());
        const double t = cells[i].time;
        for (; i < cells.size() && cells[i].time == t; ++i)
            row[cells[i].column] = QString::number(cells[i].value, 'g', QLocale::FloatingPointShortest);
        text += QDateTime::fromMSecsSinceEpoch(qint64(std::llround(t)), Qt::UTC).toString(Qt::ISODateWithMs)
            + QLatin1Char(',') + row.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    return text;
}

QString writeFile(const QString &path, const QByteArray &bytes)
{
    QSaveFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.commit())
        return {};
    return QCoreApplication::translate("ChartWidget", "Could not write %1: %2")
        .arg(QDir::toNativeSeparators(path), file.errorString());
}

QByteArray pngBytes(const QImage &image)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

QString exportFileName(const QString &title, const QString &suffix)
{
    QString base = title.isEmpty() ? QStringLiteral("chart") : title.toLower();
    base.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    return base + QLatin1Char('-') + QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"))
        + QLatin1Char('.') + suffix;
}

QList<ChartMarker> markersNear(const QList<ChartMarker> &markers, double cursorX, double pxPerMs, double reachPx)
{
    QList<std::pair<double, ChartMarker>> near;
    for (const ChartMarker &m : markers) {
        const double px = std::abs(double(msOf(m.time)) - cursorX) * pxPerMs;
        if (px <= reachPx)
            near.append({px, m});
    }
    std::stable_sort(near.begin(), near.end(), [](const auto &a, const auto &b) { return a.first < b.first; });
    QList<ChartMarker> out;
    for (const auto &n : std::as_const(near))
        out.append(n.second);
    return out;
}

QString markersHtml(const QList<ChartMarker> &markers)
{
    QString html;
    for (const ChartMarker &m : markers) {
        const QString time = QDateTime::fromMSecsSinceEpoch(qint64(msOf(m.time))).toString(QStringLiteral("HH:mm:ss"));
        html += QStringLiteral("<div><span style='color:%1'>\u2503</span> <b>%2 %3</b>")
                    .arg(m.color.name(), time.toHtmlEscaped(), m.label.toHtmlEscaped());
        if (!m.detail.isEmpty())
            html += QStringLiteral("<br>") + m.detail.toHtmlEscaped().replace(QLatin1Char('\n'), QStringLiteral("<br>"));
        html += QStringLiteral("</div>");
    }
    return html;
}

QFont overlayLabelFont(const QFont &font)
{
    QFont small = font;
    small.setPointSizeF(font.pointSizeF() * 0.85);
    return small;
}

OverlayLabels layOutOverlayLabels(const Overlay &o, const QFontMetricsF &fm)
{
    OverlayLabels out;
    const QRectF plot = o.plot;
    QList<QRectF> taken;
    const auto free = [&](const QRectF &box) {
        return plot.contains(box) && std::none_of(taken.cbegin(), taken.cend(), [&](const QRectF &other) {
                   return other.intersects(box.adjusted(-2, 0, 2, 0));
               });
    };
    for (const ChartMarker &m : o.markers) {
        const double x = o.map(msOf(m.time), 0.0).x();
        QRectF box(0, 0, fm.horizontalAdvance(m.label) + 8, fm.height() + 2);
        bool placed = false;
        if (!m.label.isEmpty() && x >= plot.left() && x <= plot.right()) {
            for (int row = 0; row < 3 && !placed; ++row) {
                box.moveTopLeft(QPointF(x + 3, plot.top() + 2 + row * (box.height() + 2)));
                if (box.right() > plot.right())
                    box.moveRight(x - 3);
                placed = free(box);
            }
        }
        out.markers.append(placed ? box : QRectF());
        if (placed)
            taken.append(box);
    }
    for (const ChartThreshold &t : o.thresholds) {
        const double y = o.map(0.0, t.value).y();
        const QString text = t.name + QLatin1Char(' ') + formatValue(o.format, t.value);
        QRectF box(0, 0, fm.horizontalAdvance(text) + 8, fm.height() + 2);
        QList<double> rights {plot.right() - 4};
        for (const QRectF &other : std::as_const(taken))
            rights.append(other.left() - 4);
        std::sort(rights.begin() + 1, rights.end(), std::greater<>());
        rights.append(plot.left() + 4 + box.width());
        bool placed = false;
        for (const double right : std::as_const(rights)) {
            box.moveBottomRight(QPointF(right, y - 2)); // above the line
            placed = free(box);
            if (!placed) {
                box.moveTopRight(QPointF(right, y + 2)); // below it
                placed = free(box);
            }
            if (placed)
                break;
        }
        if (!placed) {
            box.moveBottomRight(QPointF(plot.right() - 4, y - 2));
            if (box.top() < plot.top())
                box.moveTopRight(QPointF(plot.right() - 4, y + 2));
        }
        out.thresholds.append(box);
        taken.append(box);
    }
    return out;
}

void paintOverlay(QPainter &p, const QFont &font, const Overlay &o)
{
    const QRectF plot = o.plot;
    if (plot.width() <= 0 || plot.height() <= 0 || !o.map)
        return;
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    const QFont small = overlayLabelFont(font);
    p.setFont(small);
    const OverlayLabels labels = layOutOverlayLabels(o, QFontMetricsF(small));

    // Under everything else: a time without data is a shaded band, named at its foot when it is
    // wide enough, so it never reads as a quiet stretch of real numbers.
    for (const auto &[fromX, toX] : o.noData) {
        const double left = std::max(plot.left(), o.map(fromX, 0.0).x());
        const double right = std::min(plot.right(), o.map(toX, 0.0).x());
        if (right - left < 1.0)
            continue;
        const QRectF band(QPointF(left, plot.top()), QPointF(right, plot.bottom()));
        p.fillRect(band, kNoDataFill);
        const QString text = QCoreApplication::translate("ChartWidget", "no data");
        const QFontMetricsF fm(small);
        if (fm.horizontalAdvance(text) + 8 <= band.width()) {
            p.setPen(kNoDataText);
            p.drawText(band.adjusted(0, 0, 0, -4), Qt::AlignHCenter | Qt::AlignBottom, text);
        }
    }

    for (qsizetype i = 0; i < o.markers.size(); ++i) {
        const ChartMarker &m = o.markers.at(i);
        const double x = o.map(msOf(m.time), 0.0).x();
        if (x < plot.left() || x > plot.right())
            continue;
        p.setPen(QPen(m.color, 1.5));
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        const QRectF box = labels.markers.at(i);
        if (box.isEmpty())
            continue; // the line stays, and the hover card names it
        p.setPen(Qt::NoPen);
        p.setBrush(m.color);
        p.drawRoundedRect(box, 3, 3);
        p.setPen(Qt::white);
        p.drawText(box, Qt::AlignCenter, m.label);
    }

    for (qsizetype i = 0; i < o.thresholds.size(); ++i) {
        const ChartThreshold &t = o.thresholds.at(i);
        const double y = o.map(0.0, t.value).y();
        QPen pen(t.color, 1.5, Qt::DashLine);
        pen.setDashPattern({5.0, 3.0});
        p.setPen(pen);
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y));
        const QRectF box = labels.thresholds.at(i);
        p.setPen(Qt::NoPen);
        p.setBrush(QColor(255, 255, 255, 220));
        p.drawRect(box);
        p.setPen(t.color.darker(115));
        p.drawText(box, Qt::AlignCenter, t.name + QLatin1Char(' ') + formatValue(o.format, t.value));
    }

    if (!o.emptyText.isEmpty()) {
        p.setPen(QColor(0x6b, 0x72, 0x80));
        p.drawText(plot, Qt::AlignCenter, o.emptyText);
    }

    if (o.hoverX) {
        const double x = o.map(*o.hoverX, 0.0).x();
        p.setPen(QPen(QColor(0x9c, 0xa3, 0xaf), 1.0));
        p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
        for (const auto &[value, color] : o.hoverDots) {
            p.setPen(QPen(Qt::white, 1.5));
            p.setBrush(color);
            p.drawEllipse(o.map(value.x(), value.y()), 3.5, 3.5);
        }
    }
    p.restore();
}

} // namespace cutover::chartparts

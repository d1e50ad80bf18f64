#include "displaytext.h"

namespace cutover {

bool isUnsafeForDisplay(char32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f
        || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

namespace {

QString escapeFor(char32_t c)
{
    switch (c) {
    case 0x00: return QStringLiteral("\\0");
    case 0x09: return QStringLiteral("\\t");
    case 0x0a: return QStringLiteral("\\n");
    case 0x0d: return QStringLiteral("\\r");
    case 0x1b: return QStringLiteral("\\e");
    default: break;
    }
    if (c < 0x80)
        return QStringLiteral("\\x") + QString::number(uint(c), 16).rightJustified(2, QLatin1Char('0'));
    return QStringLiteral("<U+") + QString::number(uint(c), 16).toUpper().rightJustified(4, QLatin1Char('0'))
        + QLatin1Char('>');
}

} // namespace

QString inertText(QStringView text, QList<qsizetype> *offsets)
{
    if (offsets) {
        offsets->clear();
        offsets->reserve(text.size() + 1);
    }
    if (!hasUnsafeForDisplay(text)) {
        if (offsets)
            for (qsizetype i = 0; i <= text.size(); ++i)
                offsets->append(i);
        return text.toString();
    }
    QString out;
    out.reserve(text.size() + 16);
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (offsets)
            offsets->append(out.size());
        // Every unsafe code point is in the BMP: a surrogate is never one, and passes as it is.
        const char16_t c = text.at(i).unicode();
        if (isUnsafeForDisplay(c))
            out += escapeFor(c);
        else
            out += QChar(c);
    }
    if (offsets)
        offsets->append(out.size());
    return out;
}

QString inertText(QStringView text)
{
    return inertText(text, nullptr);
}

QString inertLines(QStringView text)
{
    if (!hasUnsafeForDisplay(text))
        return text.toString();
    QString out;
    out.reserve(text.size() + 16);
    qsizetype start = 0;
    while (start <= text.size()) {
        qsizetype end = text.indexOf(u'\n', start);
        if (end < 0)
            end = text.size();
        out += inertText(text.mid(start, end - start));
        if (end < text.size())
            out += QLatin1Char('\n');
        start = end + 1;
    }
    return out;
}

QVariant inertForDisplay(const QVariant &value, int role)
{
    if (value.typeId() != QMetaType::QString)
        return value;
    if (role == Qt::DisplayRole)
        return inertText(value.toString());
    if (role == Qt::ToolTipRole)
        return inertLines(value.toString());
    return value;
}

bool hasUnsafeForDisplay(QStringView text)
{
    for (const QChar c : text)
        if (isUnsafeForDisplay(c.unicode()))
            return true;
    return false;
}

} // namespace cutover

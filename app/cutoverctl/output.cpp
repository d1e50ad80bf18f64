#include "output.h"

#include "client/displaytext.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace cutover::ctl {

Table::Table(QList<Column> columns)
    : m_columns(std::move(columns))
{
}

void Table::addRow(QStringList cells)
{
    // Cells hold gateway text: no control or bidi character reaches the terminal, and a newline
    // cannot forge a row.
    for (QString &cell : cells)
        cell = inertText(cell);
    while (cells.size() < m_columns.size())
        cells.append(QString());
    m_rows.append(std::move(cells));
}

QString Table::render() const
{
    QList<qsizetype> widths;
    for (const Column &c : m_columns)
        widths.append(displayWidth(c.title));
    for (const QStringList &row : m_rows)
        for (qsizetype i = 0; i < m_columns.size(); ++i)
            widths[i] = std::max(widths[i], displayWidth(row.at(i)));

    QString out;
    auto line = [&](const QStringList &cells) {
        QString text;
        for (qsizetype i = 0; i < m_columns.size(); ++i) {
            const QString &cell = cells.at(i);
            const qsizetype pad = widths[i] - displayWidth(cell);
            const bool last = i + 1 == m_columns.size();
            if (i > 0)
                text += QStringLiteral("  ");
            if (m_columns[i].align == Align::Right)
                text += QString(pad, QLatin1Char(' ')) + cell;
            else
                text += last ? cell : cell + QString(pad, QLatin1Char(' '));
        }
        // A right-aligned or empty last cell can leave trailing blanks; drop them.
        while (text.endsWith(QLatin1Char(' ')))
            text.chop(1);
        out += text + QLatin1Char('\n');
    };
    QStringList titles;
    for (const Column &c : m_columns)
        titles.append(c.title);
    line(titles);
    for (const QStringList &row : m_rows)
        line(row);
    return out;
}

qsizetype displayWidth(const QString &text)
{
    qsizetype width = 0;
    for (const QChar c : text)
        if (!c.isLowSurrogate() && !(c.isMark() && c.category() != QChar::Mark_SpacingCombining))
            ++width;
    return width;
}

QString elide(const QString &text, qsizetype width)
{
    if (displayWidth(text) <= width)
        return text;
    QString out;
    qsizetype used = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        const bool counts = !c.isLowSurrogate() && !(c.isMark() && c.category() != QChar::Mark_SpacingCombining);
        if (counts && used + 1 > width - 1)
            break;
        used += counts ? 1 : 0;
        out += c;
    }
    return out + QStringLiteral("…");
}

// nlohmann escapes C0 controls in strings; DEL and the C1 controls (which some terminals obey
// as CSI, OSC, …) it writes raw. They only occur inside strings, so \u escapes keep the JSON.
static std::string escapeC1(std::string text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x7f) {
            out += "\\u007f";
        } else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80
                   && static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
            static const char hex[] = "0123456789abcdef";
            const auto low = static_cast<unsigned char>(text[++i]);
            out += "\\u00";
            out += hex[low >> 4];
            out += hex[low & 0xf];
        } else {
            out += char(c);
        }
    }
    return out;
}

void printOut(const QString &text)
{
    const QByteArray utf8 = inertLines(text).toUtf8();
    std::fwrite(utf8.constData(), 1, std::size_t(utf8.size()), stdout);
    std::fflush(stdout);
}

void printErr(const QString &text)
{
    const QByteArray utf8 = inertLines(text).toUtf8();
    std::fwrite(utf8.constData(), 1, std::size_t(utf8.size()), stderr);
    std::fflush(stderr);
}

void printJson(const Json &json)
{
    const std::string text = escapeC1(json.dump(2, ' ', false, Json::error_handler_t::replace)) + '\n';
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

void printJsonLine(const Json &json)
{
    const std::string text = escapeC1(json.dump(-1, ' ', false, Json::error_handler_t::replace)) + '\n';
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

QString humanTime(const QDateTime &time)
{
    if (!time.isValid())
        return QStringLiteral("—");
    return time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) + QLatin1Char('Z');
}

Json jsonTime(const QDateTime &time)
{
    if (!time.isValid())
        return nullptr;
    return time.toUTC().toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss.zzzZ")).toStdString();
}

Json jsonString(const QString &text)
{
    if (text.isEmpty())
        return nullptr;
    return text.toStdString();
}

QString orDash(const QString &text)
{
    return text.isEmpty() ? QStringLiteral("—") : text;
}

QString formatMs(std::optional<double> ms)
{
    if (!ms || !std::isfinite(*ms))
        return QStringLiteral("—");
    return QString::number(*ms, 'f', *ms < 100 ? 1 : 0) + QStringLiteral(" ms");
}

QString formatMs(std::optional<Milliseconds> ms)
{
    return formatMs(ms ? std::optional<double>(ms->count()) : std::nullopt);
}

QString formatPercent(double fraction, int decimals)
{
    return QString::number(fraction * 100.0, 'f', decimals) + QStringLiteral(" %");
}

Json routeJson(const Route &r)
{
    return Json {{"id", r.id.toStdString()},
                 {"prefix", r.prefix.toStdString()},
                 {"service", r.service.toStdString()},
                 {"microservice_percent", r.microservicePercent},
                 {"version", r.version.toStdString()},
                 {"updated_at", jsonTime(r.updatedAt)},
                 {"updated_by", jsonString(r.updatedBy)}};
}

static Json stringArray(const QStringList &list)
{
    Json out = Json::array();
    for (const QString &s : list)
        out.push_back(s.toStdString());
    return out;
}

Json flagJson(const Flag &f)
{
    return Json {{"name", f.name.toStdString()},
                 {"enabled", f.enabled},
                 {"rollout_percent", f.rolloutPercent},
                 {"allow_users", stringArray(f.allowUsers)},
                 {"description", f.description.toStdString()},
                 {"version", f.version.toStdString()},
                 {"service", jsonString(f.service)},
                 {"routes", stringArray(f.routes)},
                 {"updated_at", jsonTime(f.updatedAt)},
                 {"updated_by", jsonString(f.updatedBy)}};
}

Json rollbackJson(const RollbackState &s)
{
    Json snapshot = nullptr;
    if (s.engaged) {
        snapshot = Json::array();
        for (const RollbackSnapshotEntry &e : s.snapshot)
            snapshot.push_back(Json {{"route", e.route.toStdString()}, {"microservice_percent", e.microservicePercent}});
    }
    return Json {{"engaged", s.engaged},
                 {"version", s.version.toStdString()},
                 {"engaged_at", jsonTime(s.engagedAt)},
                 {"engaged_by", jsonString(s.engagedBy)},
                 {"reason", jsonString(s.reason)},
                 {"snapshot", snapshot},
                 {"released_at", jsonTime(s.releasedAt)},
                 {"released_by", jsonString(s.releasedBy)}};
}

static std::string kindKey(ApiError::Kind kind)
{
    switch (kind) {
    case ApiError::Kind::Unreachable: return "unreachable";
    case ApiError::Kind::Timeout: return "timeout";
    case ApiError::Kind::Tls: return "tls";
    case ApiError::Kind::Unauthorized: return "unauthorized";
    case ApiError::Kind::Forbidden: return "forbidden";
    case ApiError::Kind::NotFound: return "not_found";
    case ApiError::Kind::Conflict: return "conflict";
    case ApiError::Kind::Validation: return "validation";
    case ApiError::Kind::PreconditionRequired: return "precondition_required";
    case ApiError::Kind::Server: return "server";
    case ApiError::Kind::Malformed: return "malformed";
    case ApiError::Kind::Http: return "http";
    case ApiError::Kind::Cancelled: return "cancelled";
    case ApiError::Kind::OutcomeUnknown: return "outcome_unknown";
    }
    return "unknown";
}

Json apiErrorJson(const ApiError &e)
{
    Json details = parseJsonText(e.details);
    return Json {{"kind", kindKey(e.kind)},
                 {"http_status", e.httpStatus ? Json(e.httpStatus) : Json(nullptr)},
                 {"code", jsonString(e.code)},
                 {"message", e.describe().toStdString()},
                 {"field", jsonString(e.field)},
                 {"endpoint", jsonString(e.endpoint)},
                 {"request_id", jsonString(e.requestId)},
                 {"details", details.is_null() ? Json::object() : details}};
}

Json parseJsonText(const QByteArray &text)
{
    if (text.trimmed().isEmpty())
        return nullptr;
    Json j = Json::parse(text.begin(), text.end(), nullptr, false);
    return j.is_discarded() ? Json(nullptr) : j;
}

QString compactJson(const Json &json)
{
    return QString::fromStdString(json.dump(-1, ' ', false, Json::error_handler_t::replace));
}

} // namespace cutover::ctl

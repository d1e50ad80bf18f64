#pragma once

// How cutoverctl prints: aligned plain-text tables for people, and JSON whose member names follow
// the admin API (docs/admin-api.md) for machines.

#include "client/apierror.h"
#include "client/domain.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <optional>

namespace cutover::ctl {

using Json = nlohmann::ordered_json;

// A table with a header row; cells are rendered with inertText() (a newline in a cell shows as
// "\n"); columns are separated by two spaces and padded to the widest cell
// (by displayed characters, not bytes). The last column is never padded.
class Table
{
public:
    enum class Align { Left, Right };
    struct Column
    {
        QString title;
        Align align = Align::Left;
    };

    explicit Table(QList<Column> columns);
    void addRow(QStringList cells);
    bool isEmpty() const { return m_rows.isEmpty(); }
    QString render() const;

private:
    QList<Column> m_columns;
    QList<QStringList> m_rows;
};

// Characters as a terminal shows them: code points, without combining marks.
qsizetype displayWidth(const QString &text);
// Cut to `width` displayed characters, ending in "…" when something was cut.
QString elide(const QString &text, qsizetype width);

// UTF-8 to stdout / stderr; flushes, so that a pipe sees each line as it is printed. Line breaks
// pass; every other control or bidi character is printed as an escape (models/displaytext.h), so
// gateway text never steers the terminal. Where a gateway string could hold a line break, render
// it with inertText() before it goes into the text.
void printOut(const QString &text);
void printErr(const QString &text);
void printJson(const Json &json);      // pretty, for one document
void printJsonLine(const Json &json);  // compact, one line (NDJSON streams)

// "2026-11-26 04:38:45Z" (UTC); "—" when invalid.
QString humanTime(const QDateTime &time);
// RFC 3339 UTC with milliseconds, as the API writes it; JSON null when invalid.
Json jsonTime(const QDateTime &time);
Json jsonString(const QString &text); // null when empty
QString orDash(const QString &text);
QString formatMs(std::optional<double> ms);      // "5.8 ms", "—"
QString formatMs(std::optional<Milliseconds> ms);
QString formatPercent(double fraction, int decimals); // 0.0012 -> "0.12 %"

// Domain objects in the API's shape.
Json routeJson(const Route &route);
Json flagJson(const Flag &flag);
Json rollbackJson(const RollbackState &state);
Json apiErrorJson(const ApiError &error);

// Parsed JSON text (audit before/after, error details); null when empty or not JSON.
Json parseJsonText(const QByteArray &text);
// Compact JSON for a table cell.
QString compactJson(const Json &json);

} // namespace cutover::ctl

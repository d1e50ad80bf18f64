#include "mapentries.h"

#include <QHash>
#include <QRegularExpression>

namespace cutover::haproxy {

namespace {

struct Line
{
    QByteArrayView text;
    QByteArrayView key;
    QByteArrayView value;
    bool isEntry = false;
};

// A map file line: leading blanks skipped, '#' starts a comment line, the key is the first word,
// the value the rest without surrounding blanks.
Line splitMapLine(QByteArrayView text)
{
    Line l;
    l.text = text;
    QByteArrayView t = text;
    if (t.endsWith('\r'))
        t.chop(1);
    t = t.trimmed();
    if (t.isEmpty() || t.startsWith('#'))
        return l;
    qsizetype end = 0;
    while (end < t.size() && t[end] != ' ' && t[end] != '\t')
        ++end;
    l.key = t.first(end);
    l.value = t.sliced(end).trimmed();
    l.isEntry = true;
    return l;
}

QList<QByteArrayView> lines(QByteArrayView text)
{
    QList<QByteArrayView> out;
    qsizetype pos = 0;
    while (pos < text.size()) {
        qsizetype end = text.indexOf('\n', pos);
        if (end < 0)
            end = text.size();
        out.append(text.sliced(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

} // namespace

QList<MapInfo> parseMapList(QByteArrayView text)
{
    // "8 (/etc/haproxy/routes.map) pattern loaded from file … curr_ver=0 next_ver=1 entry_cnt=3"
    static const QRegularExpression line(QStringLiteral(R"(^(\d+) \((.*?)\) .*curr_ver=(\d+) next_ver=(\d+) entry_cnt=(\d+))"));
    QList<MapInfo> maps;
    for (QByteArrayView l : lines(text)) {
        const QRegularExpressionMatch m = line.match(QString::fromUtf8(l));
        if (!m.hasMatch())
            continue;
        MapInfo info;
        info.id = m.captured(1).toInt();
        info.file = m.captured(2);
        info.currentVersion = m.captured(3).toUInt();
        info.nextVersion = m.captured(4).toUInt();
        info.entryCount = m.captured(5).toLongLong();
        maps.append(info);
    }
    return maps;
}

std::optional<MapInfo> findMap(const QList<MapInfo> &maps, const QString &wanted, const QString &fileName)
{
    for (const MapInfo &m : maps) {
        if (!wanted.isEmpty() ? m.file == wanted
                              : (m.file == fileName || m.file.endsWith(QLatin1Char('/') + fileName)))
            return m;
    }
    return std::nullopt;
}

Result<QList<MapEntry>> parseMapDump(QByteArrayView text)
{
    QList<MapEntry> entries;
    for (QByteArrayView l : lines(text)) {
        if (l.trimmed().isEmpty())
            continue;
        const qsizetype refEnd = l.indexOf(' ');
        if (refEnd <= 0) {
            ApiError e;
            e.kind = ApiError::Kind::Malformed;
            e.endpoint = QStringLiteral("show map");
            e.field = QStringLiteral("entry");
            e.message = QStringLiteral("a map line without a key: '%1'").arg(QString::fromUtf8(l.first(std::min<qsizetype>(80, l.size()))));
            return e;
        }
        const QByteArrayView rest = l.sliced(refEnd + 1);
        const qsizetype keyEnd = rest.indexOf(' ');
        MapEntry entry;
        entry.key = QString::fromUtf8(keyEnd < 0 ? rest : rest.first(keyEnd));
        entry.value = keyEnd < 0 ? QString() : QString::fromUtf8(rest.sliced(keyEnd + 1));
        entries.append(std::move(entry));
    }
    return entries;
}

std::optional<quint32> parsePreparedVersion(QByteArrayView text)
{
    static const QRegularExpression re(QStringLiteral(R"(New version created:\s*(\d+))"));
    const QRegularExpressionMatch m = re.match(QString::fromUtf8(text));
    if (!m.hasMatch())
        return std::nullopt;
    return m.captured(1).toUInt();
}

QList<MapEntry> parseMapFile(QByteArrayView text)
{
    QList<MapEntry> entries;
    for (QByteArrayView l : lines(text)) {
        const Line line = splitMapLine(l);
        if (line.isEntry)
            entries.append({QString::fromUtf8(line.key), QString::fromUtf8(line.value)});
    }
    return entries;
}

QByteArray mergeMapFile(QByteArrayView original, const QList<MapEntry> &entries)
{
    // Runtime entries by key, in order; a key may appear more than once.
    QHash<QString, QList<qsizetype>> byKey;
    for (qsizetype i = 0; i < entries.size(); ++i)
        byKey[entries.at(i).key].append(i);
    QList<bool> written(entries.size(), false);

    QByteArray out;
    for (QByteArrayView l : lines(original)) {
        const Line line = splitMapLine(l);
        if (!line.isEntry) {
            out.append(l);
            out.append('\n');
            continue;
        }
        QList<qsizetype> &pending = byKey[QString::fromUtf8(line.key)];
        if (pending.isEmpty())
            continue; // deleted at runtime
        const qsizetype i = pending.takeFirst();
        written[i] = true;
        const QByteArray value = entries.at(i).value.toUtf8();
        if (value == line.value) {
            out.append(l);
        } else {
            // Keep the indentation and the blanks between key and value.
            const qsizetype keyAt = line.key.data() - l.data();
            const qsizetype valueAt = line.value.isEmpty() ? keyAt + line.key.size() + 1 : line.value.data() - l.data();
            QByteArray rewritten = l.first(std::min(valueAt, l.size())).toByteArray();
            if (rewritten.size() == keyAt + line.key.size())
                rewritten.append(' ');
            rewritten.append(value);
            out.append(rewritten);
        }
        out.append('\n');
    }
    for (qsizetype i = 0; i < entries.size(); ++i) {
        if (written.at(i))
            continue;
        out.append(entries.at(i).key.toUtf8() + ' ' + entries.at(i).value.toUtf8() + '\n');
    }
    return out;
}

Result<QList<ServerWeight>> parseServersState(QByteArrayView text)
{
    QList<ServerWeight> out;
    QHash<QString, int> index;
    for (QByteArrayView l : lines(text)) {
        const QString line = QString::fromUtf8(l).trimmed();
        if (line.isEmpty())
            continue;
        if (line.startsWith(QLatin1Char('#'))) {
            const QStringList names = line.mid(1).split(QLatin1Char(' '), Qt::SkipEmptyParts);
            index.clear();
            for (int i = 0; i < names.size(); ++i)
                index.insert(names.at(i), i);
            continue;
        }
        if (index.isEmpty())
            continue; // the format version line
        const QStringList f = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        auto get = [&](const char *name) {
            const int i = index.value(QLatin1String(name), -1);
            return i >= 0 && i < f.size() ? f.at(i) : QString();
        };
        ServerWeight w;
        w.backend = get("be_name");
        w.server = get("srv_name");
        bool ok1 = false, ok2 = false;
        w.userWeight = get("srv_uweight").toInt(&ok1);
        w.initialWeight = get("srv_iweight").toInt(&ok2);
        if (w.backend.isEmpty() || w.server.isEmpty() || !ok1 || !ok2) {
            ApiError e;
            e.kind = ApiError::Kind::Malformed;
            e.endpoint = QStringLiteral("show servers state");
            e.field = QStringLiteral("srv_uweight");
            e.message = QStringLiteral("a server line without backend, server or weights");
            return e;
        }
        out.append(w);
    }
    return out;
}

} // namespace cutover::haproxy

#pragma once

// HAProxy maps as Cutover reads and writes them: the `show map` listing and dumps, the map file
// format (configuration.txt "map" converter: one "<key> <value>" per line, '#' comments), and
// `show servers state` for weights.

#include "client/apierror.h"
#include "client/haproxy/persistence.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace cutover::haproxy {

struct MapEntry
{
    QString key;
    QString value;
    friend bool operator==(const MapEntry &, const MapEntry &) = default;
};

// One line of the `show map` listing.
struct MapInfo
{
    int id = -1;
    QString file;          // as HAProxy names it; usable as <map> in commands
    quint32 currentVersion = 0;
    quint32 nextVersion = 0;
    qint64 entryCount = 0;
};

QList<MapInfo> parseMapList(QByteArrayView text);
// The map whose file is `wanted` (exact), or, with `wanted` empty, whose file name is `fileName`.
std::optional<MapInfo> findMap(const QList<MapInfo> &maps, const QString &wanted, const QString &fileName);

// `show map <map>`: "<ref> <key> <value…>" per line.
Result<QList<MapEntry>> parseMapDump(QByteArrayView text);
// "New version created: 7" → 7.
std::optional<quint32> parsePreparedVersion(QByteArrayView text);

// The entries of a map file's text.
QList<MapEntry> parseMapFile(QByteArrayView text);
// `original` (a map file's text) rewritten to hold `entries`: comments, blank lines and the
// spacing of entries whose value did not change stay where they were; changed values are
// replaced in place; entries no longer present are dropped; new ones are appended.
QByteArray mergeMapFile(QByteArrayView original, const QList<MapEntry> &entries);

Result<QList<ServerWeight>> parseServersState(QByteArrayView text);

} // namespace cutover::haproxy

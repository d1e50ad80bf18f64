// HaproxyBackend and reloads: what of the live maps and weights is not on disk, and writing it there.
#include "haproxybackend.h"

#include "backendsupport.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>

namespace cutover {

using namespace haproxy;

bool HaproxyPersistence::atRisk() const
{
    auto mapAtRisk = [this](const std::optional<MapFile> &m) {
        return m && (m->readable ? !m->inSync : changedSinceSave);
    };
    return rollbackLost || mapAtRisk(routes) || mapAtRisk(flags) || (!weightsChanged.isEmpty() && !weightsSaved);
}

HaproxyPersistence HaproxyBackend::persistence(const Read &read) const
{
    HaproxyPersistence p;
    auto mapFile = [](const QString &file, const QList<MapEntry> &live) {
        HaproxyPersistence::MapFile m;
        m.file = file;
        m.liveEntries = live.size();
        QFile f(file);
        if (!QFileInfo(file).isAbsolute()) {
            m.error = QStringLiteral("HAProxy names the file with a relative path; use absolute paths in haproxy.cfg");
        } else if (!f.open(QIODevice::ReadOnly)) {
            m.error = f.errorString();
        } else {
            m.readable = true;
            QList<MapEntry> onDisk = parseMapFile(f.readAll());
            m.fileEntries = onDisk.size();
            QList<MapEntry> sortedLive = live;
            auto less = [](const MapEntry &a, const MapEntry &b) {
                return std::tie(a.key, a.value) < std::tie(b.key, b.value);
            };
            std::sort(onDisk.begin(), onDisk.end(), less);
            std::sort(sortedLive.begin(), sortedLive.end(), less);
            m.inSync = onDisk == sortedLive;
        }
        return m;
    };
    if (!read.config.routesMapFile.isEmpty())
        p.routes = mapFile(read.config.routesMapFile, read.config.routes);
    if (!read.config.flagsMapFile.isEmpty())
        p.flags = mapFile(read.config.flagsMapFile, read.config.flags);
    p.serverStateFile = m_options.serverStateFile;
    QList<ServerWeight> saved;
    bool haveSaved = false;
    if (!p.serverStateFile.isEmpty()) {
        QFile f(p.serverStateFile);
        if (f.open(QIODevice::ReadOnly)) {
            if (Result<QList<ServerWeight>> s = parseServersState(f.readAll())) {
                saved = *s;
                haveSaved = true;
            }
        }
    }
    p.weightsSaved = haveSaved;
    for (const ServerWeight &w : read.serverState.value_or(QList<ServerWeight>())) {
        if (w.userWeight != w.initialWeight)
            p.weightsChanged.append(w);
        const bool inFile = std::any_of(saved.cbegin(), saved.cend(), [&](const ServerWeight &s) {
            return s.backend == w.backend && s.server == w.server && s.userWeight == w.userWeight;
        });
        p.weightsSaved = p.weightsSaved && inFile;
    }
    p.rollbackLost = buildModel(read.config, m_options.conventions, m_journal).rollbackLost;
    p.changedSinceSave = m_journal.latestChangeId() > m_journal.latestPersistId();
    return p;
}

void HaproxyBackend::fetchPersistence(Callback<HaproxyPersistence> done)
{
    read(true, [this, done = std::move(done)](Result<Read> r) {
        if (!r)
            return done(r.error());
        refreshJournal();
        HaproxyPersistence p = persistence(*r);
        setUnpersisted(p.changedSinceSave); // another Cutover may have saved
        done(std::move(p));
    });
}

void HaproxyBackend::persistMaps(const QString &reason, Callback<HaproxyPersistence> done)
{
    read(true, [this, reason, done = std::move(done)](Result<Read> r) {
        if (!r)
            return done(r.error());
        QStringList written;
        auto write = [&written](const QString &file, const QByteArray &content) -> std::optional<ApiError> {
            const QString endpoint = QStringLiteral("write ") + file;
            if (!QFileInfo(file).isAbsolute())
                return makeError(ApiError::Kind::Validation, endpoint,
                                 QStringLiteral("HAProxy names this file with a relative path; use absolute paths in haproxy.cfg"));
            QSaveFile out(file);
            if (!out.open(QIODevice::WriteOnly) || out.write(content) != content.size() || !out.commit())
                return makeError(ApiError::Kind::Forbidden, endpoint,
                                 QStringLiteral("cannot write %1 (%2); the file and its folder must be writable by the "
                                                "user running Cutover")
                                     .arg(file, out.errorString()));
            written.append(file);
            return std::nullopt;
        };
        auto merged = [](const QString &file, const QList<MapEntry> &entries) {
            QFile f(file);
            const QByteArray original = f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
            return mergeMapFile(original, entries);
        };
        std::optional<ApiError> e;
        if (!r->config.routesMapFile.isEmpty())
            e = write(r->config.routesMapFile, merged(r->config.routesMapFile, r->config.routes));
        if (!e && !r->config.flagsMapFile.isEmpty())
            e = write(r->config.flagsMapFile, merged(r->config.flagsMapFile, r->config.flags));
        if (!e && !m_options.serverStateFile.isEmpty())
            e = write(m_options.serverStateFile, r->serverStateText + '\n');
        if (e)
            return done(*e);
        QByteArray files = "{\"files\":[";
        for (int i = 0; i < written.size(); ++i)
            files += (i ? ",\"" : "\"") + written.at(i).toUtf8().replace('\\', "\\\\").replace('"', "\\\"") + '"';
        files += "]}";
        Result<JournalEntry> entry = record(QStringLiteral("maps.persist"), QStringLiteral("maps"), {}, files,
                                            reason.trimmed().isEmpty() ? QString() : reason, r->level);
        if (!entry)
            return done(entry.error());
        setUnpersisted(false);
        done(persistence(*r));
    });
}

} // namespace cutover

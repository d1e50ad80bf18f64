// HaproxyBackend and reloads: what of the live maps and weights is not on disk, and writing it there.
// The files are read and written on the thread pool, like the journal (which keeps what it read on
// the backend's thread).
#include "haproxybackend.h"

#include "backendsupport.h"
#include "client/offthread.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>

namespace cutover {

using namespace haproxy;

namespace {

const QString kRelativePath = QStringLiteral("HAProxy names the file with a relative path; use absolute paths in haproxy.cfg");

// Runs on the thread pool.
std::optional<QByteArray> readWhole(const QString &file, QString *error)
{
    if (!QFileInfo(file).isAbsolute()) {
        *error = kRelativePath;
        return std::nullopt;
    }
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) {
        *error = f.errorString();
        return std::nullopt;
    }
    return f.readAll();
}

} // namespace

HaproxyPersistence HaproxyBackend::persistence(const Read &read, const SavedFiles &saved) const
{
    HaproxyPersistence p;
    auto mapFile = [](const QString &file, const std::optional<SavedFiles::File> &disk, const QList<MapEntry> &live) {
        HaproxyPersistence::MapFile m;
        m.file = file;
        m.liveEntries = live.size();
        if (!disk || !disk->error.isEmpty()) {
            m.error = disk ? disk->error : QStringLiteral("not read");
            return m;
        }
        m.readable = true;
        QList<MapEntry> onDisk = parseMapFile(disk->content);
        m.fileEntries = onDisk.size();
        QList<MapEntry> sortedLive = live;
        auto less = [](const MapEntry &a, const MapEntry &b) { return std::tie(a.key, a.value) < std::tie(b.key, b.value); };
        std::sort(onDisk.begin(), onDisk.end(), less);
        std::sort(sortedLive.begin(), sortedLive.end(), less);
        m.inSync = onDisk == sortedLive;
        return m;
    };
    if (!read.config.routesMapFile.isEmpty())
        p.routes = mapFile(read.config.routesMapFile, saved.routes, read.config.routes);
    if (!read.config.flagsMapFile.isEmpty())
        p.flags = mapFile(read.config.flagsMapFile, saved.flags, read.config.flags);
    p.serverStateFile = m_options.serverStateFile;
    QList<ServerWeight> weights;
    bool haveSaved = false;
    if (saved.serverState && saved.serverState->error.isEmpty()) {
        if (Result<QList<ServerWeight>> s = parseServersState(saved.serverState->content)) {
            weights = *s;
            haveSaved = true;
        }
    }
    p.weightsSaved = haveSaved;
    for (const ServerWeight &w : read.serverState.value_or(QList<ServerWeight>())) {
        if (w.userWeight != w.initialWeight)
            p.weightsChanged.append(w);
        const bool inFile = std::any_of(weights.cbegin(), weights.cend(), [&](const ServerWeight &s) {
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
        const QString routes = r->config.routesMapFile, flags = r->config.flagsMapFile;
        const QString serverState = m_options.serverStateFile;
        runOffThread<SavedFiles>(
            this,
            [routes, flags, serverState] {
                SavedFiles files;
                for (auto [path, into] : {std::pair {routes, &files.routes}, std::pair {flags, &files.flags},
                                          std::pair {serverState, &files.serverState}}) {
                    if (path.isEmpty())
                        continue;
                    SavedFiles::File f;
                    f.content = readWhole(path, &f.error).value_or(QByteArray());
                    *into = std::move(f);
                }
                return files;
            },
            [this, read = std::move(*r), done = std::move(done)](SavedFiles files) {
                HaproxyPersistence p = persistence(read, files);
                setUnpersisted(p.changedSinceSave); // another Cutover may have saved
                done(std::move(p));
            });
    });
}

void HaproxyBackend::persistMaps(const QString &reason, Callback<HaproxyPersistence> done)
{
    read(true, [this, reason, done = std::move(done)](Result<Read> r) {
        if (!r)
            return done(r.error());
        struct Job
        {
            QString file;
            bool isMap;              // merged into the file's own lines; else written as it is
            QList<MapEntry> entries; // a map's
            QByteArray whole;        // the server-state file's
            std::optional<SavedFiles::File> SavedFiles::*slot;
        };
        // What the worker did: the files as written, and the first failure (which stops it).
        struct Outcome
        {
            SavedFiles files;
            QStringList written;
            std::optional<ApiError> failure;
        };
        QList<Job> jobs;
        if (!r->config.routesMapFile.isEmpty())
            jobs.append({r->config.routesMapFile, true, r->config.routes, {}, &SavedFiles::routes});
        if (!r->config.flagsMapFile.isEmpty())
            jobs.append({r->config.flagsMapFile, true, r->config.flags, {}, &SavedFiles::flags});
        if (!m_options.serverStateFile.isEmpty())
            jobs.append({m_options.serverStateFile, false, {}, r->serverStateText + '\n', &SavedFiles::serverState});
        runOffThread<Outcome>(
            this,
            [jobs] {
                Outcome outcome;
                for (const Job &job : jobs) {
                    const QString endpoint = QStringLiteral("write ") + job.file;
                    if (!QFileInfo(job.file).isAbsolute()) {
                        outcome.failure = makeError(ApiError::Kind::Validation, endpoint, kRelativePath);
                        break;
                    }
                    QByteArray content = job.whole;
                    if (job.isMap) {
                        QFile f(job.file);
                        content = mergeMapFile(f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray(), job.entries);
                    }
                    QSaveFile out(job.file);
                    if (!out.open(QIODevice::WriteOnly) || out.write(content) != content.size() || !out.commit()) {
                        outcome.failure = makeError(ApiError::Kind::Forbidden, endpoint,
                                                    QStringLiteral("cannot write %1 (%2); the file and its folder must be "
                                                                   "writable by the user running Cutover")
                                                        .arg(job.file, out.errorString()));
                        break;
                    }
                    outcome.written.append(job.file);
                    outcome.files.*job.slot = SavedFiles::File {content, {}};
                }
                return outcome;
            },
            [this, read = std::move(*r), reason, done = std::move(done)](Outcome outcome) {
                if (outcome.failure)
                    return done(*outcome.failure);
                QByteArray list = "{\"files\":[";
                for (int i = 0; i < outcome.written.size(); ++i)
                    list += (i ? ",\"" : "\"") + outcome.written.at(i).toUtf8().replace('\\', "\\\\").replace('"', "\\\"") + '"';
                list += "]}";
                record(QStringLiteral("maps.persist"), QStringLiteral("maps"), {}, list,
                       reason.trimmed().isEmpty() ? QString() : reason, read.level, {}, {}, {},
                       [this, read, files = outcome.files, done](Result<JournalEntry> entry) {
                           if (!entry)
                               return done(entry.error());
                           setUnpersisted(false);
                           done(persistence(read, files));
                       });
            });
    });
}

} // namespace cutover

#include "logexport.h"

#include "models/logtablemodel.h"

#include <QCoreApplication>
#include <QPointer>
#include <QSaveFile>
#include <QThreadPool>

namespace cutover {

struct LogExport::Result
{
    QString error; // empty: written
    quint64 written = 0;
    quint64 lost = 0; // entries the store had let go before the export started
};

LogExport::LogExport(QObject *parent)
    : QObject(parent)
{
}

LogExport::~LogExport() = default;

bool LogExport::start(const LogStore &store, std::vector<quint64> seqs, const QString &path)
{
    if (m_running)
        return false;
    m_running = true;
    m_path = path;
    QPointer<LogExport> guard(this);
    // Back on the main thread through the application object (it outlives the pool's work);
    // dropped there if this object is gone.
    const auto post = [guard](auto call) {
        QMetaObject::invokeMethod(
            QCoreApplication::instance(),
            [guard, call = std::move(call)] {
                if (guard)
                    call(guard.data());
            },
            Qt::QueuedConnection);
    };
    QThreadPool::globalInstance()->start(
        [snapshot = std::make_shared<LogStore::Snapshot>(store.snapshot()), seqs = std::move(seqs), path, post] {
            Result result;
            QByteArray text;
            int reported = 0;
            for (std::size_t i = 0; i < seqs.size(); ++i) {
                const quint64 seq = seqs[i];
                if (!snapshot->contains(seq)) {
                    ++result.lost;
                } else {
                    QString line;
                    if (snapshot->isRestart(seq)) {
                        line = snapshot->restartText(seq);
                    } else if (snapshot->isGap(seq)) {
                        const LogGap g = snapshot->gap(seq);
                        line = LogTableModel::gapText(g.missed(), g.from.value, g.to.value);
                    } else {
                        line = LogTableModel::lineText(snapshot->line(seq));
                    }
                    text += line.toUtf8();
                    text += '\n';
                    ++result.written;
                }
                if (const int percent = int((i + 1) * 100 / seqs.size()); percent > reported) {
                    reported = percent;
                    post([percent](LogExport *e) { Q_EMIT e->progress(percent); });
                }
            }
            QSaveFile file(path);
            if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size() || !file.commit())
                result.error = file.errorString().isEmpty() ? QStringLiteral("write failed") : file.errorString();
            post([result](LogExport *e) { e->done(result); });
        });
    return true;
}

void LogExport::done(const Result &result)
{
    m_running = false;
    if (!result.error.isEmpty()) {
        Q_EMIT finished(false, tr("Could not write %1: %2").arg(m_path, result.error));
        return;
    }
    QString message = tr("Exported %1 lines to %2").arg(result.written).arg(m_path);
    if (result.lost)
        message += tr(" (%1 more left the log store's budget before they could be written)").arg(result.lost);
    Q_EMIT finished(true, message);
}

} // namespace cutover

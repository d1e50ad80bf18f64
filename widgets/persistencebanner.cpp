#include "persistencebanner.h"

#include "client/haproxy/persistence.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>

namespace cutover {

namespace {

QString mapProblem(const std::optional<HaproxyPersistence::MapFile> &map, const QString &what, bool changedSinceSave)
{
    if (!map)
        return {};
    if (!map->readable) {
        // Cutover cannot compare; it only knows whether it changed the map since its last save.
        return changedSinceSave ? PersistenceBanner::tr("%1 changed since the last save, and %2 cannot be read here (%3)")
                                      .arg(what, map->file, map->error)
                                : QString();
    }
    if (map->inSync)
        return {};
    return PersistenceBanner::tr("%1 (%2 live entries) differs from %3 (%4)")
        .arg(what)
        .arg(map->liveEntries)
        .arg(map->file)
        .arg(map->fileEntries);
}

} // namespace

PersistenceBanner::PersistenceBanner(QWidget *parent)
    : QFrame(parent)
    , m_message(new QLabel)
    , m_reason(new QLineEdit)
    , m_save(new QPushButton(tr("Save to files")))
{
    setObjectName(QStringLiteral("persistenceBanner"));
    setStyleSheet(QStringLiteral("#persistenceBanner { background: #fff7ed; border-bottom: 1px solid #fb923c; }"
                                 "#persistenceBanner QLabel { color: #7c2d12; }"));
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);
    m_reason->setPlaceholderText(tr("Reason for the journal"));
    m_reason->setMinimumWidth(220);
    m_reason->setClearButtonEnabled(true);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(12, 6, 12, 6);
    layout->addWidget(m_message, 1);
    layout->addWidget(m_reason);
    layout->addWidget(m_save);
    connect(m_reason, &QLineEdit::textChanged, this, &PersistenceBanner::updateButton);
    connect(m_reason, &QLineEdit::returnPressed, m_save, &QPushButton::click);
    connect(m_save, &QPushButton::clicked, this, [this] {
        if (!m_save->isEnabled())
            return;
        Q_EMIT saveRequested(m_reason->text().trimmed());
    });
    setVisible(false);
    updateButton();
}

QString PersistenceBanner::describe(const HaproxyPersistence &state)
{
    QStringList problems;
    if (state.rollbackLost)
        problems.append(tr("the emergency rollback is engaged in Cutover's journal but HAProxy no longer routes to the "
                           "monolith (was it reloaded?)"));
    for (const QString &p : {mapProblem(state.routes, tr("the routes map"), state.changedSinceSave),
                             mapProblem(state.flags, tr("the flags map"), state.changedSinceSave)})
        if (!p.isEmpty())
            problems.append(p);
    if (!state.weightsChanged.isEmpty() && !state.weightsSaved) {
        QStringList servers;
        for (const haproxy::ServerWeight &w : state.weightsChanged)
            servers.append(tr("%1/%2 at %3 (config %4)").arg(w.backend, w.server).arg(w.userWeight).arg(w.initialWeight));
        problems.append(state.serverStateFile.isEmpty()
                            ? tr("weights changed at runtime and no server_state_file is set to keep them: %1")
                                  .arg(servers.join(QStringLiteral(", ")))
                            : tr("weights not yet in %1: %2").arg(state.serverStateFile, servers.join(QStringLiteral(", "))));
    }
    if (problems.isEmpty())
        return {};
    return tr("Not persisted — a reload of HAProxy would undo this: %1.").arg(problems.join(QStringLiteral("; ")));
}

void PersistenceBanner::setPersistence(const HaproxyPersistence &state)
{
    const QString text = describe(state);
    m_atRisk = !text.isEmpty();
    m_message->setText(text);
    setToolTip(QString());
    setVisible(m_atRisk);
    updateButton();
}

void PersistenceBanner::setCheckError(const QString &message)
{
    m_atRisk = false;
    m_message->setText(tr("Could not check whether HAProxy's runtime changes are saved: %1").arg(message));
    setVisible(true);
    updateButton();
}

void PersistenceBanner::setSaving(bool saving)
{
    m_saving = saving;
    m_save->setText(saving ? tr("Saving…") : tr("Save to files"));
    updateButton();
}

void PersistenceBanner::setSaveError(const QString &message)
{
    m_message->setText(tr("Saving failed, nothing is persisted: %1").arg(message));
    setVisible(true);
    updateButton();
}

void PersistenceBanner::setSaved(const HaproxyPersistence &state)
{
    m_reason->clear();
    setPersistence(state);
}

void PersistenceBanner::updateButton()
{
    const bool hasReason = !m_reason->text().trimmed().isEmpty();
    m_save->setEnabled(m_atRisk && hasReason && !m_saving);
    m_reason->setEnabled(m_atRisk && !m_saving);
    m_save->setToolTip(!m_atRisk   ? tr("Nothing to save")
                       : !hasReason ? tr("Give a reason first: it goes into the audit journal")
                                    : tr("Write the live maps back to their files and the weights to the server-state file"));
}

} // namespace cutover

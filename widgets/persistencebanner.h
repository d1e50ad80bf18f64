#pragma once

#include <QFrame>

class QLabel;
class QLineEdit;
class QPushButton;

namespace cutover {

struct HaproxyPersistence;

// HAProxy forgets runtime changes when it reloads. This bar says, on the board, what a reload
// would undo right now (maps that differ from their files, weights not in the server-state file,
// an engaged rollback HAProxy no longer has), and offers to write it all back, with a reason for
// the journal. Hidden while nothing is at risk. It only shows and asks; the session does the I/O.
class PersistenceBanner : public QFrame
{
    Q_OBJECT

public:
    explicit PersistenceBanner(QWidget *parent = nullptr);

    void setPersistence(const HaproxyPersistence &state);
    // The check itself failed: say so instead of showing an old verdict as current.
    void setCheckError(const QString &message);
    void setSaving(bool saving);
    void setSaveError(const QString &message);
    // A save went through: the reason is used up, the new state shown.
    void setSaved(const HaproxyPersistence &state);

    // Describes what a reload would undo; empty when nothing.
    static QString describe(const HaproxyPersistence &state);

    QLabel *message() const { return m_message; }
    QLineEdit *reasonField() const { return m_reason; }
    QPushButton *saveButton() const { return m_save; }

Q_SIGNALS:
    void saveRequested(const QString &reason);

private:
    void updateButton();

    QLabel *m_message;
    QLineEdit *m_reason;
    QPushButton *m_save;
    bool m_saving = false;
    bool m_atRisk = false;
};

} // namespace cutover

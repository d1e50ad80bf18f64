#pragma once

#include "client/domain.h"
#include "configparts.h"
#include "models/configactions.h"

#include <QDialog>

#include <optional>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSlider;
class QSpinBox;

namespace cutover {

// The one way an operator changes a route's percent or a flag: edit, give a reason, read the
// preview of what moves, confirm. The change is made against the version shown at the top; if
// someone else changed it meanwhile the dialog says who and what, shows the new state, and lets
// the operator re-apply on top of it or drop the change — it never overwrites silently. It closes
// itself once the gateway has applied the change.
class ChangeDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Phase { Editing, Applying, Conflict, Failed, Applied };

    ChangeDialog(const ConfigParts &parts, const Route &route, std::optional<int> preset, QWidget *parent = nullptr);
    ChangeDialog(const ConfigParts &parts, const Flag &flag, std::optional<bool> enable, QWidget *parent = nullptr);

    static constexpr int kMaxReason = 500;
    static constexpr int kPreviewLines = 5; // the preview's reserved height
    static constexpr int kPresets[] = {0, 1, 5, 25, 50, 100};

    Phase phase() const { return m_phase; }
    QSpinBox *percentField() const { return m_spin; }
    QSlider *percentSlider() const { return m_slider; }
    QList<QPushButton *> presetButtons() const { return m_presets; }
    QCheckBox *enabledField() const { return m_enabled; }         // flags only
    QPlainTextEdit *allowUsersField() const { return m_allow; }   // flags only
    QLineEdit *reasonField() const { return m_reason; }
    QPushButton *confirmButton() const { return m_confirm; }
    QPushButton *dropButton() const { return m_drop; }
    QString previewText() const;
    QString statusText() const;
    QString currentText() const;

    // Cancelling with a typed reason asks first (see askToDiscard()); nothing is lost silently.
    void reject() override;

Q_SIGNALS:
    // The change ended (applied, refused, in conflict, unknown); the panel shows the explanation.
    void outcome(const cutover::ChangeOutcome &outcome);

protected:
    void done(int result) override;
    // Enter confirms only a valid change; otherwise it does nothing (it never cancels).
    void keyPressEvent(QKeyEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void build(const QString &title, std::optional<int> startPercent);
    void setPercent(int percent);
    void refreshCurrent();
    void refresh();
    void confirm();
    void finished(quint64 ticket, const ChangeOutcome &result);
    void setPhase(Phase phase, const QString &status);
    bool changed() const;
    bool hasTypedInput() const;
    bool enterConfirms() const;
    QStringList allowUsers() const;
    QString routePreview() const;
    QString flagPreview() const;
    QString blockedReason() const;
    QString staleNotice() const;

    ConfigParts m_parts;
    bool m_isFlag;
    Route m_route; // the version the change is made against
    Flag m_flag;
    int m_basePercent = 0;
    Phase m_phase = Phase::Editing;
    quint64 m_ticket = 0;
    bool m_discarding = false; // the operator chose to drop what they typed
    std::optional<ApiError> m_lastError; // of the latest attempt

    QLabel *m_title = nullptr;
    QLabel *m_current = nullptr;
    QSlider *m_slider = nullptr;
    QSpinBox *m_spin = nullptr;
    QList<QPushButton *> m_presets;
    QCheckBox *m_enabled = nullptr;
    QPlainTextEdit *m_allow = nullptr;
    QLineEdit *m_reason = nullptr;
    QLabel *m_reasonCount = nullptr;
    QLabel *m_preview = nullptr;
    QLabel *m_status = nullptr;
    QPushButton *m_confirm = nullptr;
    QPushButton *m_drop = nullptr;
    QPushButton *m_close = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};

} // namespace cutover

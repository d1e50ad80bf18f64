#pragma once

#include "client/profile.h"
#include "models/blastradius.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace cutover {

class RollbackController;

// Confirmation of an emergency rollback action. Shows the blast radius (the routes and the
// request rate that move: to the monolith on engage, back to the microservices on release, from
// the controller's routes, snapshot and observed metrics), requires a reason, and for a
// production profile requires the profile's name typed again. Accepting only closes the dialog:
// the caller starts the action with reason() (and keepMonolith()).
class RollbackDialog : public QDialog
{
    Q_OBJECT

public:
    enum class Mode { Engage, Release };

    RollbackDialog(Mode mode, const Profile &profile, const RollbackController *controller, QWidget *parent = nullptr);

    Mode mode() const { return m_mode; }
    QString reason() const;
    bool keepMonolith() const;
    bool requiresTypedName() const;
    // The moves shown now (release: depends on the keep-monolith choice).
    const BlastRadius &blastRadius() const { return m_radius; }

    QLineEdit *reasonField() const { return m_reason; }
    QLineEdit *confirmField() const { return m_confirm; } // null unless production
    QCheckBox *keepMonolithBox() const { return m_keep; } // null on engage
    QPushButton *confirmButton() const { return m_ok; }
    QTableWidget *radiusTable() const { return m_table; }

    // Cancelling with a typed reason asks first (see askToDiscard()).
    void reject() override;

protected:
    // Enter never confirms here: the button does, or Ctrl+Enter once the form is complete.
    void keyPressEvent(QKeyEvent *event) override;
    void showEvent(QShowEvent *event) override;

private:
    void fillRadius();
    void validate();

    Mode m_mode;
    Profile m_profile;
    const RollbackController *m_controller;
    BlastRadius m_radius;
    QLabel *m_radiusTitle;
    QTableWidget *m_table;
    QCheckBox *m_keep = nullptr;
    QLineEdit *m_reason;
    QLineEdit *m_confirm = nullptr;
    QLabel *m_hint;
    QPushButton *m_ok;
    bool m_discarding = false; // the operator chose to drop the typed reason
};

} // namespace cutover

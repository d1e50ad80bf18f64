#pragma once

#include "client/profile.h"

#include <QDialog>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace cutover {

// Choose, create and edit connection profiles; or open the built-in demo gateway with one click.
// A token typed here is handed back to the caller (for the keychain) and never saved with the
// profile.
class ProfileDialog : public QDialog
{
    Q_OBJECT

public:
    ProfileDialog(ProfileStore &store, QWidget *parent = nullptr);

    enum class Choice { None, Demo, Profile };
    Choice choice() const { return m_choice; }
    const Profile &chosenProfile() const { return m_chosen; }
    QByteArray enteredToken() const { return m_token; }

    // For tests and for "File → Connect…" with a preselection.
    void selectProfile(const QString &name);
    QPushButton *demoButton() const { return m_demo; }
    QPushButton *connectButton() const { return m_connect; }
    QLineEdit *nameField() const { return m_name; }
    QLineEdit *urlField() const { return m_url; }
    QLineEdit *tokenField() const { return m_tokenEdit; }
    QComboBox *environmentBox() const { return m_environment; }
    QString errorText() const;

private:
    void loadIntoForm(const Profile &p);
    Profile formProfile() const;
    bool saveForm();
    void refreshList(const QString &select);

    ProfileStore &m_store;
    Choice m_choice = Choice::None;
    Profile m_chosen;
    QByteArray m_token;
    QListWidget *m_list;
    QLineEdit *m_name;
    QLineEdit *m_url;
    QComboBox *m_environment;
    QLineEdit *m_caBundle;
    QLineEdit *m_tokenFile;
    QLineEdit *m_tokenEdit;
    QSpinBox *m_metricsMs;
    QSpinBox *m_healthMs;
    QDoubleSpinBox *m_availability;
    QSpinBox *m_p95;
    QDoubleSpinBox *m_errorRate;
    QLineEdit *m_requestsMetric;
    QLineEdit *m_durationMetric;
    QLineEdit *m_routeLabel;
    QLabel *m_error;
    QPushButton *m_demo;
    QPushButton *m_connect;
};

} // namespace cutover

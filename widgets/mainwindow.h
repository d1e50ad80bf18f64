#pragma once

#include "client/gatewaybackend.h"

#include <QDateTime>
#include <QMainWindow>
#include <QPointer>
#include <QTimer>

class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace cutover {

class ServiceModel;

// The main window: who and what we are connected to, and the live service list. It asks the
// backend for data and hands the answers to the models; it never speaks HTTP itself.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Starts polling `backend` (not owned). `profile` names the connection for the title.
    void setBackend(GatewayBackend *backend, const QString &profile);
    // Shown while there is no backend yet (the demo gateway is starting) or it could not start.
    void showConnecting(const QString &message);
    void showFailure(const QString &message);

    ServiceModel *serviceModel() const { return m_services; }
    QTableView *serviceView() const { return m_table; }
    QString identityText() const;
    QString gatewayText() const;
    bool isStale() const;

    std::chrono::milliseconds pollInterval() const { return std::chrono::milliseconds(m_poll.interval()); }
    void setPollInterval(std::chrono::milliseconds interval);

private:
    void pollHealth();
    void fetchIdentity();
    void updateAges();
    void updateSummary();

    QPointer<GatewayBackend> m_backend;
    ServiceModel *m_services;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    QLabel *m_gatewayLabel;
    QLabel *m_addressLabel;
    QLabel *m_identityLabel;
    QLabel *m_summaryLabel;
    QLabel *m_banner;
    QLabel *m_ageLabel;
    QLineEdit *m_filter;
    QTimer m_poll;
    QTimer m_ageTimer;
    bool m_healthInFlight = false;
    bool m_haveInfo = false;
    bool m_haveWho = false;
    QDateTime m_lastHealthOk;
    QString m_lastError;
};

} // namespace cutover

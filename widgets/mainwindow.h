#pragma once

#include "client/poller.h"

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

    // Shows what `poller` (not owned) brings in; `profile` names the connection for the title.
    void setPoller(Poller *poller, const QString &profile);
    // Shown while there is no backend yet (the demo gateway is starting) or it could not start.
    void showConnecting(const QString &message);
    void showFailure(const QString &message);

    ServiceModel *serviceModel() const { return m_services; }
    QTableView *serviceView() const { return m_table; }
    QString identityText() const;
    QString gatewayText() const;
    bool isStale() const;

private:
    void fetchIdentity();
    void healthStateChanged();
    void updateAges();
    void updateSummary();

    QPointer<Poller> m_poller;
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
    QTimer m_ageTimer;
    bool m_haveInfo = false;
    bool m_haveWho = false;
};

} // namespace cutover

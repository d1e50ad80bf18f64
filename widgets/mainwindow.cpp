#include "mainwindow.h"

#include "models/servicemodel.h"
#include "statusdelegate.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

namespace cutover {

namespace {

QString ageText(const QDateTime &since)
{
    if (!since.isValid())
        return QObject::tr("never");
    const qint64 s = since.secsTo(QDateTime::currentDateTimeUtc());
    if (s < 2)
        return QObject::tr("just now");
    if (s < 120)
        return QObject::tr("%1 s ago").arg(s);
    return QObject::tr("%1 min ago").arg(s / 60);
}

} // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , m_services(new ServiceModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_table(new QTableView)
    , m_gatewayLabel(new QLabel)
    , m_addressLabel(new QLabel)
    , m_identityLabel(new QLabel)
    , m_summaryLabel(new QLabel)
    , m_banner(new QLabel)
    , m_ageLabel(new QLabel)
    , m_filter(new QLineEdit)
{
    setWindowTitle(tr("Cutover"));
    resize(1100, 640);

    auto *central = new QWidget;
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(12, 10, 12, 6);
    layout->setSpacing(8);

    // Connection header: what we talk to on the left, who we are on the right.
    auto *header = new QFrame;
    header->setObjectName(QStringLiteral("connectionBar"));
    header->setStyleSheet(QStringLiteral(
        "#connectionBar { background: #1f2937; border-radius: 6px; }"
        "#connectionBar QLabel { color: #e5e7eb; }"));
    auto *hl = new QHBoxLayout(header);
    hl->setContentsMargins(14, 8, 14, 8);
    auto *left = new QVBoxLayout;
    QFont big = m_gatewayLabel->font();
    big.setPointSizeF(big.pointSizeF() * 1.25);
    big.setBold(true);
    m_gatewayLabel->setFont(big);
    m_gatewayLabel->setText(tr("Not connected"));
    m_addressLabel->setStyleSheet(QStringLiteral("color: #9ca3af;"));
    m_addressLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    left->addWidget(m_gatewayLabel);
    left->addWidget(m_addressLabel);
    hl->addLayout(left, 1);
    m_identityLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    hl->addWidget(m_identityLabel);
    layout->addWidget(header);

    m_banner->setWordWrap(true);
    m_banner->setVisible(false);
    m_banner->setStyleSheet(QStringLiteral(
        "background: #fef3c7; color: #78350f; border: 1px solid #f59e0b; border-radius: 4px; padding: 6px 10px;"));
    layout->addWidget(m_banner);

    auto *tools = new QHBoxLayout;
    QFont summaryFont = m_summaryLabel->font();
    summaryFont.setBold(true);
    m_summaryLabel->setFont(summaryFont);
    tools->addWidget(m_summaryLabel, 1);
    m_filter->setPlaceholderText(tr("Filter services…"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(280);
    tools->addWidget(m_filter);
    layout->addLayout(tools);

    m_proxy->setSourceModel(m_services);
    m_proxy->setSortRole(ServiceModel::SortRole);
    m_proxy->setFilterKeyColumn(-1);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    m_table->setModel(m_proxy);
    m_table->setItemDelegateForColumn(ServiceModel::StatusColumn, new StatusDelegate(m_table));
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ServiceModel::NameColumn, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setShowGrid(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(28);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    m_table->setColumnWidth(ServiceModel::NameColumn, 190);
    m_table->setColumnWidth(ServiceModel::KindColumn, 110);
    m_table->setColumnWidth(ServiceModel::StatusColumn, 150);
    m_table->setColumnWidth(ServiceModel::LatencyColumn, 110);
    m_table->setColumnWidth(ServiceModel::DbColumn, 220);
    m_table->setColumnWidth(ServiceModel::VersionColumn, 100);
    layout->addWidget(m_table, 1);
    setCentralWidget(central);

    statusBar()->addPermanentWidget(m_ageLabel);

    m_ageTimer.setInterval(1000);
    connect(&m_ageTimer, &QTimer::timeout, this, &MainWindow::updateAges);
    connect(m_services, &QAbstractItemModel::dataChanged, this, &MainWindow::updateSummary);
    connect(m_services, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateSummary);
    connect(m_services, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateSummary);
    updateSummary();
}

MainWindow::~MainWindow() = default;

void MainWindow::setPoller(Poller *poller, const QString &profile)
{
    m_poller = poller;
    GatewayBackend *backend = poller->backend();
    setWindowTitle(tr("%1 — Cutover").arg(profile));
    m_addressLabel->setText(backend->address());
    m_banner->hide();
    statusBar()->showMessage(tr("Connecting to %1…").arg(backend->address()));
    connect(poller, &Poller::healthUpdated, m_services, &ServiceModel::apply);
    connect(poller, &Poller::sourceStateChanged, this, [this](Source source) {
        if (source == Source::Health)
            healthStateChanged();
    });
    fetchIdentity();
    m_ageTimer.start();
}

void MainWindow::showConnecting(const QString &message)
{
    m_gatewayLabel->setText(message);
    statusBar()->showMessage(message);
}

void MainWindow::showFailure(const QString &message)
{
    m_gatewayLabel->setText(tr("Not connected"));
    m_banner->setText(message);
    m_banner->show();
    statusBar()->showMessage(message);
}

QString MainWindow::identityText() const
{
    return m_identityLabel->text();
}

QString MainWindow::gatewayText() const
{
    return m_gatewayLabel->text();
}

bool MainWindow::isStale() const
{
    return m_services->isStale();
}

void MainWindow::fetchIdentity()
{
    if (!m_poller || !m_poller->backend())
        return;
    GatewayBackend *backend = m_poller->backend();
    QPointer<MainWindow> self(this);
    if (!m_haveInfo) {
        backend->fetchInfo([self](Result<GatewayInfo> r) {
            if (!self || !r)
                return;
            self->m_haveInfo = true;
            const GatewayInfo &i = *r;
            self->m_gatewayLabel->setText(tr("%1 %2").arg(i.name, i.version));
            self->m_addressLabel->setText(tr("%1  ·  admin API %2%3")
                                              .arg(self->m_poller ? self->m_poller->backend()->address() : QString(), i.apiVersion,
                                                   i.instance.isEmpty() ? QString()
                                                                        : tr("  ·  instance %1").arg(i.instance)));
        });
    }
    if (!m_haveWho) {
        backend->fetchWhoAmI([self](Result<WhoAmI> r) {
            if (!self)
                return;
            if (!r) {
                self->m_identityLabel->setText(tr("<b>not signed in</b><br>%1").arg(r.error().describe().toHtmlEscaped()));
                return;
            }
            self->m_haveWho = true;
            static const char *badge[] = {"#6b7280", "#2563eb", "#7c3aed"};
            self->m_identityLabel->setText(
                tr("<span style='font-size:large'><b>%1</b></span><br>"
                   "<span style='background:%2; color:white; padding:2px 6px;'>&nbsp;%3&nbsp;</span>")
                    .arg(r->subject.toHtmlEscaped(), QLatin1String(badge[int(r->role)]), roleName(r->role)));
        });
    }
}

void MainWindow::healthStateChanged()
{
    const SourceState &st = m_poller->state(Source::Health);
    m_services->setStale(st.lastError.has_value());
    if (!st.lastError && (!m_haveInfo || !m_haveWho))
        fetchIdentity(); // the gateway is back: finish what failed while it was away
    updateAges();
}

void MainWindow::updateAges()
{
    if (!m_poller)
        return;
    const SourceState &st = m_poller->state(Source::Health);
    const QString age = ageText(st.lastSuccess);
    m_ageLabel->setText(tr("Health: updated %1").arg(age));
    const bool stale = st.isStale(QDateTime::currentDateTimeUtc());
    m_services->setStale(stale);
    if (!stale) {
        m_banner->hide();
        statusBar()->clearMessage();
        return;
    }
    const QString why = st.lastError ? st.lastError->describe() : tr("no update for %1 s").arg(st.lastSuccess.secsTo(QDateTime::currentDateTimeUtc()));
    m_banner->setText(tr("<b>Service health is stale</b> — last good update %1. %2").arg(age, why.toHtmlEscaped()));
    m_banner->show();
}

void MainWindow::updateSummary()
{
    const int total = m_services->rowCount();
    if (total == 0) {
        m_summaryLabel->setText(tr("No services yet"));
        return;
    }
    m_summaryLabel->setText(tr("%1 services  ·  %2 healthy  ·  %3 degraded  ·  %4 unhealthy  ·  %5 unknown")
                                .arg(total)
                                .arg(m_services->count(HealthStatus::Healthy))
                                .arg(m_services->count(HealthStatus::Degraded))
                                .arg(m_services->count(HealthStatus::Unhealthy))
                                .arg(m_services->count(HealthStatus::Unknown)));
}

} // namespace cutover

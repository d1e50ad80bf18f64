#include "profiledialog.h"

#include "client/cabundle.h"
#include "client/tokens.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace cutover {

ProfileDialog::ProfileDialog(ProfileStore &store, QWidget *parent)
    : QDialog(parent)
    , m_store(store)
    , m_list(new QListWidget)
    , m_name(new QLineEdit)
    , m_url(new QLineEdit)
    , m_environment(new QComboBox)
    , m_caBundle(new QLineEdit)
    , m_tokenFile(new QLineEdit)
    , m_tokenEdit(new QLineEdit)
    , m_metricsMs(new QSpinBox)
    , m_healthMs(new QSpinBox)
    , m_availability(new QDoubleSpinBox)
    , m_p95(new QSpinBox)
    , m_errorRate(new QDoubleSpinBox)
    , m_requestsMetric(new QLineEdit)
    , m_durationMetric(new QLineEdit)
    , m_routeLabel(new QLineEdit)
    , m_error(new QLabel)
    , m_demo(new QPushButton(tr("Open the demo gateway")))
    , m_connect(new QPushButton(tr("Save and connect")))
{
    setWindowTitle(tr("Connect — Cutover"));
    resize(820, 560);
    auto *outer = new QVBoxLayout(this);

    auto *intro = new QLabel(tr("<b>Connect to a gateway</b><br>Pick a saved profile or describe a new one. "
                                "New here? The demo gateway runs a simulated migration on this machine."));
    intro->setWordWrap(true);
    outer->addWidget(intro);
    m_demo->setMinimumHeight(34);
    m_demo->setToolTip(tr("Starts cutover-sim on a free loopback port and connects to it as an operator"));
    outer->addWidget(m_demo, 0, Qt::AlignLeft);

    auto *body = new QHBoxLayout;
    auto *left = new QVBoxLayout;
    left->addWidget(new QLabel(tr("Saved profiles")));
    left->addWidget(m_list, 1);
    auto *add = new QPushButton(tr("New profile"));
    auto *remove = new QPushButton(tr("Delete"));
    auto *listButtons = new QHBoxLayout;
    listButtons->addWidget(add);
    listButtons->addWidget(remove);
    left->addLayout(listButtons);
    body->addLayout(left, 1);

    auto *form = new QFormLayout;
    m_name->setPlaceholderText(tr("e.g. prod-eu"));
    m_url->setPlaceholderText(tr("https://gateway.example:9443 — or tcp://127.0.0.1:9999 for HAProxy"));
    for (Environment e : {Environment::Production, Environment::Staging, Environment::Development})
        m_environment->addItem(environmentName(e), int(e));
    m_caBundle->setPlaceholderText(tr("optional: PEM file of extra CAs to trust"));
    m_tokenFile->setPlaceholderText(tr("optional: file holding the token (mode 600)"));
    m_tokenEdit->setEchoMode(QLineEdit::Password);
    m_tokenEdit->setPlaceholderText(tr("stored in the system keychain, never in settings"));
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Gateway URL"), m_url);
    form->addRow(tr("Environment"), m_environment);
    form->addRow(tr("Token"), m_tokenEdit);
    form->addRow(tr("Token file"), m_tokenFile);
    form->addRow(tr("CA bundle"), m_caBundle);

    auto *advanced = new QGroupBox(tr("Polling, SLO thresholds and metric names"));
    auto *adv = new QFormLayout(advanced);
    m_metricsMs->setRange(250, 60000);
    m_metricsMs->setSuffix(tr(" ms"));
    m_healthMs->setRange(250, 60000);
    m_healthMs->setSuffix(tr(" ms"));
    m_availability->setRange(90.0, 99.9999);
    m_availability->setDecimals(3);
    m_availability->setSuffix(tr(" %"));
    m_p95->setRange(1, 60000);
    m_p95->setSuffix(tr(" ms"));
    m_errorRate->setRange(0.0, 50.0);
    m_errorRate->setDecimals(3);
    m_errorRate->setSuffix(tr(" %"));
    adv->addRow(tr("Metrics every"), m_metricsMs);
    adv->addRow(tr("Health every"), m_healthMs);
    adv->addRow(tr("Availability ≥"), m_availability);
    adv->addRow(tr("p95 ≤"), m_p95);
    adv->addRow(tr("Error rate ≤"), m_errorRate);
    adv->addRow(tr("Requests counter"), m_requestsMetric);
    adv->addRow(tr("Duration histogram"), m_durationMetric);
    adv->addRow(tr("Route label"), m_routeLabel);
    auto *right = new QVBoxLayout;
    right->addLayout(form);
    right->addWidget(advanced);
    m_error->setStyleSheet(QStringLiteral("color: #b91c1c;"));
    m_error->setWordWrap(true);
    right->addWidget(m_error);
    right->addStretch(1);
    body->addLayout(right, 2);
    outer->addLayout(body, 1);

    auto *buttons = new QDialogButtonBox;
    buttons->addButton(m_connect, QDialogButtonBox::AcceptRole);
    buttons->addButton(QDialogButtonBox::Cancel);
    m_connect->setDefault(true);
    outer->addWidget(buttons);

    connect(m_demo, &QPushButton::clicked, this, [this] {
        m_choice = Choice::Demo;
        m_chosen = Profile::demo();
        accept();
    });
    connect(m_connect, &QPushButton::clicked, this, [this] {
        // Read everything first: saving reloads the form from the store, which has no token.
        const QByteArray token = m_tokenEdit->text().trimmed().toUtf8();
        if (const QString problem = tokenProblem(token, tr("the Token field")); !problem.isEmpty()) {
            m_error->setText(problem);
            return;
        }
        const Profile profile = formProfile();
        if (!saveForm())
            return;
        m_choice = Choice::Profile;
        m_chosen = profile;
        m_token = token;
        m_tokenEdit->clear();
        m_store.setLastUsed(m_chosen.name);
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(add, &QPushButton::clicked, this, [this] {
        m_list->clearSelection();
        Profile p;
        loadIntoForm(p);
        m_name->setFocus();
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        if (auto *item = m_list->currentItem()) {
            m_store.remove(item->text());
            refreshList(QString());
            loadIntoForm(Profile());
        }
    });
    connect(m_list, &QListWidget::currentTextChanged, this, [this](const QString &name) {
        if (const auto p = m_store.load(name))
            loadIntoForm(*p);
    });

    refreshList(m_store.lastUsed());
    if (m_list->count() == 0)
        loadIntoForm(Profile());
}

QString ProfileDialog::errorText() const
{
    return m_error->text();
}

void ProfileDialog::selectProfile(const QString &name)
{
    refreshList(name);
}

void ProfileDialog::refreshList(const QString &select)
{
    m_list->clear();
    m_list->addItems(m_store.names());
    const auto found = m_list->findItems(select, Qt::MatchExactly);
    if (!found.isEmpty())
        m_list->setCurrentItem(found.first());
    else if (m_list->count() > 0)
        m_list->setCurrentRow(0);
}

void ProfileDialog::loadIntoForm(const Profile &p)
{
    m_name->setText(p.name);
    m_url->setText(p.url.toString());
    m_environment->setCurrentIndex(std::max(0, m_environment->findData(int(p.environment))));
    m_caBundle->setText(p.caBundle);
    m_tokenFile->setText(p.tokenFile);
    m_tokenEdit->clear();
    m_metricsMs->setValue(int(p.metricsInterval.count()));
    m_healthMs->setValue(int(p.healthInterval.count()));
    m_availability->setValue(p.slo.availability * 100.0);
    m_p95->setValue(int(p.slo.p95.count()));
    m_errorRate->setValue(p.slo.errorRate * 100.0);
    m_requestsMetric->setText(p.metrics.requestsTotal);
    m_durationMetric->setText(p.metrics.requestDuration);
    m_routeLabel->setText(p.metrics.routeLabel);
    m_error->clear();
}

Profile ProfileDialog::formProfile() const
{
    Profile p;
    if (const auto existing = m_store.load(m_name->text().trimmed()))
        p = *existing;
    p.name = m_name->text().trimmed();
    p.url = QUrl::fromUserInput(m_url->text().trimmed());
    p.kind = profileKindForUrl(p.url).value_or(GatewayKind::Http);
    p.environment = Environment(m_environment->currentData().toInt());
    p.caBundle = m_caBundle->text().trimmed();
    p.tokenFile = m_tokenFile->text().trimmed();
    p.metricsInterval = std::chrono::milliseconds(m_metricsMs->value());
    p.healthInterval = std::chrono::milliseconds(m_healthMs->value());
    p.slo.availability = m_availability->value() / 100.0;
    p.slo.p95 = std::chrono::milliseconds(m_p95->value());
    p.slo.errorRate = m_errorRate->value() / 100.0;
    p.metrics.requestsTotal = m_requestsMetric->text().trimmed();
    p.metrics.requestDuration = m_durationMetric->text().trimmed();
    p.metrics.routeLabel = m_routeLabel->text().trimmed();
    return p;
}

bool ProfileDialog::saveForm()
{
    // Checked before the form trims it: "prod\n" is refused, not quietly saved as "prod".
    if (const QString problem = profileNameProblem(m_name->text()); !problem.isEmpty()) {
        m_error->setText(problem);
        return false;
    }
    const Profile p = formProfile();
    if (!p.caBundle.isEmpty()) {
        if (const QString problem = caBundleProblem(p.caBundle); !problem.isEmpty()) {
            m_error->setText(problem);
            return false;
        }
    }
    if (!profileKindForUrl(p.url)) {
        m_error->setText(tr("The gateway URL must start with http:// or https:// (the admin API), or be a HAProxy "
                            "Runtime API address: tcp://host:port or unix:///path/to/admin.sock"));
        return false;
    }
    const QString error = m_store.save(p);
    m_error->setText(error);
    if (!error.isEmpty())
        return false;
    refreshList(p.name);
    return true;
}

} // namespace cutover

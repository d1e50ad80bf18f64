#include "connectionbar.h"

#include "client/logsource.h"
#include "client/poller.h"
#include "elidedlabel.h"

#include <QDateTime>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <algorithm>

namespace cutover {

namespace {

QString age(const QDateTime &since, const QDateTime &now)
{
    if (!since.isValid())
        return QObject::tr("waiting");
    const qint64 s = since.secsTo(now);
    if (s < 1)
        return QObject::tr("now");
    if (s < 120)
        return QObject::tr("%1 s").arg(s);
    if (s < 7200)
        return QObject::tr("%1 min").arg(s / 60);
    return QObject::tr("%1 h").arg(s / 3600);
}

const char *chipStyle(bool stale, bool waiting)
{
    if (stale)
        return "QLabel { background: #7f1d1d; color: #fee2e2; border-radius: 9px; padding: 2px 9px; }";
    if (waiting)
        return "QLabel { background: #374151; color: #d1d5db; border-radius: 9px; padding: 2px 9px; }";
    return "QLabel { background: #14532d; color: #dcfce7; border-radius: 9px; padding: 2px 9px; }";
}

} // namespace

ConnectionBar::ConnectionBar(QWidget *parent)
    : QFrame(parent)
    , m_env(new QLabel)
    , m_profile(new QLabel)
    , m_gateway(new ElidedLabel)
    , m_address(new ElidedLabel)
    , m_identity(new QLabel)
{
    setObjectName(QStringLiteral("connectionBar"));
    auto *row = new QHBoxLayout(this);
    row->setContentsMargins(12, 8, 12, 8);
    row->setSpacing(14);

    auto *who = new QVBoxLayout;
    who->setSpacing(2);
    m_env->setAlignment(Qt::AlignCenter);
    QFont envFont = m_env->font();
    envFont.setBold(true);
    envFont.setLetterSpacing(QFont::AbsoluteSpacing, 1.2);
    m_env->setFont(envFont);
    who->addWidget(m_env);
    m_profile->setAlignment(Qt::AlignCenter);
    who->addWidget(m_profile);
    row->addLayout(who);

    auto *gw = new QVBoxLayout;
    gw->setSpacing(2);
    QFont big = m_gateway->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    big.setBold(true);
    m_gateway->setFont(big);
    m_gateway->setMinimumWidth(m_gateway->fontMetrics().averageCharWidth() * 10);
    m_address->setMinimumWidth(m_address->fontMetrics().averageCharWidth() * 10);
    m_address->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Long names and addresses are cut, never widen the window (the tooltip has them whole).
    gw->addWidget(m_gateway);
    gw->addWidget(m_address);
    row->addLayout(gw, 1);

    const QStringList names = {tr("Health"), tr("Metrics"), tr("Routes & flags"), tr("Logs")};
    for (const QString &n : names) {
        // Two lines, the name over its state, and as wide as the longest state it can show:
        // a chip never changes its width, so an outage does not rearrange the bar.
        auto *chip = new QLabel;
        chip->setObjectName(QStringLiteral("sourceChip"));
        chip->setAlignment(Qt::AlignCenter);
        const QFontMetrics fm = chip->fontMetrics();
        int widest = fm.horizontalAdvance(QStringLiteral("● %1").arg(n));
        for (const QString &state : {tr("stale %1").arg(age(QDateTime::fromSecsSinceEpoch(0), QDateTime::fromSecsSinceEpoch(7199))),
                                     tr("never updated"), tr("reconnecting"), tr("connecting")})
            widest = std::max(widest, fm.horizontalAdvance(state));
        chip->setMinimumWidth(widest + 2 * 9 + 4); // the style sheet's padding, and a little air
        m_sources.append(chip);
        m_stale.append(false);
        row->addWidget(chip);
    }
    m_identity->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_identity->setMinimumWidth(150);
    row->addWidget(m_identity);

    setProfile(Profile::demo());
    setMessage(tr("Not connected"));
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &ConnectionBar::refreshSources);
    refreshSources();
}

void ConnectionBar::setProfile(const Profile &profile)
{
    const QString color = profile.effectiveColor();
    const bool production = profile.environment == Environment::Production;
    setStyleSheet(QStringLiteral("#connectionBar { background: #111827; border-top: %1px solid %2; }"
                                 "#connectionBar QLabel { color: #e5e7eb; }")
                      .arg(production ? 6 : 3)
                      .arg(color));
    m_env->setText(QStringLiteral(" %1 ").arg(environmentName(profile.environment).toUpper()));
    m_env->setStyleSheet(QStringLiteral("QLabel { background: %1; color: white; border-radius: 3px; padding: 2px 8px; }").arg(color));
    m_profile->setText(profile.name);
    m_profile->setStyleSheet(QStringLiteral("QLabel { color: #9ca3af; }"));
}

void ConnectionBar::setSources(Poller *poller, LogSource *logs)
{
    m_poller = poller;
    m_logs = logs;
    if (poller)
        connect(poller, &Poller::sourceStateChanged, this, &ConnectionBar::refreshSources);
    if (logs)
        connect(logs, &LogSource::connectionStateChanged, this, &ConnectionBar::refreshSources);
    m_tick.start();
    refreshSources();
}

void ConnectionBar::setGateway(const GatewayInfo &info, const QString &address)
{
    m_gateway->setFullText(QStringLiteral("%1 %2").arg(info.name, info.version));
    m_address->setFullText(tr("%1  ·  admin API %2").arg(address, info.apiVersion));
    m_address->setStyleSheet(QStringLiteral("QLabel { color: #9ca3af; }"));
}

void ConnectionBar::setIdentity(const WhoAmI &who)
{
    static const char *badge[] = {"#4b5563", "#2563eb", "#7c3aed"};
    m_identity->setText(tr("<b>%1</b><br><span style='background:%2; color:white;'>&nbsp;%3&nbsp;</span>")
                            .arg(who.subject.toHtmlEscaped(), QLatin1String(badge[int(who.role)]), roleName(who.role)));
    m_identity->setToolTip(who.role == Role::Viewer ? tr("Viewers can see everything and change nothing.") : QString());
}

void ConnectionBar::setIdentityError(const QString &message)
{
    m_identity->setText(tr("<b>not signed in</b>"));
    m_identity->setToolTip(message);
}

void ConnectionBar::setMessage(const QString &message)
{
    m_gateway->setFullText(message);
}

QString ConnectionBar::sourceText(int index) const
{
    return m_sources.value(index) ? m_sources.at(index)->text() : QString();
}

bool ConnectionBar::sourceIsStale(int index) const
{
    return m_stale.value(index);
}

QString ConnectionBar::identityText() const
{
    return m_identity->text();
}

QString ConnectionBar::gatewayText() const
{
    return m_gateway->fullText();
}

void ConnectionBar::refreshSources()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto show = [this](int i, const QString &name, const QString &state, bool stale, bool waiting, const QString &tip) {
        m_sources[i]->setText(QStringLiteral("● %1\n%2").arg(name, state));
        m_sources[i]->setStyleSheet(QLatin1String(chipStyle(stale, waiting)));
        m_sources[i]->setToolTip(tip);
        m_stale[i] = stale;
    };
    const QString names[] = {tr("Health"), tr("Metrics"), tr("Routes & flags")};
    const Source sources[] = {Source::Health, Source::Metrics, Source::Routes};
    for (int i = 0; i < 3; ++i) {
        if (!m_poller) {
            show(i, names[i], tr("—"), false, true, tr("not connected"));
            continue;
        }
        const SourceState &st = m_poller->state(sources[i]);
        const bool stale = st.isStale(now);
        // Failing with nothing good ever received: "never updated", not an age counted from nothing.
        const bool never = !st.lastSuccess.isValid() && st.lastError;
        QString tip = tr("Polled every %1 s").arg(double(st.interval.count()) / 1000.0);
        if (st.lastError)
            tip = tr("Failing: %1\nLast good update: %2")
                      .arg(st.lastError->describe(), never ? tr("never") : age(st.lastSuccess, now));
        const QString state = never ? tr("never updated")
            : stale                 ? tr("stale %1").arg(age(st.lastSuccess, now))
                                    : age(st.lastSuccess, now);
        show(i, names[i], state, stale, !st.lastSuccess.isValid() && !st.lastError, tip);
    }
    if (!m_logs) {
        show(3, tr("Logs"), tr("—"), false, true, tr("no log stream"));
        return;
    }
    switch (m_logs->state()) {
    case LogSource::State::Streaming: {
        QString tip = tr("Following %1").arg(m_logs->describe());
        if (const auto timeout = m_logs->silenceTimeout())
            tip += QLatin1Char('\n') + tr("Stale after %1 s without a line or heartbeat").arg(double(timeout->count()) / 1000.0);
        show(3, tr("Logs"), tr("live"), false, false, tip);
        break;
    }
    case LogSource::State::Connecting: show(3, tr("Logs"), tr("connecting"), false, true, QString()); break;
    case LogSource::State::Reconnecting:
        show(3, tr("Logs"), tr("reconnecting"), true, false,
             m_logs->lastError() ? m_logs->lastError()->describe() : tr("reconnecting"));
        break;
    case LogSource::State::Stopped:
        show(3, tr("Logs"), tr("stopped"), m_logs->lastError().has_value(), !m_logs->lastError().has_value(),
             m_logs->lastError() ? m_logs->lastError()->describe() : tr("not following"));
        break;
    }
}

} // namespace cutover

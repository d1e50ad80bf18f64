#include "rollbackbanner.h"
#include "client/displaytext.h"

#include "client/poller.h"
#include "models/auditlog.h"
#include "models/boardstate.h"
#include "models/rollbackcontroller.h"

#include <QLabel>
#include <QTextDocumentFragment>
#include <QVBoxLayout>

namespace cutover {

namespace {

QString mark(SloState state)
{
    switch (state) {
    case SloState::Met:
    case SloState::AtRisk: return QStringLiteral("<span style='color:#bbf7d0'>\u2714</span>");
    case SloState::Breached: return QStringLiteral("<span style='color:#fde68a'>\u2716</span>");
    case SloState::NoData:
    case SloState::NotEnoughTraffic: break;
    }
    return QStringLiteral("<span style='color:#fecaca'>?</span>");
}

QString percent(double ratio)
{
    const double p = ratio * 100.0;
    return RollbackBanner::tr("%1 %").arg(p, 0, 'f', p == 0.0 ? 0 : p < 1.0 ? 2 : 1);
}

} // namespace

RollbackBanner::RollbackBanner(BoardState *board, RollbackController *controller, QWidget *parent)
    : QFrame(parent)
    , m_board(board)
    , m_controller(controller)
    , m_headline(new QLabel)
    , m_verification(new QLabel)
{
    setObjectName(QStringLiteral("rollbackBanner"));
    setStyleSheet(QStringLiteral("#rollbackBanner { background: #b91c1c; border-bottom: 2px solid #7f1d1d; }"
                                 "#rollbackBanner QLabel { color: white; }"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 7, 14, 8);
    layout->setSpacing(3);
    for (QLabel *l : {m_headline, m_verification}) {
        l->setTextFormat(Qt::RichText);
        l->setWordWrap(true);
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
        layout->addWidget(l);
    }
    QFont big = m_headline->font();
    big.setPointSizeF(big.pointSizeF() * 1.15);
    m_headline->setFont(big);

    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &RollbackBanner::refresh);
    connect(m_controller, &RollbackController::changed, this, &RollbackBanner::refresh);
    connect(m_controller, &RollbackController::verificationChanged, this, &RollbackBanner::refresh);
    setVisible(false);
}

QString RollbackBanner::headline() const
{
    return QTextDocumentFragment::fromHtml(m_headline->text()).toPlainText();
}

QString RollbackBanner::verification() const
{
    return QTextDocumentFragment::fromHtml(m_verification->text()).toPlainText();
}

void RollbackBanner::refresh()
{
    const bool engaged = m_controller->isEngaged();
    setVisible(engaged);
    if (!engaged) {
        m_tick.stop();
        return;
    }
    if (!m_tick.isActive())
        m_tick.start();
    const RollbackState &s = m_controller->state();
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const auto since = std::chrono::milliseconds(std::max<qint64>(0, s.engagedAt.msecsTo(now)));
    QString head = tr("<b>EMERGENCY ROLLBACK ENGAGED</b> \u2014 every request goes to the monolith. "
                      "Engaged by <b>%1</b> at %2, <b>%3 ago</b>: \u201c%4\u201d")
                       .arg(inertText(s.engagedBy).toHtmlEscaped(), s.engagedAt.toLocalTime().toString(QStringLiteral("HH:mm:ss")),
                            AuditLog::formatDuration(since), inertText(s.reason).toHtmlEscaped());
    // The board tells the truth: a rollback state that could not be read again is shown as such.
    if (const SourceState *rollback = m_board->sourceState(Source::Rollback)) {
        const SourceState &st = *rollback;
        if (st.isStale(now))
            head += tr(" <span style='background:#fde68a; color:#78350f'>&nbsp;state not confirmed for %1&nbsp;</span>")
                        .arg(AuditLog::formatDuration(std::chrono::milliseconds(
                            st.lastSuccess.isValid() ? st.lastSuccess.msecsTo(now) : 0)));
    }
    m_headline->setText(head);

    const RollbackVerifier &v = m_controller->verifier();
    const SloThresholds slo = m_board->sloThresholds();
    QStringList parts;
    const std::optional<TrafficObservation> &o = v.latest();
    if (!o) {
        parts << tr("Verification: waiting for traffic numbers since the engage\u2026");
    } else {
        const bool drained = v.drainedAt().has_value();
        QString share = tr("Microservice share %1 %2")
                            .arg(o->microserviceShare ? percent(*o->microserviceShare) : tr("unknown"),
                                 drained ? mark(SloState::Met) : QStringLiteral("\u2026"));
        if (const auto ttd = v.timeToDrain())
            share += tr(" (drained after %1)").arg(AuditLog::formatDuration(*ttd));
        parts << share;
        // Each check with the evidence it rests on: a verdict needs enough requests (models/slo.h).
        auto evidence = [](const Verdict &check) {
            if (check.state == SloState::NotEnoughTraffic)
                return check.requestsNeeded ? tr("not enough traffic yet: %1 of about %2 requests")
                                                  .arg(qint64(check.requests)).arg(qint64(*check.requestsNeeded))
                                            : tr("not enough traffic yet: too close to the SLO to tell");
            return tr("%1 requests over %2").arg(qint64(check.requests)).arg(windowText(check.span));
        };
        const Verdict errors = v.errorVerdict(), latency = v.latencyVerdict();
        parts << tr("error rate %1 %2 (SLO \u2264 %3; %4)")
                     .arg(errors.observed ? percent(*errors.observed) : tr("no data"), mark(errors.state),
                          percent(slo.errorRatioMax), evidence(errors));
        parts << tr("p95 %1 %2 (SLO \u2264 %3 ms)")
                     .arg(latency.observed ? tr("%1 ms").arg(*latency.observed, 0, 'f', 0) : tr("no data"), mark(latency.state))
                     .arg(slo.latencyP95Max.count(), 0, 'f', 0);
        if (const auto ttr = v.timeToRecovery()) {
            const bool onTarget = *ttr <= RollbackVerifier::kRecoveryTarget;
            parts << tr("<b>Recovered in %1</b> %2 (target &lt; %3 min)")
                         .arg(AuditLog::formatDuration(*ttr), mark(onTarget ? SloState::Met : SloState::Breached))
                         .arg(RollbackVerifier::kRecoveryTarget.count());
        } else if (v.phase() == RollbackVerifier::Phase::Recovered) {
            parts << tr("<b>SLO met again</b> (time to recovery not measured: this console was not watching at the engage)");
        } else {
            // Say what still fails; "recovered" needs every check to pass.
            QStringList failing;
            if (!drained)
                failing << tr("microservices still serving");
            for (const Verdict *check : {&errors, &latency})
                if (check->state != SloState::Met && check->state != SloState::AtRisk)
                    failing << check->explain().toHtmlEscaped();
            parts << tr("<b>not recovered yet</b>%1: %2")
                         .arg(v.relapsed() ? tr(" (the SLO broke again after a recovery)") : QString(),
                              failing.join(QStringLiteral("; ")));
        }
        if (const SourceState *metrics = m_board->sourceState(Source::Metrics); metrics && metrics->isStale(now))
            parts << tr("<span style='background:#fde68a; color:#78350f'>&nbsp;metrics are stale: these numbers are "
                        "not current&nbsp;</span>");
    }
    m_verification->setText(parts.join(QStringLiteral(" \u00b7 ")));
}

} // namespace cutover

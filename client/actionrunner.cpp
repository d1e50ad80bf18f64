#include "actionrunner.h"

#include <QPointer>

#include <spdlog/spdlog.h>

namespace cutover {

namespace {

void logNet(spdlog::level::level_enum level, const QString &line)
{
    if (auto log = spdlog::get("net"))
        log->log(level, "{}", line.toStdString());
}

} // namespace

ActionRunner::~ActionRunner()
{
    // Nothing calls back after this: the jobs go without finishing.
    m_jobs.clear();
}

quint64 ActionRunner::start(std::shared_ptr<Job> job)
{
    job->id = m_next++;
    const quint64 id = job->id;
    m_jobs.insert(id, std::move(job));
    QTimer::singleShot(0, this, [this, id] { tryNow(id); });
    return id;
}

void ActionRunner::cancel(quint64 id)
{
    const std::shared_ptr<Job> job = m_jobs.value(id);
    if (!job)
        return;
    job->cancelled = true;
    // Waiting for the next try: nothing is on the wire, so it ends now.
    if (job->wait && job->wait->isActive()) {
        job->wait->stop();
        waited(id);
    }
}

ApiError ActionRunner::cancelledError(const Job &job, const QString &why) const
{
    ApiError e;
    e.kind = ApiError::Kind::Cancelled;
    e.endpoint = job.name;
    e.message = why.isEmpty() ? tr("cancelled by the operator; %1 had not confirmed it").arg(job.confirmer)
                              : tr("cancelled by the operator; %1 had not confirmed it (%2)").arg(job.confirmer, why);
    return e;
}

void ActionRunner::tryNow(quint64 id)
{
    const std::shared_ptr<Job> job = m_jobs.value(id);
    if (!job)
        return;
    if (job->cancelled)
        return end(id, cancelledError(*job, {}));
    if (job->deadline.hasExpired()) {
        ApiError e;
        e.kind = ApiError::Kind::Timeout;
        e.endpoint = job->name;
        e.message = tr("the deadline passed before it could be sent");
        return end(id, std::move(e));
    }
    const ActionTry t {job->tries, job->retry.attempts, job->lost};
    ActionStep step;
    step.number = t.number;
    step.of = t.of;
    QPointer<ActionRunner> self(this);
    Q_EMIT stepped(id, step);
    if (!self || !m_jobs.contains(id))
        return;
    if (job->cancelled) // by a receiver of the step: nothing went out
        return end(id, cancelledError(*job, {}));
    ++job->tries;
    job->attempt(t, [self, id](std::optional<ApiError> error) {
        if (self)
            self->tried(id, std::move(error));
    });
}

void ActionRunner::tried(quint64 id, std::optional<ApiError> error)
{
    const std::shared_ptr<Job> job = m_jobs.value(id);
    if (!job)
        return;
    if (!error)
        return end(id, std::nullopt); // a confirmation wins over a cancel that came too late
    ApiError e = std::move(*error);
    job->lost = job->lost || e.answerLost;
    // The same request again (same key): the gateway applies it once, or replays its first answer.
    const bool worthAnother = e.isTransient() || e.answerLost;
    if (job->cancelled && worthAnother) {
        if (e.answerLost && job->resolve)
            return resolveThen(id, std::move(e), true);
        return end(id, cancelledError(*job, e.message));
    }
    // What the target holds decides first; the same request goes again only if it cannot tell.
    if (e.answerLost && job->resolve)
        return resolveThen(id, std::move(e), job->tries >= job->retry.attempts);
    if (worthAnother && scheduleNext(*job, e))
        return;
    end(id, std::move(e));
}

bool ActionRunner::scheduleNext(Job &job, ApiError &e, const Resolved *read)
{
    if (job.tries >= job.retry.attempts)
        return false;
    const auto wait = job.retry.backoff(job.tries - 1, m_random);
    const bool timeLeft = job.deadline.isForever()
        || std::chrono::duration_cast<std::chrono::milliseconds>(job.deadline.remainingTimeAsDuration()) > wait;
    if (!timeLeft) {
        // (A try that the deadline itself ended says so already.)
        if (!(e.kind == ApiError::Kind::Timeout && job.deadline.hasExpired()))
            e.message += tr("; the deadline leaves no time for another try");
        return false;
    }
    const QString seconds = QString::number(double(wait.count()) / 1000.0, 'f', 1);
    // Without an end to the tries, "of 2147483647" would say nothing.
    const QString line = job.retry.isUntilCancelled()
        ? tr("%1 — sending it again in %2 s (try %3)").arg(e.describe(), seconds).arg(job.tries + 1)
        : tr("%1 — sending it again in %2 s (try %3 of %4)").arg(e.describe(), seconds).arg(job.tries + 1).arg(job.retry.attempts);
    logNet(spdlog::level::info, line);
    if (!job.wait) {
        job.wait = new QTimer(this);
        job.wait->setSingleShot(true);
        const quint64 id = job.id;
        connect(job.wait, &QTimer::timeout, this, [this, id] { waited(id); });
    }
    job.wait->start(wait);
    ActionStep step;
    step.kind = ActionStep::Kind::Again;
    step.number = job.tries - 1;
    step.of = job.retry.attempts;
    step.error = e;
    if (read && !read->evidence.isEmpty()) {
        step.readBack = true;
        step.notApplied = read->notApplied;
        step.evidence = read->evidence;
    }
    step.wait = wait;
    step.line = line;
    // Last: a receiver that cancels finds the wait started, and ends the action at once.
    const quint64 id = job.id;
    Q_EMIT progress(line);
    if (m_jobs.contains(id))
        Q_EMIT stepped(id, step);
    return true;
}

void ActionRunner::waited(quint64 id)
{
    const std::shared_ptr<Job> job = m_jobs.value(id);
    if (!job)
        return;
    if (job->cancelled)
        return end(id, cancelledError(*job, {}));
    tryNow(id);
}

void ActionRunner::resolveThen(quint64 id, ApiError lost, bool final)
{
    const std::shared_ptr<Job> job = m_jobs.value(id);
    if (!job)
        return;
    QPointer<ActionRunner> self(this);
    job->resolve([self, id, lost = std::move(lost), final](Resolved r) {
        if (!self)
            return;
        const std::shared_ptr<Job> current = self->m_jobs.value(id);
        if (!current)
            return;
        if (r.settled)
            return self->end(id, std::move(r.error)); // what the target holds wins over a late cancel
        if (current->cancelled)
            return self->end(id, self->cancelledError(*current, r.evidence.isEmpty() ? lost.message : r.evidence));
        ApiError e = lost;
        if (!final && self->scheduleNext(*current, e, &r))
            return;
        if (r.notApplied) {
            e.answerLost = false; // known now: not applied
            e.message = tr("%1; read back: not applied (%2)").arg(e.message, r.evidence);
        } else {
            e.message = tr("%1; reading back could not tell (%2)").arg(e.message, r.evidence);
        }
        self->end(id, std::move(e));
    });
}

void ActionRunner::end(quint64 id, std::optional<ApiError> error)
{
    const std::shared_ptr<Job> job = m_jobs.take(id);
    if (!job)
        return;
    if (job->wait)
        job->wait->deleteLater();
    if (error)
        logNet(spdlog::level::warn, error->describe());
    job->finish(std::move(error));
}

} // namespace cutover

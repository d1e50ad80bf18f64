#pragma once

#include "apierror.h"
#include "retrypolicy.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace cutover {

// One try of an action, as the runner hands it to the backend.
struct ActionTry
{
    int number = 0;               // 0: the first
    int of = 1;                   // RetryPolicy::attempts
    bool afterLostAnswer = false; // an earlier try's answer was lost: it may have been applied
};

// One step of an action, for a caller that words its progress itself (RollbackController): a try
// goes out, or the last one did not settle the action and the same request goes again after `wait`.
struct ActionStep
{
    enum class Kind : quint8 { Sending, Again };
    Kind kind = Kind::Sending;
    int number = 0;               // the try going out, or the one that did not settle it (0: the first)
    int of = 1;                   // RetryPolicy::attempts
    ApiError error;               // Again: why that try did not settle it
    bool readBack = false;        // Again: the resolve step read the target back first …
    bool notApplied = false;      // … and it showed the action not applied (else: it could not tell)
    QString evidence;             // … what it read, in words
    std::chrono::milliseconds wait {0}; // Again: the backoff before the next try
    QString line;                 // Again: the runner's progress line
};

// What reading the target back says about an action whose answer was lost.
template<typename T>
struct ActionResolution
{
    // Set: the state decides, and the action ends with this (its answer when applied, or an error
    // that settles it, such as a conflicting change by someone else).
    std::optional<Result<T>> settled;
    bool notApplied = false;      // unsettled: the state shows it was not applied (else: cannot tell)
    QString evidence;             // what was read, in words
};

// The one way a mutation is carried out against any backend (HttpAdminClient's action POSTs,
// HaproxyBackend's rollback): every try of one operator action carries the same idempotency key
// (the backend's `attempt` uses it), transient failures and lost answers are tried again after a
// jittered, capped backoff, never past the deadline, and never after a cancel. An answer that was
// lost is an unknown outcome to resolve, never a failure or a success by guess: the runner tries
// again with the same key (the gateway replays its first answer), and when the backend gives a
// `resolve` step it first reads the target's state and decides from it, sending the same request
// again only when that cannot tell or shows it not applied. Errors are the
// backend's ApiErrors (for HTTP, apiErrorFromReply's); `done` runs once, on this object's thread,
// and never after the runner is destroyed.
class ActionRunner : public QObject
{
    Q_OBJECT

public:
    template<typename T>
    using Done = std::function<void(Result<T>)>;

    template<typename T>
    struct Spec
    {
        QString name;                 // for messages: "POST /admin/rollback", "rollback.engage"
        QString confirmer;            // who had not confirmed a cancelled action: "the gateway", "HAProxy"
        RetryPolicy retry;
        QDeadlineTimer deadline {QDeadlineTimer::Forever};
        // One try; its error has answerLost set when the change may have been applied.
        std::function<void(const ActionTry &, Done<T>)> attempt;
        // Optional: reads the target back after a lost answer.
        std::function<void(std::function<void(ActionResolution<T>)>)> resolve = {};
    };

    using QObject::QObject;
    ~ActionRunner() override;

    // Starts on the next turn of the event loop, so the caller has the id before anything completes.
    template<typename T>
    quint64 run(Spec<T> spec, Done<T> done);
    // Stops trying: a try on the wire is waited for (a confirmation still wins), none is started.
    void cancel(quint64 id);
    bool isRunning(quint64 id) const { return m_jobs.contains(id); }
    // Picks the jitter's random number in [0, 1) (tests); empty: the global generator.
    void setRandom(std::function<double()> random) { m_random = std::move(random); }

Q_SIGNALS:
    // One line for the operator while an action is tried again ("… — sending it again in 0.6 s").
    void progress(const QString &line);
    // The same, and every try as it goes out, for the action `id` (run()'s id).
    void stepped(quint64 id, const cutover::ActionStep &step);

private:
    struct Resolved
    {
        bool settled = false;
        std::optional<ApiError> error; // settled with an error
        bool notApplied = false;
        QString evidence;
    };
    struct Job
    {
        quint64 id = 0;
        QString name;
        QString confirmer;
        RetryPolicy retry;
        QDeadlineTimer deadline;
        int tries = 0;                // tries started
        QTimer *wait = nullptr;       // the backoff before the next try, while it runs
        bool cancelled = false;
        bool lost = false;            // some try's answer was lost
        std::function<void(const ActionTry &, std::function<void(std::optional<ApiError>)>)> attempt;
        std::function<void(std::function<void(Resolved)>)> resolve;
        std::function<void(std::optional<ApiError>)> finish; // nullopt: the stored answer
    };

    quint64 start(std::shared_ptr<Job> job);
    void tryNow(quint64 id);
    void tried(quint64 id, std::optional<ApiError> error);
    // Starts the backoff before the next try; false (with `e` saying why) when none is left.
    // `read`: what the resolve step read back just before.
    bool scheduleNext(Job &job, ApiError &e, const Resolved *read = nullptr);
    void waited(quint64 id);
    void resolveThen(quint64 id, ApiError lost, bool final);
    void end(quint64 id, std::optional<ApiError> error);
    ApiError cancelledError(const Job &job, const QString &why) const;

    QHash<quint64, std::shared_ptr<Job>> m_jobs;
    quint64 m_next = 1;
    std::function<double()> m_random;
};

template<typename T>
quint64 ActionRunner::run(Spec<T> spec, Done<T> done)
{
    auto value = std::make_shared<std::optional<T>>();
    auto job = std::make_shared<Job>();
    job->name = std::move(spec.name);
    job->confirmer = std::move(spec.confirmer);
    job->retry = spec.retry;
    job->deadline = spec.deadline;
    job->attempt = [attempt = std::move(spec.attempt), value](const ActionTry &t,
                                                               std::function<void(std::optional<ApiError>)> report) {
        attempt(t, [value, report = std::move(report)](Result<T> r) {
            if (!r)
                return report(r.error());
            *value = r.value();
            report(std::nullopt);
        });
    };
    if (spec.resolve) {
        job->resolve = [resolve = std::move(spec.resolve), value](std::function<void(Resolved)> report) {
            resolve([value, report = std::move(report)](ActionResolution<T> r) {
                Resolved out;
                out.notApplied = r.notApplied;
                out.evidence = std::move(r.evidence);
                if (r.settled) {
                    out.settled = true;
                    if (*r.settled)
                        *value = r.settled->value();
                    else
                        out.error = r.settled->error();
                }
                report(std::move(out));
            });
        };
    }
    job->finish = [value, done = std::move(done)](std::optional<ApiError> error) {
        if (error)
            done(*error);
        else
            done(std::move(**value));
    };
    return start(std::move(job));
}

} // namespace cutover

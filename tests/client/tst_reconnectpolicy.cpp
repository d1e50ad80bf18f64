// The one reconnection rule (client/reconnectpolicy.h) and how the poller, the SSE log stream and
// HAProxy's event stream use it: growth, cap, floor, jitter bounds, the server's `retry:` hint,
// and the reset on success. Pure arithmetic: no peer, no clock.
#include "client/poller.h"
#include "client/reconnectpolicy.h"

#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;

class TestReconnectPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void growsByTheFactorUpToTheCap();
    void floorHoldsAgainstAZeroHint();
    void jitterStaysWithinItsBand();
    void serverHintReplacesTheBase();
    void successStartsOver();
    void maxStepsBoundsTheGrowth();
    void pollerKeepsItsSchedule();
};

void TestReconnectPolicy::growsByTheFactorUpToTheCap()
{
    ReconnectPolicy p({100ms, 2.0, 1000ms, 0.0, 0ms, 20});
    QCOMPARE(p.nextDelay(), 100ms);
    QCOMPARE(p.nextDelay(), 200ms);
    QCOMPARE(p.nextDelay(), 400ms);
    QCOMPARE(p.nextDelay(), 800ms);
    QCOMPARE(p.nextDelay(), 1000ms);
    QCOMPARE(p.nextDelay(), 1000ms);
    QCOMPARE(p.failures(), 6);
    // A huge failure count neither overflows nor passes the cap.
    QCOMPARE(p.delayAfter(1000000), 1000ms);
    ReconnectPolicy slow({100ms, 1.5, 1000ms, 0.0, 0ms, 20});
    QCOMPARE(slow.delayAfter(2), 225ms);
}

void TestReconnectPolicy::floorHoldsAgainstAZeroHint()
{
    ReconnectPolicy p({2000ms, 2.0, 30000ms, 0.0, 100ms, 20});
    p.setServerHint(0ms); // a gateway that says `retry: 0` and closes at once
    QCOMPARE(p.nextDelay(), 100ms);
    QCOMPARE(p.nextDelay(), 100ms);
}

void TestReconnectPolicy::jitterStaysWithinItsBand()
{
    double r = 0.0;
    ReconnectPolicy::Options o {1000ms, 2.0, 30000ms, 0.2, 100ms, 20};
    o.random = [&r] { return r; };
    ReconnectPolicy p(o);
    QCOMPARE(p.delayAfter(0), 800ms);
    r = 0.5;
    QCOMPARE(p.delayAfter(0), 1000ms);
    r = 0.999;
    QVERIFY(p.delayAfter(0) > 1190ms && p.delayAfter(0) < 1200ms);
    // Jitter never lifts a wait past the cap.
    QCOMPARE(p.delayAfter(10), 30000ms);
    // The global generator stays in the band too.
    ReconnectPolicy g({1000ms, 2.0, 30000ms, 0.2, 0ms, 20});
    for (int i = 0; i < 200; ++i) {
        const auto d = g.delayAfter(1);
        QVERIFY2(d >= 1600ms && d <= 2400ms, qPrintable(QString::number(d.count())));
    }
}

void TestReconnectPolicy::serverHintReplacesTheBase()
{
    ReconnectPolicy p({2000ms, 2.0, 30000ms, 0.0, 100ms, 20});
    QCOMPARE(p.base(), 2000ms);
    p.setServerHint(300ms);
    QCOMPARE(p.base(), 300ms);
    QCOMPARE(p.nextDelay(), 300ms);
    QCOMPARE(p.nextDelay(), 600ms);
    p.clearServerHint();
    QCOMPARE(p.base(), 2000ms);
}

void TestReconnectPolicy::successStartsOver()
{
    ReconnectPolicy p({50ms, 2.0, 10000ms, 0.0, 0ms, 20});
    p.nextDelay();
    p.nextDelay();
    QCOMPARE(p.nextDelay(), 200ms);
    p.succeeded();
    QCOMPARE(p.failures(), 0);
    QCOMPARE(p.nextDelay(), 50ms);
}

void TestReconnectPolicy::maxStepsBoundsTheGrowth()
{
    ReconnectPolicy p({10ms, 2.0, 1000000ms, 0.0, 0ms, 3});
    QCOMPARE(p.delayAfter(3), 80ms);
    QCOMPARE(p.delayAfter(4), 80ms);
    QCOMPARE(p.delayAfter(-1), 10ms);
}

void TestReconnectPolicy::pollerKeepsItsSchedule()
{
    // The poller's rule before it used the policy: interval × 2^min(failures, 8), at most
    // kMaxBackoff, never below the interval.
    for (const auto interval : {10ms, 250ms, 2000ms, 15000ms}) {
        for (int failures = 1; failures <= 12; ++failures) {
            const auto old = std::max(std::min(std::chrono::milliseconds(interval.count() << std::min(failures, 8)),
                                               Poller::kMaxBackoff),
                                      interval);
            QCOMPARE(Poller::retryDelay(interval, failures), old);
        }
    }
}

QTEST_GUILESS_MAIN(TestReconnectPolicy)
#include "tst_reconnectpolicy.moc"

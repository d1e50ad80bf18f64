// Who the gateway says we are, against a real cutover-sim: asked as soon as a poller is attached;
// a failure says why and keeps the identity unknown; asked again once the gateway is back.
#include "client/httpadminclient.h"
#include "client/poller.h"
#include "models/identitymodel.h"
#include "tests/support/simfixture.h"

#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;
using cutover::test::SimFixture;

class TestIdentityModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void askedOnAttach_data();
    void askedOnAttach();
    void unknownTokenSaysWhy();
    void askedAgainWhenTheGatewayIsBack();

private:
    std::unique_ptr<HttpAdminClient> client(const QUrl &url, const QByteArray &token)
    {
        HttpEndpoint ep;
        ep.baseUrl = url;
        ep.token = token;
        ep.timeout = 2000ms;
        auto c = std::make_unique<HttpAdminClient>(&m_nam, ep);
        c->setGetRetry({1});
        return c;
    }
    QNetworkAccessManager m_nam;
};

void TestIdentityModel::askedOnAttach_data()
{
    QTest::addColumn<Role>("role");
    QTest::addColumn<bool>("canChange");
    QTest::newRow("viewer") << Role::Viewer << false;
    QTest::newRow("operator") << Role::Operator << true;
}

void TestIdentityModel::askedOnAttach()
{
    QFETCH(Role, role);
    QFETCH(bool, canChange);
    SimFixture sim;
    QVERIFY2(sim.start(), qPrintable(sim.error()));
    auto c = client(sim.url(), sim.token(role));
    Poller poller(c.get()); // not started: attaching asks by itself
    IdentityModel model;
    QSignalSpy identity(&model, &IdentityModel::identityChanged);
    QSignalSpy gateway(&model, &IdentityModel::gatewayChanged);
    QVERIFY(!model.identity() && !model.gateway());
    model.attach(&poller);
    QTRY_VERIFY_WITH_TIMEOUT(model.identity() && model.gateway(), 5000);
    QCOMPARE(model.identity()->role, role);
    QCOMPARE(model.identity()->canChange(), canChange);
    QVERIFY(!model.identity()->subject.isEmpty());
    QVERIFY(model.identityError().isEmpty());
    QVERIFY(!model.gateway()->name.isEmpty());
    QCOMPARE(model.address(), c->address());
    QCOMPARE(identity.size(), 1);
    QCOMPARE(gateway.size(), 1);
}

void TestIdentityModel::unknownTokenSaysWhy()
{
    SimFixture sim;
    QVERIFY2(sim.start(), qPrintable(sim.error()));
    auto c = client(sim.url(), "not-a-token-the-gateway-knows");
    Poller poller(c.get());
    IdentityModel model;
    QSignalSpy identity(&model, &IdentityModel::identityChanged);
    model.attach(&poller);
    QTRY_VERIFY_WITH_TIMEOUT(!model.identityError().isEmpty(), 5000);
    QVERIFY(!model.identity());
    QVERIFY2(model.identityError().contains(QStringLiteral("401")), qPrintable(model.identityError()));
    QVERIFY(!model.identityError().contains(QStringLiteral("not-a-token"))); // tokens never in messages
    QCOMPARE(identity.size(), 1);
}

void TestIdentityModel::askedAgainWhenTheGatewayIsBack()
{
    SimFixture sim;
    QVERIFY2(sim.start(), qPrintable(sim.error()));
    const QString port = QString::number(sim.url().port());
    const QByteArray token = sim.token(Role::Operator);
    const QUrl url = sim.url();
    sim.stop();
    auto c = client(url, token);
    Poller poller(c.get());
    for (int i = 0; i < kSourceCount; ++i)
        poller.setEnabled(Source(i), Source(i) == Source::Health);
    poller.setInterval(Source::Health, 100ms);
    IdentityModel model;
    model.attach(&poller);
    poller.start();
    // Nobody answers: the identity is unknown, and the model says why.
    QTRY_VERIFY_WITH_TIMEOUT(!model.identityError().isEmpty(), 5000);
    QVERIFY(!model.identity());
    QVERIFY(!model.gateway());

    // The same gateway comes back (same port, same tokens): the health poll succeeds, and the
    // model asks again for what it still lacks, without anyone calling it.
    QVERIFY2(sim.start({QStringLiteral("--port"), port}), qPrintable(sim.error()));
    QTRY_VERIFY_WITH_TIMEOUT(!poller.state(Source::Health).lastError, 15000);
    QTRY_VERIFY_WITH_TIMEOUT(model.identity() && model.gateway(), 5000);
    QCOMPARE(model.identity()->role, Role::Operator);
    QVERIFY(model.identityError().isEmpty());
}

QTEST_GUILESS_MAIN(TestIdentityModel)
#include "tst_identitymodel.moc"

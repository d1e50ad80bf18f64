#include "client/profile.h"

#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace cutover;
using namespace std::chrono_literals;

class TestProfile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void roundTrip_data();
    void roundTrip();
    void rejectsInvalid_data();
    void rejectsInvalid();
    void removeAndLastUsed();
    void kindFromUrl_data();
    void kindFromUrl();
    void kindKeepsItsNameOnDisk_data();
    void kindKeepsItsNameOnDisk();
    void unknownKindIsRefusedWithItsName();
};

void TestProfile::roundTrip_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("plain") << QStringLiteral("prod-eu");
    QTest::newRow("slashes and spaces") << QStringLiteral("prod / eu west (blue)");
    QTest::newRow("unicode") << QStringLiteral("Zürich prod ✓");
}

void TestProfile::roundTrip()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    Profile p;
    p.name = name;
    p.url = QUrl(QStringLiteral("https://gw.example:9443/base"));
    p.environment = Environment::Production;
    p.caBundle = QStringLiteral("/etc/ssl/corp.pem");
    p.tokenFile = QStringLiteral("/root/.config/cutover/token");
    p.metricsInterval = 500ms;
    p.slo.availability = 0.9995;
    p.slo.p95 = 150ms;
    p.metrics.requestDuration = QStringLiteral("caddy_http_request_duration_seconds");
    p.metrics.routeLabel = QStringLiteral("handler");
    QCOMPARE(store.save(p), QString());
    QCOMPARE(store.names(), QStringList {name});
    const auto back = store.load(name);
    QVERIFY(back);
    QCOMPARE(back->url, p.url);
    QCOMPARE(back->environment, Environment::Production);
    QCOMPARE(back->effectiveColor(), QStringLiteral("#c0392b"));
    QCOMPARE(back->caBundle, p.caBundle);
    QCOMPARE(back->tokenFile, p.tokenFile);
    QCOMPARE(back->metricsInterval, 500ms);
    QCOMPARE(back->slo.availability, 0.9995);
    QCOMPARE(back->slo.p95, 150ms);
    QCOMPARE(back->metrics.requestDuration, p.metrics.requestDuration);
    QCOMPARE(back->metrics.routeLabel, QStringLiteral("handler"));
    QCOMPARE(back->metrics.codeLabel, QStringLiteral("code"));
    // Nothing secret is ever written: there is no token field to write.
    settings.sync();
    QFile f(dir.filePath(QStringLiteral("s.ini")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(!f.readAll().toLower().contains("token="));
}

void TestProfile::rejectsInvalid_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("url");
    QTest::addColumn<double>("availability");
    QTest::newRow("no name") << QString() << QStringLiteral("https://gw:1") << 0.999;
    QTest::newRow("no host") << QStringLiteral("x") << QStringLiteral("gw") << 0.999;
    QTest::newRow("availability 100 %") << QStringLiteral("x") << QStringLiteral("https://gw:1") << 1.0;
}

void TestProfile::rejectsInvalid()
{
    QFETCH(QString, name);
    QFETCH(QString, url);
    QFETCH(double, availability);
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    Profile p;
    p.name = name;
    p.url = QUrl(url);
    p.slo.availability = availability;
    QVERIFY(!store.save(p).isEmpty());
    QVERIFY(store.names().isEmpty());
}

void TestProfile::kindFromUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<std::optional<GatewayKind>>("kind");
    QTest::newRow("http") << QStringLiteral("http://127.0.0.1:8080") << std::optional(GatewayKind::Http);
    QTest::newRow("https") << QStringLiteral("https://gw.example:9443/base") << std::optional(GatewayKind::Http);
    QTest::newRow("haproxy tcp") << QStringLiteral("tcp://127.0.0.1:9999") << std::optional(GatewayKind::Haproxy);
    QTest::newRow("haproxy unix") << QStringLiteral("unix:///run/haproxy/admin.sock") << std::optional(GatewayKind::Haproxy);
    QTest::newRow("ftp") << QStringLiteral("ftp://gw") << std::optional<GatewayKind>();
    QTest::newRow("no scheme") << QStringLiteral("gw.example") << std::optional<GatewayKind>();
}

void TestProfile::kindFromUrl()
{
    QFETCH(QString, url);
    QFETCH(std::optional<GatewayKind>, kind);
    QVERIFY(profileKindForUrl(QUrl(url)) == kind);
}

void TestProfile::kindKeepsItsNameOnDisk_data()
{
    QTest::addColumn<GatewayKind>("kind");
    QTest::addColumn<QString>("onDisk");
    QTest::addColumn<QString>("url");
    QTest::newRow("http") << GatewayKind::Http << QStringLiteral("http") << QStringLiteral("https://gw.example:9443");
    QTest::newRow("haproxy") << GatewayKind::Haproxy << QStringLiteral("haproxy") << QStringLiteral("tcp://127.0.0.1:9999");
    QTest::newRow("demo") << GatewayKind::Demo << QStringLiteral("demo") << QString();
}

void TestProfile::kindKeepsItsNameOnDisk()
{
    QFETCH(GatewayKind, kind);
    QFETCH(QString, onDisk);
    QFETCH(QString, url);
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("s.ini"));
    {
        QSettings settings(file, QSettings::IniFormat);
        ProfileStore store(settings);
        Profile p;
        p.name = QStringLiteral("gw");
        p.kind = kind;
        p.url = QUrl(url);
        QCOMPARE(store.save(p), QString());
    }
    // The settings file holds the kind's name, as versions with a string kind wrote and read it.
    QSettings raw(file, QSettings::IniFormat);
    QCOMPARE(raw.value(QStringLiteral("profiles/gw/kind")).toString(), onDisk);
    QCOMPARE(gatewayKindName(kind), onDisk);
    QCOMPARE(gatewayKindFromName(onDisk), std::optional(kind));
    ProfileStore store(raw);
    const auto back = store.load(QStringLiteral("gw"));
    QVERIFY(back);
    QCOMPARE(back->kind, kind);
}

void TestProfile::unknownKindIsRefusedWithItsName()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    // Saved before there were kinds: the admin API.
    settings.setValue(QStringLiteral("profiles/old/url"), QUrl(QStringLiteral("https://gw.example")));
    // Written by a newer version (or by hand): not taken for the admin API.
    settings.setValue(QStringLiteral("profiles/new/url"), QUrl(QStringLiteral("https://gw.example")));
    settings.setValue(QStringLiteral("profiles/new/kind"), QStringLiteral("envoy"));
    ProfileStore store(settings);
    QString problem;
    const auto old = store.load(QStringLiteral("old"), &problem);
    QVERIFY(old);
    QCOMPARE(old->kind, GatewayKind::Http);
    QVERIFY(problem.isEmpty());
    QVERIFY(!store.load(QStringLiteral("new"), &problem));
    QCOMPARE(problem, QStringLiteral("profile \"new\" is a \"envoy\" gateway, which this version does not know (http, haproxy or demo)"));
    QVERIFY(!store.load(QStringLiteral("missing"), &problem) && problem.isEmpty());
    QVERIFY(!gatewayKindFromName(QStringLiteral("HTTP")));
}

void TestProfile::removeAndLastUsed()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    Profile a;
    a.name = QStringLiteral("a");
    a.url = QUrl(QStringLiteral("http://127.0.0.1:1"));
    Profile b = a;
    b.name = QStringLiteral("b");
    QCOMPARE(store.save(a), QString());
    QCOMPARE(store.save(b), QString());
    store.setLastUsed(QStringLiteral("b"));
    store.remove(QStringLiteral("a"));
    QCOMPARE(store.names(), QStringList {QStringLiteral("b")});
    QVERIFY(!store.load(QStringLiteral("a")));
    QCOMPARE(store.lastUsed(), QStringLiteral("b"));
}

QTEST_GUILESS_MAIN(TestProfile)
#include "tst_profile.moc"

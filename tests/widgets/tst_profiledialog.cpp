// The profile editor on first start and when connecting, offscreen with real widgets.
#include "widgets/profiledialog.h"

#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

using namespace cutover;

class TestProfileDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void firstStartOffersTheDemo();
    void newProfileIsSavedWithoutItsToken();
    void invalidUrlIsRefused();
    void haproxyAddressMakesAHaproxyProfile();
    void savedProfilesAreListedAndLoaded();
};

void TestProfileDialog::firstStartOffersTheDemo()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    ProfileDialog dialog(store);
    dialog.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dialog));
    QTest::mouseClick(dialog.demoButton(), Qt::LeftButton);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(dialog.choice(), ProfileDialog::Choice::Demo);
    QCOMPARE(dialog.chosenProfile().environment, Environment::Demo);
    QVERIFY(store.names().isEmpty());
}

void TestProfileDialog::newProfileIsSavedWithoutItsToken()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("s.ini"));
    {
        QSettings settings(path, QSettings::IniFormat);
        ProfileStore store(settings);
        ProfileDialog dialog(store);
        dialog.show();
        QTest::keyClicks(dialog.nameField(), QStringLiteral("prod-eu"));
        QTest::keyClicks(dialog.urlField(), QStringLiteral("https://gw.example:9443"));
        dialog.environmentBox()->setCurrentIndex(dialog.environmentBox()->findText(QStringLiteral("production")));
        QTest::keyClicks(dialog.tokenField(), QStringLiteral("s3cr3t-token-value"));
        QTest::mouseClick(dialog.connectButton(), Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(dialog.choice(), ProfileDialog::Choice::Profile);
        QCOMPARE(dialog.enteredToken(), QByteArray("s3cr3t-token-value"));
        QVERIFY(dialog.tokenField()->text().isEmpty()); // not left in the widget
        const auto p = store.load(QStringLiteral("prod-eu"));
        QVERIFY(p);
        QCOMPARE(p->environment, Environment::Production);
        QCOMPARE(p->url, QUrl(QStringLiteral("https://gw.example:9443")));
        QCOMPARE(store.lastUsed(), QStringLiteral("prod-eu"));
    }
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(!f.readAll().contains("s3cr3t"));
}

void TestProfileDialog::invalidUrlIsRefused()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    ProfileDialog dialog(store);
    dialog.show();
    QTest::keyClicks(dialog.nameField(), QStringLiteral("x"));
    QTest::keyClicks(dialog.urlField(), QStringLiteral("ftp://gw"));
    QTest::mouseClick(dialog.connectButton(), Qt::LeftButton);
    QVERIFY(dialog.isVisible());
    QVERIFY(dialog.errorText().contains(QStringLiteral("http")));
    QVERIFY(store.names().isEmpty());
}

void TestProfileDialog::haproxyAddressMakesAHaproxyProfile()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    ProfileDialog dialog(store);
    dialog.show();
    QTest::keyClicks(dialog.nameField(), QStringLiteral("edge"));
    QTest::keyClicks(dialog.urlField(), QStringLiteral("tcp://127.0.0.1:9999"));
    QTest::mouseClick(dialog.connectButton(), Qt::LeftButton);
    QVERIFY2(dialog.errorText().isEmpty(), qPrintable(dialog.errorText()));
    const std::optional<Profile> saved = store.load(QStringLiteral("edge"));
    QVERIFY(saved);
    QCOMPARE(saved->kind, GatewayKind::Haproxy);
    QCOMPARE(saved->url, QUrl(QStringLiteral("tcp://127.0.0.1:9999")));
}

void TestProfileDialog::savedProfilesAreListedAndLoaded()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(QStringLiteral("s.ini")), QSettings::IniFormat);
    ProfileStore store(settings);
    Profile a;
    a.name = QStringLiteral("staging");
    a.url = QUrl(QStringLiteral("http://127.0.0.1:8080"));
    a.environment = Environment::Staging;
    QCOMPARE(store.save(a), QString());
    store.setLastUsed(QStringLiteral("staging"));
    ProfileDialog dialog(store);
    QCOMPARE(dialog.nameField()->text(), QStringLiteral("staging"));
    QCOMPARE(dialog.urlField()->text(), QStringLiteral("http://127.0.0.1:8080"));
    QCOMPARE(dialog.environmentBox()->currentText(), QStringLiteral("staging"));
}

QTEST_MAIN(TestProfileDialog)
#include "tst_profiledialog.moc"

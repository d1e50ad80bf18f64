// The GUI refuses what would make a connection unsafe or silently different (issue 11 §5): a
// token with control characters or whitespace (it would inject request headers), a CA bundle
// without certificates, a profile name with a line break. Offscreen, real widgets.
#include "app/common/appsession.h"
#include "widgets/profiledialog.h"

#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace cutover;
using namespace Qt::StringLiterals;

class TestConnectionSafety : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void sessionRefusesAnUnsafeTokenOrEmptyCaBundle_data();
    void sessionRefusesAnUnsafeTokenOrEmptyCaBundle();
    void dialogRefusesControlCharactersInTheName_data();
    void dialogRefusesControlCharactersInTheName();
    void dialogRefusesAnEmptyCaBundle();
    void dialogRefusesAnUnsafeToken();
};

void TestConnectionSafety::sessionRefusesAnUnsafeTokenOrEmptyCaBundle_data()
{
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QByteArray>("bundle"); // content of the CA bundle; null: none
    QTest::addColumn<QString>("says");
    QTest::newRow("CRLF in the token") << QByteArray("s3cret-part\r\nX-Injected: 1") << QByteArray() << u"carriage return"_s;
    QTest::newRow("space in the token") << QByteArray("s3cret-part X-Injected") << QByteArray() << u"a space"_s;
    QTest::newRow("empty CA bundle") << QByteArray("s3cret-part") << QByteArray("") << u"no PEM certificate"_s;
    QTest::newRow("garbage CA bundle") << QByteArray("s3cret-part") << QByteArray("garbage") << u"no PEM certificate"_s;
}

void TestConnectionSafety::sessionRefusesAnUnsafeTokenOrEmptyCaBundle()
{
    QFETCH(QByteArray, token);
    QFETCH(QByteArray, bundle);
    QFETCH(QString, says);
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"s.ini"_s), QSettings::IniFormat);
    Profile profile;
    profile.name = u"prod"_s;
    profile.url = QUrl(u"https://127.0.0.1:1"_s);
    if (!bundle.isNull()) {
        profile.caBundle = dir.filePath(u"bundle.pem"_s);
        QFile f(profile.caBundle);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(bundle);
    }
    AppSession session(&settings);
    QSignalSpy failed(&session, &AppSession::failed);
    session.connectTo(profile, token);
    QCOMPARE(failed.size(), 1);
    const QString message = failed.at(0).at(0).toString();
    QVERIFY2(message.contains(says), qPrintable(message));
    QVERIFY2(!message.contains(u"s3cret"_s) && !message.contains(u"X-Injected"_s), qPrintable(message));
}

void TestConnectionSafety::dialogRefusesControlCharactersInTheName_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("inner newline") << u"prod\neu"_s;
    QTest::newRow("trailing newline") << u"prod\n"_s;
    QTest::newRow("tab") << u"prod\teu"_s;
    QTest::newRow("bidi override") << u"prod\u202eue"_s;
}

void TestConnectionSafety::dialogRefusesControlCharactersInTheName()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"s.ini"_s), QSettings::IniFormat);
    ProfileStore store(settings);
    ProfileDialog dialog(store);
    dialog.show();
    dialog.nameField()->setText(name); // pasted: typing cannot enter a line break
    QTest::keyClicks(dialog.urlField(), u"https://gw.example:9443"_s);
    QTest::mouseClick(dialog.connectButton(), Qt::LeftButton);
    QVERIFY(dialog.isVisible());
    QVERIFY2(dialog.errorText().contains(u"profile name cannot contain"_s), qPrintable(dialog.errorText()));
    QVERIFY(store.names().isEmpty());
    // The store refuses it too, whoever asks.
    Profile p;
    p.name = name;
    p.url = QUrl(u"https://gw.example:9443"_s);
    QVERIFY(!store.save(p).isEmpty());
    QVERIFY(store.names().isEmpty());
}

void TestConnectionSafety::dialogRefusesAnEmptyCaBundle()
{
    QTemporaryDir dir;
    const QString bundle = dir.filePath(u"empty.pem"_s);
    QFile f(bundle);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.close();
    QSettings settings(dir.filePath(u"s.ini"_s), QSettings::IniFormat);
    ProfileStore store(settings);
    ProfileDialog dialog(store);
    dialog.show();
    QTest::keyClicks(dialog.nameField(), u"prod"_s);
    QTest::keyClicks(dialog.urlField(), u"https://gw.example:9443"_s);
    auto *caField = [&dialog]() -> QLineEdit * {
        for (QLineEdit *edit : dialog.findChildren<QLineEdit *>())
            if (edit->placeholderText().contains(u"PEM"_s))
                return edit;
        return nullptr;
    }();
    QVERIFY(caField);
    caField->setText(bundle);
    QTest::mouseClick(dialog.connectButton(), Qt::LeftButton);
    QVERIFY(dialog.isVisible());
    QVERIFY2(dialog.errorText().contains(u"no PEM certificate"_s), qPrintable(dialog.errorText()));
    QVERIFY(store.names().isEmpty());
}

void TestConnectionSafety::dialogRefusesAnUnsafeToken()
{
    QTemporaryDir dir;
    QSettings settings(dir.filePath(u"s.ini"_s), QSettings::IniFormat);
    ProfileStore store(settings);
    ProfileDialog dialog(store);
    dialog.show();
    QTest::keyClicks(dialog.nameField(), u"prod"_s);
    QTest::keyClicks(dialog.urlField(), u"https://gw.example:9443"_s);
    dialog.tokenField()->setText(u"s3cret-part X-Injected"_s);
    QTest::mouseClick(dialog.connectButton(), Qt::LeftButton);
    QVERIFY(dialog.isVisible());
    QVERIFY2(dialog.errorText().contains(u"a space"_s), qPrintable(dialog.errorText()));
    QVERIFY(!dialog.errorText().contains(u"s3cret"_s));
}

QTEST_MAIN(TestConnectionSafety)
#include "tst_connectionsafety.moc"

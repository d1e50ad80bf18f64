#include "client/displaytext.h"

#include <QTest>

using namespace cutover;

class TestDisplayText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void inertText_data();
    void inertText();
    void resultIsAlwaysSafe_data();
    void resultIsAlwaysSafe();
    void offsetsMapRanges();
    void inertLinesKeepsLineBreaks();
    void inertForDisplayOnlyRendersDisplayAndToolTip();
};

void TestDisplayText::inertText_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    QTest::newRow("plain ascii") << QStringLiteral("rollback: 5xx on /pay") << QStringLiteral("rollback: 5xx on /pay");
    QTest::newRow("accents, CJK, emoji untouched")
        << QStringLiteral("café 日本語 \U0001F680 naïve") << QStringLiteral("café 日本語 \U0001F680 naïve");
    QTest::newRow("arabic and hebrew letters untouched")
        << QStringLiteral("\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd")
        << QStringLiteral("\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd");
    QTest::newRow("backslash untouched") << QStringLiteral("C:\\temp\\e") << QStringLiteral("C:\\temp\\e");
    QTest::newRow("empty") << QString() << QString();
    QTest::newRow("clear screen") << QStringLiteral("ok\x1b[2J\x1b[Hdone") << QStringLiteral("ok\\e[2J\\e[Hdone");
    QTest::newRow("OSC title with BEL") << QStringLiteral("\x1b]0;pwned\x07") << QStringLiteral("\\e]0;pwned\\x07");
    QTest::newRow("OSC title with ST") << QStringLiteral("\x1b]2;x\x1b\\") << QStringLiteral("\\e]2;x\\e\\");
    QTest::newRow("CR LF forge a line") << QStringLiteral("a\r\nb\rc\nd") << QStringLiteral("a\\r\\nb\\rc\\nd");
    QTest::newRow("tab and NUL") << QStringLiteral("a\tb") + QChar(0) + QStringLiteral("c")
                                 << QStringLiteral("a\\tb\\0c");
    QTest::newRow("other C0 and DEL") << QStringLiteral("\x01\x08\x7f") << QStringLiteral("\\x01\\x08\\x7f");
    QTest::newRow("C1 CSI and NEL") << QStringLiteral("a\u009b2Jb\u0085c") << QStringLiteral("a<U+009B>2Jb<U+0085>c");
    QTest::newRow("RLO spoofs an extension")
        << QStringLiteral("invoice-\u202egnp.exe") << QStringLiteral("invoice-<U+202E>gnp.exe");
    QTest::newRow("embeddings and PDF")
        << QStringLiteral("\u202a\u202b\u202c\u202d") << QStringLiteral("<U+202A><U+202B><U+202C><U+202D>");
    QTest::newRow("isolates") << QStringLiteral("\u2066a\u2067b\u2068c\u2069")
                              << QStringLiteral("<U+2066>a<U+2067>b<U+2068>c<U+2069>");
    QTest::newRow("marks LRM RLM ALM") << QStringLiteral("\u200e\u200f\u061c") << QStringLiteral("<U+200E><U+200F><U+061C>");
    QTest::newRow("line and paragraph separators") << QStringLiteral("a\u2028b\u2029c")
                                                   << QStringLiteral("a<U+2028>b<U+2029>c");
}

void TestDisplayText::inertText()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);
    QCOMPARE(cutover::inertText(input), expected);
    QCOMPARE(hasUnsafeForDisplay(input), input != expected);
}

void TestDisplayText::resultIsAlwaysSafe_data()
{
    QTest::addColumn<QString>("input");
    QString all;
    for (char16_t c = 0; c < 0x3000; ++c)
        if (!QChar::isSurrogate(c))
            all += QChar(c);
    QTest::newRow("every BMP code point to U+3000") << all;
    QTest::newRow("surrogate pair") << QStringLiteral("\U0001F4A5\u202e");
}

void TestDisplayText::resultIsAlwaysSafe()
{
    QFETCH(QString, input);
    const QString out = cutover::inertText(input);
    for (const QChar c : out)
        QVERIFY2(!isUnsafeForDisplay(c.unicode()), qPrintable(QString::number(c.unicode(), 16)));
}

void TestDisplayText::offsetsMapRanges()
{
    const QString raw = QStringLiteral("a\x1b[1mERR\u202eX");
    QList<qsizetype> offsets;
    const QString out = cutover::inertText(raw, &offsets);
    QCOMPARE(out, QStringLiteral("a\\e[1mERR<U+202E>X"));
    QCOMPARE(offsets.size(), raw.size() + 1);
    // "ERR" at 5..8 in the raw text is "ERR" in the rendering too.
    const qsizetype start = raw.indexOf(QStringLiteral("ERR"));
    QCOMPARE(out.mid(offsets[start], offsets[start + 3] - offsets[start]), QStringLiteral("ERR"));
    QCOMPARE(offsets.last(), out.size());
    QCOMPARE(out.mid(offsets[raw.size() - 1]), QStringLiteral("X"));
}

void TestDisplayText::inertLinesKeepsLineBreaks()
{
    QCOMPARE(inertLines(u"#7 by bob\nReason: a\x1b[2J\r\u202eb\n"), QStringLiteral("#7 by bob\nReason: a\\e[2J\\r<U+202E>b\n"));
    QCOMPARE(inertLines(u"\n\n"), QStringLiteral("\n\n"));
    QCOMPARE(inertLines(u"plain"), QStringLiteral("plain"));
}

void TestDisplayText::inertForDisplayOnlyRendersDisplayAndToolTip()
{
    const QString raw = QStringLiteral("a\nb\x1b");
    QCOMPARE(inertForDisplay(raw, Qt::DisplayRole).toString(), QStringLiteral("a\\nb\\e"));
    QCOMPARE(inertForDisplay(raw, Qt::ToolTipRole).toString(), QStringLiteral("a\nb\\e"));
    QCOMPARE(inertForDisplay(raw, Qt::UserRole + 1).toString(), raw);
    QCOMPARE(inertForDisplay(QVariant(42), Qt::DisplayRole), QVariant(42));
}

QTEST_GUILESS_MAIN(TestDisplayText)
#include "tst_displaytext.moc"

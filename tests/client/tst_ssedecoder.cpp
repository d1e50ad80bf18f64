#include "client/ssedecoder.h"

#include <QTest>

using namespace cutover;

namespace {

// What one stream produced, in a form QCOMPARE prints readably.
struct Decoded
{
    QList<QByteArray> events; // "type|data|lastEventId"
    QList<qint64> retries;
    QList<QByteArray> comments;
    int oversized = 0;
    QByteArray lastEventId;

    bool operator==(const Decoded &) const = default;
};

void collect(SseDecoder &decoder, Decoded &out)
{
    SseBatch batch = decoder.takeBatch();
    for (const SseEvent &e : std::as_const(batch.events))
        out.events.append(e.type + '|' + e.data + '|' + e.lastEventId);
    if (batch.retry)
        out.retries.append(batch.retry->count());
    out.comments += batch.comments;
    out.oversized += batch.oversizedLines;
    out.lastEventId = decoder.lastEventId();
}

// Feeds `input` in pieces cut at `cuts` (ascending offsets), then ends the stream.
Decoded decode(const QByteArray &input, const QList<qsizetype> &cuts = {}, qsizetype maxLine = 0)
{
    SseDecoder decoder;
    if (maxLine > 0)
        decoder.setMaxLineBytes(maxLine);
    Decoded out;
    qsizetype from = 0;
    for (qsizetype cut : cuts) {
        decoder.feed(QByteArrayView(input).sliced(from, cut - from));
        collect(decoder, out);
        from = cut;
    }
    decoder.feed(QByteArrayView(input).sliced(from));
    decoder.reset();
    collect(decoder, out);
    return out;
}

// Retry values may come in one batch or several; only the sequence of the last one per batch is
// comparable across splits, so compare the final value.
Decoded normalised(Decoded d)
{
    if (!d.retries.isEmpty())
        d.retries = {d.retries.last()};
    return d;
}

char *describe(const Decoded &d)
{
    QByteArray s = "events=[" + d.events.join(", ") + "] comments=[" + d.comments.join(", ") + "] retries=[";
    for (qint64 r : d.retries)
        s += QByteArray::number(r) + ' ';
    s += "] oversized=" + QByteArray::number(d.oversized) + " lastId=" + d.lastEventId;
    return qstrdup(s.replace('\n', "\\n").replace('\r', "\\r").constData());
}

} // namespace

namespace QTest {
template<>
char *toString(const Decoded &d)
{
    return describe(d);
}
} // namespace QTest

class TestSseDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void grammar_data();
    void grammar();
    void everySplitGivesTheSameEvents_data() { grammar_data(); }
    void everySplitGivesTheSameEvents();
    void crAtChunkEndThenLf();
    void idPersistsAcrossConnections();
    void bomStrippedOncePerConnection();
    void oversizedLineIsDroppedWhole();
    void gatewayStream();
};

void TestSseDecoder::grammar_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QList<QByteArray>>("events");
    QTest::addColumn<QByteArray>("lastEventId");
    QTest::addColumn<qint64>("retry"); // -1: none
    QTest::addColumn<int>("comments");

    using L = QList<QByteArray>;
    QTest::newRow("one data line") << QByteArray("data: hello\n\n") << L {"message|hello|"} << QByteArray() << -1LL << 0;
    QTest::newRow("data lines joined with LF") << QByteArray("data: a\ndata: b\n\n") << L {"message|a\nb|"} << QByteArray() << -1LL << 0;
    QTest::newRow("no space after colon") << QByteArray("data:x\n\n") << L {"message|x|"} << QByteArray() << -1LL << 0;
    QTest::newRow("only one space dropped") << QByteArray("data:  x\n\n") << L {"message| x|"} << QByteArray() << -1LL << 0;
    QTest::newRow("trailing space kept") << QByteArray("data: x \n\n") << L {"message|x |"} << QByteArray() << -1LL << 0;
    QTest::newRow("colon inside value") << QByteArray("data: a:b: c\n\n") << L {"message|a:b: c|"} << QByteArray() << -1LL << 0;
    QTest::newRow("field without colon is empty data") << QByteArray("data\n\n") << L {"message||"} << QByteArray() << -1LL << 0;
    QTest::newRow("two empty data lines") << QByteArray("data\ndata\n\n") << L {"message|\n|"} << QByteArray() << -1LL << 0;
    QTest::newRow("data ending in empty line") << QByteArray("data: a\ndata:\n\n") << L {"message|a\n|"} << QByteArray() << -1LL << 0;
    QTest::newRow("event type") << QByteArray("event: log\ndata: x\n\n") << L {"log|x|"} << QByteArray() << -1LL << 0;
    QTest::newRow("type resets after dispatch") << QByteArray("event: a\ndata: 1\n\ndata: 2\n\n") << L {"a|1|", "message|2|"} << QByteArray() << -1LL << 0;
    QTest::newRow("empty type is message") << QByteArray("event:\ndata: x\n\n") << L {"message|x|"} << QByteArray() << -1LL << 0;
    QTest::newRow("last event line wins") << QByteArray("event: a\nevent: b\ndata: x\n\n") << L {"b|x|"} << QByteArray() << -1LL << 0;
    QTest::newRow("comment") << QByteArray(": heartbeat 12:00\ndata: x\n\n") << L {"message|x|"} << QByteArray() << -1LL << 1;
    QTest::newRow("comment only") << QByteArray(":\n\n") << L {} << QByteArray() << -1LL << 1;
    QTest::newRow("no data, no event") << QByteArray("event: foo\n\n") << L {} << QByteArray() << -1LL << 0;
    QTest::newRow("id without data commits") << QByteArray("id: 5\n\n") << L {} << QByteArray("5") << -1LL << 0;
    QTest::newRow("id persists across events") << QByteArray("id: 1\ndata: a\n\ndata: b\n\n") << L {"message|a|1", "message|b|1"} << QByteArray("1") << -1LL << 0;
    QTest::newRow("id with NUL ignored") << (QByteArray("id: 1\ndata: a\n\nid: 2") + '\0' + QByteArray("x\ndata: b\n\n")) << L {"message|a|1", "message|b|1"} << QByteArray("1") << -1LL << 0;
    QTest::newRow("empty id clears") << QByteArray("id: 1\ndata: a\n\nid\ndata: b\n\n") << L {"message|a|1", "message|b|"} << QByteArray() << -1LL << 0;
    QTest::newRow("id set after data") << QByteArray("data: a\nid: 3\n\n") << L {"message|a|3"} << QByteArray("3") << -1LL << 0;
    QTest::newRow("retry digits") << QByteArray("retry: 1500\n\n") << L {} << QByteArray() << 1500LL << 0;
    QTest::newRow("retry zero") << QByteArray("retry:0\n\n") << L {} << QByteArray() << 0LL << 0;
    QTest::newRow("retry with letter ignored") << QByteArray("retry: 15a\n\n") << L {} << QByteArray() << -1LL << 0;
    QTest::newRow("retry negative ignored") << QByteArray("retry: -1\n\n") << L {} << QByteArray() << -1LL << 0;
    QTest::newRow("retry two spaces ignored") << QByteArray("retry:  100\n\n") << L {} << QByteArray() << -1LL << 0;
    QTest::newRow("retry empty ignored") << QByteArray("retry\n\n") << L {} << QByteArray() << -1LL << 0;
    QTest::newRow("retry decimal ignored") << QByteArray("retry: 1.5\n\n") << L {} << QByteArray() << -1LL << 0;
    QTest::newRow("retry alongside data") << QByteArray("retry: 10\ndata: x\n\n") << L {"message|x|"} << QByteArray() << 10LL << 0;
    QTest::newRow("unknown field ignored") << QByteArray("foo: bar\ndata: x\n\n") << L {"message|x|"} << QByteArray() << -1LL << 0;
    QTest::newRow("field names are case-sensitive") << QByteArray("Data: x\n\n") << L {} << QByteArray() << -1LL << 0;
    QTest::newRow("space before colon") << QByteArray("data : x\n\n") << L {} << QByteArray() << -1LL << 0;
    QTest::newRow("CRLF") << QByteArray("data: a\r\ndata: b\r\n\r\n") << L {"message|a\nb|"} << QByteArray() << -1LL << 0;
    QTest::newRow("CR") << QByteArray("data: a\rdata: b\r\r") << L {"message|a\nb|"} << QByteArray() << -1LL << 0;
    QTest::newRow("mixed endings") << QByteArray("data: a\r\n\rdata: b\n\r\nid: 2\r\r") << L {"message|a|", "message|b|"} << QByteArray("2") << -1LL << 0;
    QTest::newRow("LF CR is two lines") << QByteArray("data: a\n\rdata: b\n\n") << L {"message|a|", "message|b|"} << QByteArray() << -1LL << 0;
    QTest::newRow("BOM") << QByteArray("\xEF\xBB\xBF" "data: a\n\n") << L {"message|a|"} << QByteArray() << -1LL << 0;
    QTest::newRow("second BOM is data") << QByteArray("\xEF\xBB\xBF\xEF\xBB\xBF" "data: a\n\n") << L {} << QByteArray() << -1LL << 0;
    QTest::newRow("BOM prefix only") << QByteArray("\xEF\xBB" "data: a\n\n") << L {} << QByteArray() << -1LL << 0;
    QTest::newRow("BOM later is data") << QByteArray("data: \xEF\xBB\xBF" "a\n\n") << L {"message|\xEF\xBB\xBF" "a|"} << QByteArray() << -1LL << 0;
    QTest::newRow("UTF-8 kept as bytes") << QByteArray("data: h\xC3\xA9llo \xE2\x9C\x93\n\n") << L {"message|h\xC3\xA9llo \xE2\x9C\x93|"} << QByteArray() << -1LL << 0;
    QTest::newRow("leading blank lines") << QByteArray("\n\n\r\ndata: x\n\n") << L {"message|x|"} << QByteArray() << -1LL << 0;
    QTest::newRow("unterminated final event") << QByteArray("data: a\n\ndata: b\n") << L {"message|a|"} << QByteArray() << -1LL << 0;
    QTest::newRow("unterminated final line") << QByteArray("data: a\n\ndata: b") << L {"message|a|"} << QByteArray() << -1LL << 0;
    QTest::newRow("unterminated id not committed") << QByteArray("id: 1\ndata: a\n\nid: 2\ndata: b\n") << L {"message|a|1"} << QByteArray("1") << -1LL << 0;
    QTest::newRow("empty input") << QByteArray() << L {} << QByteArray() << -1LL << 0;
    QTest::newRow("gateway log and gap")
        << QByteArray("retry: 2000\n\nid: 11\nevent: gap\ndata: {\"from\":6,\"to\":11,\"missed\":6}\n\n"
                      "id: 12\nevent: log\ndata: {\"id\":12}\n\n: heartbeat 2026-11-26T04:38:55.120Z\n\n")
        << L {"gap|{\"from\":6,\"to\":11,\"missed\":6}|11", "log|{\"id\":12}|12"} << QByteArray("12") << 2000LL << 1;
    // Admin API 1.1 says the stream is exactly this grammar; the cases a gateway written from the
    // spec alone (not from cutover-sim) produces.
    QTest::newRow("fields in any order") << QByteArray("data: x\nid: 4\nevent: log\n\n") << L {"log|x|4"} << QByteArray("4") << -1LL << 0;
    QTest::newRow("comment between data lines") << QByteArray("data: a\n: hb\ndata: b\n\n") << L {"message|a\nb|"} << QByteArray() << -1LL << 1;
    QTest::newRow("instance event without id keeps the id")
        << QByteArray("id: 7\nevent: log\ndata: a\n\nevent: instance\ndata: {\"instance\":\"i\"}\n\n")
        << L {"log|a|7", "instance|{\"instance\":\"i\"}|7"} << QByteArray("7") << -1LL << 0;
    QTest::newRow("BOM, CR-only, 1.1 gateway")
        << QByteArray("\xEF\xBB\xBFretry: 2000\r\revent: instance\rdata: {}\r\r: hb\rdata: {\"id\":1}\revent: log\rid: 1\r\r")
        << L {"instance|{}|", "log|{\"id\":1}|1"} << QByteArray("1") << 2000LL << 1;
}

void TestSseDecoder::grammar()
{
    QFETCH(QByteArray, input);
    QFETCH(QList<QByteArray>, events);
    QFETCH(QByteArray, lastEventId);
    QFETCH(qint64, retry);
    QFETCH(int, comments);

    const Decoded d = decode(input);
    QCOMPARE(d.events, events);
    QCOMPARE(d.lastEventId, lastEventId);
    QCOMPARE(d.retries.isEmpty() ? -1LL : d.retries.last(), retry);
    QCOMPARE(d.comments.size(), comments);
    QCOMPARE(d.oversized, 0);
}

void TestSseDecoder::everySplitGivesTheSameEvents()
{
    QFETCH(QByteArray, input);
    const Decoded whole = normalised(decode(input));
    // Two pieces, cut at every offset.
    for (qsizetype i = 0; i <= input.size(); ++i)
        QCOMPARE(normalised(decode(input, {i})), whole);
    // Three pieces, every pair of cuts (this covers CR | LF | next line and a BOM in three parts).
    for (qsizetype i = 0; i <= input.size(); ++i)
        for (qsizetype j = i; j <= input.size(); ++j)
            QCOMPARE(normalised(decode(input, {i, j})), whole);
    // One byte at a time.
    QList<qsizetype> each;
    for (qsizetype i = 1; i < input.size(); ++i)
        each.append(i);
    QCOMPARE(normalised(decode(input, each)), whole);
}

void TestSseDecoder::crAtChunkEndThenLf()
{
    // CR ends one chunk, LF starts the next: one line end, not a line end and a blank line.
    SseDecoder decoder;
    decoder.feed("data: a\r");
    decoder.feed("\ndata: b\r");
    decoder.feed("\n\r");
    decoder.feed("\n");
    const SseBatch batch = decoder.takeBatch();
    QCOMPARE(batch.events.size(), 1);
    QCOMPARE(batch.events.first().data, QByteArray("a\nb"));
    // Nothing more is pending: the trailing LF belonged to the CR before it.
    decoder.feed("data: c\n\n");
    QCOMPARE(decoder.takeBatch().events.size(), 1);
}

void TestSseDecoder::idPersistsAcrossConnections()
{
    SseDecoder decoder;
    decoder.feed("id: 7\ndata: a\n\n");
    QCOMPARE(decoder.lastEventId(), QByteArray("7"));
    // The connection drops in the middle of an event that carried a new id: not committed.
    decoder.feed("id: 8\ndata: b\n");
    decoder.reset();
    QCOMPARE(decoder.lastEventId(), QByteArray("7"));
    // A new connection whose first block has no id keeps the resume point (see the header).
    decoder.feed("retry: 2000\n\ndata: c\n\n");
    SseBatch batch = decoder.takeBatch();
    QCOMPARE(batch.events.size(), 2);
    QCOMPARE(batch.events.last().data, QByteArray("c"));
    QCOMPARE(batch.events.last().lastEventId, QByteArray("7"));
    QCOMPARE(decoder.lastEventId(), QByteArray("7"));

    decoder.setLastEventId("41");
    decoder.reset();
    decoder.feed("data: d\n\n");
    QCOMPARE(decoder.takeBatch().events.first().lastEventId, QByteArray("41"));
}

void TestSseDecoder::bomStrippedOncePerConnection()
{
    SseDecoder decoder;
    decoder.feed("\xEF\xBB");
    decoder.feed("\xBF" "data: a\n\n");
    decoder.reset();
    decoder.feed("\xEF");
    decoder.feed("\xBB\xBF" "data: b\n\n");
    const SseBatch batch = decoder.takeBatch();
    QCOMPARE(batch.events.size(), 2);
    QCOMPARE(batch.events.at(0).data, QByteArray("a"));
    QCOMPARE(batch.events.at(1).data, QByteArray("b"));
}

void TestSseDecoder::oversizedLineIsDroppedWhole()
{
    const QByteArray input = "data: " + QByteArray(100, 'x') + "\n\ndata: ok\n\n";
    const Decoded whole = decode(input, {}, 32);
    QCOMPARE(whole.events, QList<QByteArray> {"message|ok|"});
    QCOMPARE(whole.oversized, 1);
    for (qsizetype i = 0; i <= input.size(); ++i)
        QCOMPARE(decode(input, {i}, 32), whole);
}

void TestSseDecoder::gatewayStream()
{
    // Many events in one read, as the gateway sends them every 100 ms.
    QByteArray input = "retry: 2000\n\n";
    for (int id = 1; id <= 1000; ++id)
        input += "id: " + QByteArray::number(id) + "\nevent: log\ndata: {\"id\":" + QByteArray::number(id) + "}\n\n";
    SseDecoder decoder;
    decoder.feed(input);
    const SseBatch batch = decoder.takeBatch();
    QCOMPARE(batch.events.size(), 1000);
    QCOMPARE(batch.retry, std::optional(std::chrono::milliseconds(2000)));
    QCOMPARE(batch.events.last().lastEventId, QByteArray("1000"));
    QCOMPARE(batch.events.last().type, QByteArray("log"));
    // Event types are shared, not copied per event.
    QCOMPARE(batch.events.first().type.constData(), batch.events.last().type.constData());
    QVERIFY(decoder.takeBatch().isEmpty());
}

QTEST_GUILESS_MAIN(TestSseDecoder)
#include "tst_ssedecoder.moc"

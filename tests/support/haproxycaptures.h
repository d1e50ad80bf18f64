#pragma once

// HAProxy Runtime API output captured from a real haproxy 2.6 (tests/client/data/haproxy/), for
// the tests that parse it without running one.

#include "client/haproxy/statcsv.h"

#include <QFile>
#include <QTest>

namespace cutover::test {

// A capture's bytes; a missing capture ends the test binary at once.
inline QByteArray haproxyCapture(const char *name)
{
    QFile f(QFINDTESTDATA(QStringLiteral("../client/data/haproxy/") + QLatin1String(name)));
    if (!f.open(QIODevice::ReadOnly))
        qFatal("missing capture %s", name);
    return f.readAll();
}

// The `show stat` row of a proxy's server (or BACKEND/FRONTEND), or null.
inline HaproxyStatRow *findRow(QList<HaproxyStatRow> &rows, const char *proxy, const char *name)
{
    for (HaproxyStatRow &r : rows) {
        if (r.proxy == QLatin1String(proxy) && r.name == QLatin1String(name))
            return &r;
    }
    return nullptr;
}

} // namespace cutover::test

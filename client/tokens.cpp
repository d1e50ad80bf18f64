#include "tokens.h"

#include <QFile>
#include <QFileDevice>

namespace cutover {

namespace {

QByteArray withoutTrailingLineBreak(QByteArray text)
{
    if (text.endsWith('\n')) {
        text.chop(1);
        if (text.endsWith('\r'))
            text.chop(1);
    }
    return text;
}

QString describeByte(unsigned char c)
{
    switch (c) {
    case '\n': return QStringLiteral("a line break (LF)");
    case '\r': return QStringLiteral("a carriage return (CR)");
    case '\t': return QStringLiteral("a tab");
    case ' ': return QStringLiteral("a space");
    default: break;
    }
    if (c < 0x20 || c == 0x7f)
        return QStringLiteral("a control character (0x%1)").arg(uint(c), 2, 16, QLatin1Char('0'));
    return QStringLiteral("a non-ASCII byte");
}

} // namespace

QString tokenProblem(const QByteArray &token, const QString &source)
{
    for (qsizetype i = 0; i < token.size(); ++i) {
        const auto c = static_cast<unsigned char>(token.at(i));
        if (c <= 0x20 || c >= 0x7f)
            return QStringLiteral("the token from %1 contains %2 at character %3; a bearer token is one line of "
                                  "visible ASCII characters (only one trailing line break is ignored)")
                .arg(source, describeByte(c))
                .arg(i + 1);
    }
    return {};
}

TokenLookup tokenFromEnvironmentOrFile(const QString &tokenFile)
{
    TokenLookup out;
    if (!tokenFile.isEmpty()) {
        QFile f(tokenFile);
        if (!f.open(QIODevice::ReadOnly)) {
            out.error = QStringLiteral("cannot read the token file %1: %2").arg(tokenFile, f.errorString());
            return out;
        }
        const auto perms = f.permissions();
        if (perms & (QFileDevice::ReadGroup | QFileDevice::ReadOther)) {
            out.error = QStringLiteral("the token file %1 is readable by other users; chmod 600 it").arg(tokenFile);
            return out;
        }
        const QByteArray token = withoutTrailingLineBreak(f.readAll());
        const QString source = QStringLiteral("token file ") + tokenFile;
        if (token.isEmpty()) {
            out.error = QStringLiteral("the token file %1 is empty").arg(tokenFile);
            return out;
        }
        if (QString problem = tokenProblem(token, source); !problem.isEmpty()) {
            out.error = std::move(problem);
            return out;
        }
        out.token = token;
        out.source = source;
        return out;
    }
    const QByteArray env = withoutTrailingLineBreak(qgetenv("CUTOVER_TOKEN"));
    if (env.isEmpty())
        return out;
    const QString source = QStringLiteral("CUTOVER_TOKEN");
    if (QString problem = tokenProblem(env, source); !problem.isEmpty()) {
        out.error = std::move(problem);
        return out;
    }
    out.token = env;
    out.source = source;
    return out;
}

} // namespace cutover

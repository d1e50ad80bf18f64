#include "tokens.h"

#include <QFile>
#include <QFileDevice>

namespace cutover {

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
        const QList<QByteArray> lines = f.readAll().split('\n');
        for (const QByteArray &line : lines) {
            if (!line.trimmed().isEmpty()) {
                out.token = line.trimmed();
                out.source = QStringLiteral("token file ") + tokenFile;
                return out;
            }
        }
        out.error = QStringLiteral("the token file %1 is empty").arg(tokenFile);
        return out;
    }
    const QByteArray env = qgetenv("CUTOVER_TOKEN").trimmed();
    if (!env.isEmpty()) {
        out.token = env;
        out.source = QStringLiteral("CUTOVER_TOKEN");
    }
    return out;
}

} // namespace cutover

#pragma once

#include <QByteArray>
#include <QString>

namespace cutover {

// Where a token came from, for messages: never the token itself.
struct TokenLookup
{
    QByteArray token;
    QString source; // "CUTOVER_TOKEN", "token file /path", or empty when none was found
    QString error;  // why a named source could not be used
};

// The fallbacks after the keychain: the CUTOVER_TOKEN environment variable, then a token file
// (first non-empty line; a file others can read is refused).
TokenLookup tokenFromEnvironmentOrFile(const QString &tokenFile);

} // namespace cutover

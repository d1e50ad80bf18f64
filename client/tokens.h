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
// (a file others can read is refused). From either, one trailing line break ("\n" or "\r\n") is
// dropped, because files and $(cat file) usually end with one; nothing else is trimmed, and what
// remains must pass tokenProblem(): a token with a line break inside would add request headers.
// An empty CUTOVER_TOKEN counts as unset.
TokenLookup tokenFromEnvironmentOrFile(const QString &tokenFile);

// Why `token` cannot be sent as a bearer token, or empty when it can: it must be one run of
// visible ASCII characters (no control character, no whitespace, nothing beyond ASCII).
// `source` names where it came from. The message never contains the token or any part of it.
QString tokenProblem(const QByteArray &token, const QString &source);

} // namespace cutover

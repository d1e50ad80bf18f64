#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace cutover {

struct Profile;

// Where tokens live: the system keychain (Secret Service via QtKeychain), one entry per profile.
// Asynchronous, because the keychain may ask the user to unlock it. The token is only ever held
// in memory and handed to the backend; errors say what failed, never the token.
class TokenVault : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    using ReadDone = std::function<void(std::optional<QByteArray> token, QString error)>;
    using WriteDone = std::function<void(QString error)>;

    void read(const QString &profileName, ReadDone done);
    void write(const QString &profileName, const QByteArray &token, WriteDone done);
    void remove(const QString &profileName, WriteDone done);

    // The token for a profile: the keychain first, then $CUTOVER_TOKEN, then the profile's token
    // file. `source` says which one answered (for the UI), never the value.
    void resolve(const Profile &profile, std::function<void(std::optional<QByteArray> token, QString source,
                                                            QString error)> done);

    static QString serviceName() { return QStringLiteral("dev.cutover.Cutover"); }
};

} // namespace cutover

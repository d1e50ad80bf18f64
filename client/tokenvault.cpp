#include "tokenvault.h"

#include "profile.h"
#include "tokens.h"

#include <qt6keychain/keychain.h>

namespace cutover {

void TokenVault::read(const QString &profileName, ReadDone done)
{
    auto *job = new QKeychain::ReadPasswordJob(serviceName(), this);
    job->setAutoDelete(true);
    job->setKey(profileName);
    connect(job, &QKeychain::Job::finished, this, [job, done = std::move(done)] {
        if (job->error() == QKeychain::NoError)
            done(job->binaryData(), QString());
        else if (job->error() == QKeychain::EntryNotFound)
            done(std::nullopt, QString());
        else
            done(std::nullopt, tr("keychain: %1").arg(job->errorString()));
    });
    job->start();
}

void TokenVault::write(const QString &profileName, const QByteArray &token, WriteDone done)
{
    auto *job = new QKeychain::WritePasswordJob(serviceName(), this);
    job->setAutoDelete(true);
    job->setKey(profileName);
    job->setBinaryData(token);
    connect(job, &QKeychain::Job::finished, this, [job, done = std::move(done)] {
        done(job->error() == QKeychain::NoError ? QString() : tr("keychain: %1").arg(job->errorString()));
    });
    job->start();
}

void TokenVault::remove(const QString &profileName, WriteDone done)
{
    auto *job = new QKeychain::DeletePasswordJob(serviceName(), this);
    job->setAutoDelete(true);
    job->setKey(profileName);
    connect(job, &QKeychain::Job::finished, this, [job, done = std::move(done)] {
        const bool ok = job->error() == QKeychain::NoError || job->error() == QKeychain::EntryNotFound;
        done(ok ? QString() : tr("keychain: %1").arg(job->errorString()));
    });
    job->start();
}

void TokenVault::resolve(const Profile &profile,
                         std::function<void(std::optional<QByteArray>, QString, QString)> done)
{
    const QString tokenFile = profile.tokenFile;
    read(profile.name, [tokenFile, done = std::move(done)](std::optional<QByteArray> token, QString keychainError) {
        if (token && !token->isEmpty()) {
            if (const QString problem = tokenProblem(*token, tr("the keychain")); !problem.isEmpty())
                done(std::nullopt, QString(), problem);
            else
                done(token, tr("keychain"), QString());
            return;
        }
        // The environment variable first, then the token file: an explicit override for a
        // session beats a file on disk.
        const TokenLookup env = tokenFromEnvironmentOrFile(QString());
        if (!env.error.isEmpty()) {
            done(std::nullopt, QString(), env.error);
            return;
        }
        if (!env.token.isEmpty()) {
            done(env.token, env.source, QString());
            return;
        }
        if (!tokenFile.isEmpty()) {
            const TokenLookup file = tokenFromEnvironmentOrFile(tokenFile);
            if (!file.token.isEmpty()) {
                done(file.token, file.source, QString());
                return;
            }
            done(std::nullopt, QString(), file.error);
            return;
        }
        done(std::nullopt, QString(),
             keychainError.isEmpty() ? tr("no token: none in the keychain, $CUTOVER_TOKEN is unset and the profile has no token file")
                                     : tr("no token: %1; $CUTOVER_TOKEN is unset and the profile has no token file").arg(keychainError));
    });
}

} // namespace cutover

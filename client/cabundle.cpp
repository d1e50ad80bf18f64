#include "cabundle.h"

#include <QFile>
#include <QSslCertificate>

#include <algorithm>

namespace cutover {

QString caBundleProblem(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("cannot read the CA bundle %1: %2").arg(path, f.errorString());
    // Bounded: a CA bundle is kilobytes; a huge file is not one.
    const QByteArray pem = f.read(16 * 1024 * 1024);
    const QList<QSslCertificate> certificates = QSslCertificate::fromData(pem, QSsl::Pem);
    const bool any = std::any_of(certificates.begin(), certificates.end(), [](const QSslCertificate &c) { return !c.isNull(); });
    if (!any)
        return QStringLiteral("the CA bundle %1 holds no PEM certificate (-----BEGIN CERTIFICATE-----); "
                              "give a file of CA certificates, or leave the CA bundle out")
            .arg(path);
    return {};
}

} // namespace cutover

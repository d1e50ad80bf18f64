// cutoverctl: the command-line companion of the Cutover console. Reads and steers a gateway through
// the admin API (docs/admin-api.md) with the same client library, profiles and token rules as the
// GUI. The commands live in the cutoverctl_commands library (this folder); this is only main().
#include "cli.h"
#include "output.h"

#include "client/displaytext.h"

#include <QCoreApplication>

using namespace cutover;
using namespace cutover::ctl;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    // The same settings store as the GUI, so that its saved profiles are ours.
    QCoreApplication::setOrganizationName(QStringLiteral("Cutover"));
    QCoreApplication::setOrganizationDomain(QStringLiteral("cutover.dev"));
    QCoreApplication::setApplicationName(QStringLiteral("cutover"));
    QCoreApplication::setApplicationVersion(QStringLiteral(CUTOVER_VERSION));
    try {
        return runCommandLine(QCoreApplication::arguments());
    } catch (const CliError &error) {
        printErr(kProgram + QStringLiteral(": ") + error.message + QLatin1Char('\n'));
        return error.code;
    } catch (const ApiError &error) {
        printErr(kProgram + QStringLiteral(": ") + inertText(error.describe()) + QLatin1Char('\n'));
        return exitCodeFor(error);
    }
}

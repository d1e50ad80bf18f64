// Linked into every test (an object library, so the linker cannot drop it): QStandardPaths runs
// in test mode from the start, so that a path a test forgot to point at its own folder lands in
// ~/.qttest, never in the user's own data or settings. Tests give their stores explicit paths;
// this is the belt to those braces.
#include <QCoreApplication>
#include <QStandardPaths>

namespace {

void enableTestMode()
{
    QStandardPaths::setTestModeEnabled(true);
}

} // namespace

Q_COREAPP_STARTUP_FUNCTION(enableTestMode)

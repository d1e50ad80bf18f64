#pragma once

#include <QString>

namespace cutover {

// Why the PEM file at `path` cannot serve as a CA bundle (unreadable, or no certificate in it),
// or empty when it can. A bundle that adds nothing is an error, never silently "no extra CA":
// the operator meant to trust something and would otherwise get a TLS failure that hides why.
QString caBundleProblem(const QString &path);

} // namespace cutover

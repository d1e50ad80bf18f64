#pragma once

namespace cutover {

// One named spdlog logger per layer ("net", "model", "ui"), to stderr, and Qt's own messages
// bridged into "ui". Called once by each main().
void setupLogging(bool verbose);

} // namespace cutover

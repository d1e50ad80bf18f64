# The inert rendering of gateway text for every human-readable output (CLI and GUI).
target_sources(cutover_core PRIVATE displaytext.cpp displaytext.h)

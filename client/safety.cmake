# Checks of what an operator hands over for a connection (client/cabundle.h).
target_sources(cutover_core PRIVATE cabundle.cpp cabundle.h)

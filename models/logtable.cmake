# The log view's table model over the LogStore, part of cutover_core (Qt Core).
target_sources(cutover_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/logtablemodel.cpp ${CMAKE_CURRENT_LIST_DIR}/logtablemodel.h
)

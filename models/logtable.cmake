# The log view's table model over the LogStore, its background filter scan, the export job and
# queries over the store, part of cutover_core (Qt Core).
target_sources(cutover_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/logtablemodel.cpp ${CMAKE_CURRENT_LIST_DIR}/logtablemodel.h
  ${CMAKE_CURRENT_LIST_DIR}/logscan.cpp ${CMAKE_CURRENT_LIST_DIR}/logscan.h
  ${CMAKE_CURRENT_LIST_DIR}/logexport.cpp ${CMAKE_CURRENT_LIST_DIR}/logexport.h
  ${CMAKE_CURRENT_LIST_DIR}/logqueries.cpp ${CMAKE_CURRENT_LIST_DIR}/logqueries.h
)

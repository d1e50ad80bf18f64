# Route cutovers and feature flags (issue #5): the routes and flags models, the operator's
# changes to them, part of cutover_core (Qt Core only).
target_sources(cutover_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/pendingchange.cpp ${CMAKE_CURRENT_LIST_DIR}/pendingchange.h
  ${CMAKE_CURRENT_LIST_DIR}/routesmodel.cpp ${CMAKE_CURRENT_LIST_DIR}/routesmodel.h
  ${CMAKE_CURRENT_LIST_DIR}/flagsmodel.cpp ${CMAKE_CURRENT_LIST_DIR}/flagsmodel.h
  ${CMAKE_CURRENT_LIST_DIR}/configactions.cpp ${CMAKE_CURRENT_LIST_DIR}/configactions.h
)

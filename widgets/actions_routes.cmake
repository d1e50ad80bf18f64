# Route cutovers and feature flags (issue #5): the routes and flags panels and the change dialog
# they share (reason, preview, confirm, conflict).
target_sources(cutover_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/changedialog.cpp ${CMAKE_CURRENT_LIST_DIR}/changedialog.h
  ${CMAKE_CURRENT_LIST_DIR}/configpanel.cpp ${CMAKE_CURRENT_LIST_DIR}/configpanel.h
  ${CMAKE_CURRENT_LIST_DIR}/routespanel.cpp ${CMAKE_CURRENT_LIST_DIR}/routespanel.h
  ${CMAKE_CURRENT_LIST_DIR}/flagspanel.cpp ${CMAKE_CURRENT_LIST_DIR}/flagspanel.h
)

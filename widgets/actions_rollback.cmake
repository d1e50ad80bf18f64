# The emergency rollback control, its confirmation dialog and banner, and the audit timeline panel.
target_sources(cutover_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/auditpanel.cpp ${CMAKE_CURRENT_LIST_DIR}/auditpanel.h
  ${CMAKE_CURRENT_LIST_DIR}/rollbackbanner.cpp ${CMAKE_CURRENT_LIST_DIR}/rollbackbanner.h
  ${CMAKE_CURRENT_LIST_DIR}/rollbackcontrol.cpp ${CMAKE_CURRENT_LIST_DIR}/rollbackcontrol.h
  ${CMAKE_CURRENT_LIST_DIR}/rollbackdialog.cpp ${CMAKE_CURRENT_LIST_DIR}/rollbackdialog.h
)

# The emergency rollback (controller, blast radius, verification from observed traffic, measured
# times to recovery) and the audit timeline, part of cutover_core (Qt Core only).
target_sources(cutover_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/auditlog.cpp ${CMAKE_CURRENT_LIST_DIR}/auditlog.h
  ${CMAKE_CURRENT_LIST_DIR}/blastradius.cpp ${CMAKE_CURRENT_LIST_DIR}/blastradius.h
  ${CMAKE_CURRENT_LIST_DIR}/recoverystore.cpp ${CMAKE_CURRENT_LIST_DIR}/recoverystore.h
  ${CMAKE_CURRENT_LIST_DIR}/rollbackcontroller.cpp ${CMAKE_CURRENT_LIST_DIR}/rollbackcontroller.h
  ${CMAKE_CURRENT_LIST_DIR}/rollbackverifier.cpp ${CMAKE_CURRENT_LIST_DIR}/rollbackverifier.h
)

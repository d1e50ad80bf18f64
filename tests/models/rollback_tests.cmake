# The emergency rollback's verification maths and blast radius, and the audit timeline model
# (models/actions_rollback.cmake).
cutover_add_test(tst_rollbackverifier ${CMAKE_CURRENT_LIST_DIR}/tst_rollbackverifier.cpp)
cutover_add_test(tst_auditlog ${CMAKE_CURRENT_LIST_DIR}/tst_auditlog.cpp)

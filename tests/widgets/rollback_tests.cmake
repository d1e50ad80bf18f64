# The emergency rollback and the audit timeline on real widgets against a real cutover-sim.
cutover_add_test(tst_rollback ${CMAKE_CURRENT_LIST_DIR}/tst_rollback.cpp cutover_app)

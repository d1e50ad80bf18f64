# Route cutovers and feature flags through the real GUI against a real cutover-sim.
cutover_add_test(tst_routespanel ${CMAKE_CURRENT_LIST_DIR}/tst_routespanel.cpp cutover_app)

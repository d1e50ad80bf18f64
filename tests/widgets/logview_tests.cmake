# Tests for the log tail panel (widgets/logview.*), offscreen, with a real cutover-sim for the live test.
cutover_add_test(tst_logview ${CMAKE_CURRENT_LIST_DIR}/tst_logview.cpp cutover_widgets cutover_syntheticlog)

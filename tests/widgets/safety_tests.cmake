# The GUI's refusals of unsafe connection settings (issue 11 §5).
cutover_add_test(tst_connectionsafety ${CMAKE_CURRENT_LIST_DIR}/tst_connectionsafety.cpp cutover_app)

# The console's rollback and route/flag change flows when the gateway's answers are lost, against
# cutover-sim behind tests/support/faultproxy (models/rollbackcontroller, models/configactions).
cutover_add_test(tst_lostanswers ${CMAKE_CURRENT_LIST_DIR}/tst_lostanswers.cpp)

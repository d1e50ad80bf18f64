# Tests for the log view's table model (models/logtablemodel.*).
cutover_add_test(tst_logtablemodel ${CMAKE_CURRENT_LIST_DIR}/tst_logtablemodel.cpp)

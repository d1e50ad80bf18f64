# Tests for the byte-budgeted log store (models/logstore.*, models/bytesearcher.*).
cutover_add_test(tst_logstore ${CMAKE_CURRENT_LIST_DIR}/tst_logstore.cpp)

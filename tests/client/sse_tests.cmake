# Tests for the SSE decoder and the live log stream (client/ssedecoder.*, client/logstream.*).
cutover_add_test(tst_ssedecoder ${CMAKE_CURRENT_LIST_DIR}/tst_ssedecoder.cpp)

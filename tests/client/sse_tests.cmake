# Tests for the SSE decoder and the live log stream (client/ssedecoder.*, client/logstream.*).

cutover_add_test(tst_ssedecoder ${CMAKE_CURRENT_LIST_DIR}/tst_ssedecoder.cpp)
cutover_add_test(tst_logjson ${CMAKE_CURRENT_LIST_DIR}/tst_logjson.cpp)
# Against a real cutover-sim (and a scripted TCP peer for what the simulator cannot be made to do).
cutover_add_test(tst_logstream ${CMAKE_CURRENT_LIST_DIR}/tst_logstream.cpp)

# Seeded, bounded mutation test against a naive reading of the spec: every compiler, every build.
cutover_add_test(tst_sse_mutation ${PROJECT_SOURCE_DIR}/tests/fuzz/tst_sse_mutation.cpp)
set_tests_properties(tst_sse_mutation PROPERTIES TIMEOUT 240)

cutover_add_fuzzer(fuzz_sse ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_sse.cpp
  SOURCES ${PROJECT_SOURCE_DIR}/client/ssedecoder.cpp
  CORPUS ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus_sse)

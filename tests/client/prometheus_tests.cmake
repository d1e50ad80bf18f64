# Tests for the Prometheus 0.0.4 / OpenMetrics 1.0 parser (client/prometheusparser.*).
cutover_add_test(tst_prometheusparser ${CMAKE_CURRENT_LIST_DIR}/tst_prometheusparser.cpp)

# Seeded, bounded mutation test: runs with every compiler, in every build.
cutover_add_test(tst_prometheus_mutation ${PROJECT_SOURCE_DIR}/tests/fuzz/tst_prometheus_mutation.cpp)
set_tests_properties(tst_prometheus_mutation PROPERTIES TIMEOUT 240)

cutover_add_fuzzer(fuzz_prometheus ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_prometheus.cpp
  SOURCES ${PROJECT_SOURCE_DIR}/client/prometheusparser.cpp ${PROJECT_SOURCE_DIR}/client/metricsnapshot.cpp
  CORPUS ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus)

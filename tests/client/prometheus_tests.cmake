# Tests for the Prometheus 0.0.4 / OpenMetrics 1.0 parser (client/prometheus/): one suite per
# part, and the parser as a whole.
set(prom_tests ${CMAKE_CURRENT_LIST_DIR}/prometheus)
cutover_add_test(tst_prometheusparser ${prom_tests}/tst_prometheusparser.cpp)
cutover_add_test(tst_prometheus_numbers ${prom_tests}/tst_prometheus_numbers.cpp)
cutover_add_test(tst_prometheus_interning ${prom_tests}/tst_prometheus_interning.cpp)
cutover_add_test(tst_prometheus_lexer ${prom_tests}/tst_prometheus_lexer.cpp)
cutover_add_test(tst_prometheus_encoding ${prom_tests}/tst_prometheus_encoding.cpp)
cutover_add_test(tst_prometheus_histogramcheck ${prom_tests}/tst_prometheus_histogramcheck.cpp)

# Seeded, bounded mutation test: runs with every compiler, in every build.
cutover_add_test(tst_prometheus_mutation ${PROJECT_SOURCE_DIR}/tests/fuzz/tst_prometheus_mutation.cpp)
set_tests_properties(tst_prometheus_mutation PROPERTIES TIMEOUT 240)

# The parser's sources (client/prometheus.cmake) compiled into the fuzzer itself.
cutover_add_fuzzer(fuzz_prometheus ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_prometheus.cpp
  SOURCES ${CUTOVER_PROMETHEUS_SOURCES}
  CORPUS ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus)

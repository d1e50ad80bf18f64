# Tests for the Prometheus 0.0.4 / OpenMetrics 1.0 parser (client/prometheusparser.*).
# Paths are taken relative to this file so it can be include()d from any CMakeLists.
get_filename_component(_cutover_prom_fuzz_dir "${CMAKE_CURRENT_LIST_DIR}/../fuzz" ABSOLUTE)
get_filename_component(_cutover_prom_client_dir "${CMAKE_CURRENT_LIST_DIR}/../../client" ABSOLUTE)

add_executable(tst_prometheusparser ${CMAKE_CURRENT_LIST_DIR}/tst_prometheusparser.cpp)
target_link_libraries(tst_prometheusparser PRIVATE cutover_core Qt6::Test cutover_options)
add_test(NAME tst_prometheusparser COMMAND tst_prometheusparser)
set_tests_properties(tst_prometheusparser PROPERTIES ENVIRONMENT QT_QPA_PLATFORM=offscreen)

# Seeded, bounded mutation test: runs with every compiler, in every build.
add_executable(tst_prometheus_mutation ${_cutover_prom_fuzz_dir}/tst_prometheus_mutation.cpp)
target_link_libraries(tst_prometheus_mutation PRIVATE cutover_core Qt6::Test cutover_options)
add_test(NAME tst_prometheus_mutation COMMAND tst_prometheus_mutation)
set_tests_properties(tst_prometheus_mutation PROPERTIES ENVIRONMENT QT_QPA_PLATFORM=offscreen TIMEOUT 240)

if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # libFuzzer only steers by coverage of code compiled with -fsanitize=fuzzer, so the parser
  # sources are compiled into the fuzzer itself instead of linking the uninstrumented cutover_core.
  add_executable(fuzz_prometheus
    ${_cutover_prom_fuzz_dir}/fuzz_prometheus.cpp
    ${_cutover_prom_client_dir}/prometheusparser.cpp
    ${_cutover_prom_client_dir}/metricsnapshot.cpp)
  get_filename_component(_cutover_prom_root "${_cutover_prom_client_dir}/.." ABSOLUTE)
  target_include_directories(fuzz_prometheus PRIVATE ${_cutover_prom_root})
  target_link_libraries(fuzz_prometheus PRIVATE Qt6::Core cutover_options)
  # -Wno-unknown-warning-option: cutover_options carries GCC's -Wshadow=local, unknown to Clang.
  target_compile_options(fuzz_prometheus PRIVATE
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
    -Wno-unknown-warning-option)
  target_link_options(fuzz_prometheus PRIVATE -fsanitize=fuzzer,address,undefined)
  # New inputs go to a build-tree directory; the checked-in seeds are only read.
  set(_cutover_prom_work_corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz_prometheus_corpus)
  file(MAKE_DIRECTORY ${_cutover_prom_work_corpus})
  add_test(NAME fuzz_prometheus
    COMMAND fuzz_prometheus -max_total_time=30 -seed=1 -timeout=10 -rss_limit_mb=2048
            ${_cutover_prom_work_corpus} ${_cutover_prom_fuzz_dir}/corpus)
  set_tests_properties(fuzz_prometheus PROPERTIES
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;ASAN_OPTIONS=detect_leaks=1"
    TIMEOUT 180 LABELS fuzz)
endif()

# Tests for the SSE decoder and the live log stream (client/ssedecoder.*, client/logstream.*).
# Paths are taken relative to this file so it can be include()d from any CMakeLists.
get_filename_component(_cutover_sse_fuzz_dir "${CMAKE_CURRENT_LIST_DIR}/../fuzz" ABSOLUTE)
get_filename_component(_cutover_sse_client_dir "${CMAKE_CURRENT_LIST_DIR}/../../client" ABSOLUTE)

cutover_add_test(tst_ssedecoder ${CMAKE_CURRENT_LIST_DIR}/tst_ssedecoder.cpp)
cutover_add_test(tst_logjson ${CMAKE_CURRENT_LIST_DIR}/tst_logjson.cpp)
# Against a real cutover-sim (and a scripted TCP peer for what the simulator cannot be made to do).
cutover_add_test(tst_logstream ${CMAKE_CURRENT_LIST_DIR}/tst_logstream.cpp)

# Seeded, bounded mutation test against a naive reading of the spec: every compiler, every build.
cutover_add_test(tst_sse_mutation ${_cutover_sse_fuzz_dir}/tst_sse_mutation.cpp)
set_tests_properties(tst_sse_mutation PROPERTIES TIMEOUT 240)

if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # libFuzzer only steers by coverage of code compiled with -fsanitize=fuzzer, so the decoder
  # source is compiled into the fuzzer itself instead of linking the uninstrumented cutover_core.
  add_executable(fuzz_sse ${_cutover_sse_fuzz_dir}/fuzz_sse.cpp ${_cutover_sse_client_dir}/ssedecoder.cpp)
  get_filename_component(_cutover_sse_root "${_cutover_sse_client_dir}/.." ABSOLUTE)
  target_include_directories(fuzz_sse PRIVATE ${_cutover_sse_root})
  target_link_libraries(fuzz_sse PRIVATE Qt6::Core cutover_options)
  # -Wno-unknown-warning-option: cutover_options carries GCC's -Wshadow=local, unknown to Clang.
  target_compile_options(fuzz_sse PRIVATE
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
    -Wno-unknown-warning-option)
  target_link_options(fuzz_sse PRIVATE -fsanitize=fuzzer,address,undefined)
  # New inputs go to a build-tree directory; the checked-in seeds are only read.
  set(_cutover_sse_work_corpus ${CMAKE_CURRENT_BINARY_DIR}/fuzz_sse_corpus)
  file(MAKE_DIRECTORY ${_cutover_sse_work_corpus})
  add_test(NAME fuzz_sse
    COMMAND fuzz_sse -max_total_time=30 -seed=1 -timeout=10 -rss_limit_mb=2048
            ${_cutover_sse_work_corpus} ${_cutover_sse_fuzz_dir}/corpus_sse)
  set_tests_properties(fuzz_sse PROPERTIES
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;ASAN_OPTIONS=detect_leaks=1"
    TIMEOUT 180 LABELS fuzz)
endif()

# Parser throughput against a memchr line scan; meaningful only in an optimised build
# (RelWithDebInfo/Release). Run: bench_promparser [--series N] [--runs N]
add_executable(bench_promparser ${CMAKE_CURRENT_LIST_DIR}/bench_promparser.cpp)
target_link_libraries(bench_promparser PRIVATE cutover_core cutover_options)

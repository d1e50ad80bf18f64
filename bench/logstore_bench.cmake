# LogStore ingest against a naive store, its substring filter against grep -F -c and its regex
# filter against grep -E -c, measured in the same run; meaningful only in an optimised build.
# Run: bench_logstore [--lines N] [--runs N]
add_executable(bench_logstore ${CMAKE_CURRENT_LIST_DIR}/bench_logstore.cpp)
target_link_libraries(bench_logstore PRIVATE cutover_core cutover_syntheticlog cutover_options)

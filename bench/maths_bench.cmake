# TimeSeriesStore::decimate() against copying every raw point into a QList<QPointF>, measured in
# the same run; meaningful only in an optimised build.
# Run: bench_decimation [--series N] [--points N] [--columns N] [--runs N]
add_executable(bench_decimation ${CMAKE_CURRENT_LIST_DIR}/bench_decimation.cpp)
target_link_libraries(bench_decimation PRIVATE cutover_core cutover_options)

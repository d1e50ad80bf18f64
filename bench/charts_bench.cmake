# A chart redraw of 20 series x a day at 1 s: decimate + ChartWidget against raw points into
# QLineSeries, rendered alike and measured in the same run; meaningful only in an optimised
# build. Run: bench_charting [--series N] [--points N] [--width PX] [--runs N]
add_executable(bench_charting ${CMAKE_CURRENT_LIST_DIR}/bench_charting.cpp)
target_link_libraries(bench_charting PRIVATE cutover_widgets cutover_options)

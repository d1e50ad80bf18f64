add_executable(bench_gui bench_gui.cpp)
target_link_libraries(bench_gui PRIVATE cutover_app cutover_syntheticlog cutover_options)
# bench_gui --startup runs these two: the console itself, and a bare Qt window as the baseline.
add_executable(bench_bare_window bare_window.cpp)
target_include_directories(bench_bare_window PRIVATE ${PROJECT_SOURCE_DIR})
target_link_libraries(bench_bare_window PRIVATE Qt6::Widgets cutover_options)
add_dependencies(bench_gui bench_bare_window cutover)

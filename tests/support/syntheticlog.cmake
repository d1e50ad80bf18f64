# The fake log lines of tests/ and bench/ (tests/support/syntheticlog.*): one generator, linked by both.
add_library(cutover_syntheticlog STATIC ${CMAKE_CURRENT_LIST_DIR}/syntheticlog.cpp ${CMAKE_CURRENT_LIST_DIR}/syntheticlog.h)
target_include_directories(cutover_syntheticlog PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(cutover_syntheticlog PUBLIC Qt6::Core PRIVATE cutover_options)
cutover_layer(cutover_syntheticlog INCLUDES client/logline.h tests/support/ QT_FORBIDDEN Gui Widgets Charts Network)

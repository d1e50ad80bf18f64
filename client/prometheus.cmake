# Prometheus 0.0.4 / OpenMetrics 1.0 parser (client/prometheus/), part of cutover_core (Qt Core only).
# The fuzz harness compiles the same list into itself: tests/client/prometheus_tests.cmake.
set(CUTOVER_PROMETHEUS_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/arena.cpp ${CMAKE_CURRENT_LIST_DIR}/prometheus/arena.h
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/contenttype.cpp ${CMAKE_CURRENT_LIST_DIR}/prometheus/contenttype.h
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/familyrules.cpp ${CMAKE_CURRENT_LIST_DIR}/prometheus/familyrules.h
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/histogramcheck.cpp ${CMAKE_CURRENT_LIST_DIR}/prometheus/histogramcheck.h
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/interntable.cpp ${CMAKE_CURRENT_LIST_DIR}/prometheus/interntable.h
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/lexer.cpp ${CMAKE_CURRENT_LIST_DIR}/prometheus/lexer.h
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/metadata.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/metricsnapshot.cpp ${CMAKE_CURRENT_LIST_DIR}/prometheus/metricsnapshot.h
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/numbers.cpp ${CMAKE_CURRENT_LIST_DIR}/prometheus/numbers.h
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/parserimpl.h
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/prometheusparser.cpp ${CMAKE_CURRENT_LIST_DIR}/prometheus/prometheusparser.h
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/samples.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/series.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prometheus/utf8.cpp ${CMAKE_CURRENT_LIST_DIR}/prometheus/utf8.h
  CACHE INTERNAL "Sources of the Prometheus/OpenMetrics parser")
target_sources(cutover_core PRIVATE ${CUTOVER_PROMETHEUS_SOURCES})

# Prometheus 0.0.4 / OpenMetrics 1.0 parser, part of cutover_core (Qt Core only).
target_sources(cutover_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/metricsnapshot.cpp ${CMAKE_CURRENT_LIST_DIR}/metricsnapshot.h
  ${CMAKE_CURRENT_LIST_DIR}/prometheusparser.cpp ${CMAKE_CURRENT_LIST_DIR}/prometheusparser.h
)

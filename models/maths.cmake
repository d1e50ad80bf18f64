# Counter, histogram and SLO maths and the bounded time-series store for charts, part of
# cutover_core (Qt Core only).
target_sources(cutover_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/rates.cpp ${CMAKE_CURRENT_LIST_DIR}/rates.h
  ${CMAKE_CURRENT_LIST_DIR}/quantile.cpp ${CMAKE_CURRENT_LIST_DIR}/quantile.h
  ${CMAKE_CURRENT_LIST_DIR}/slo.cpp ${CMAKE_CURRENT_LIST_DIR}/slo.h
  ${CMAKE_CURRENT_LIST_DIR}/timeseriesstore.cpp ${CMAKE_CURRENT_LIST_DIR}/timeseriesstore.h
  ${CMAKE_CURRENT_LIST_DIR}/counterhistory.cpp ${CMAKE_CURRENT_LIST_DIR}/counterhistory.h
)

# Counter, histogram-quantile and SLO maths, and the time-series store (models/maths.cmake).
cutover_add_test(tst_rates ${CMAKE_CURRENT_LIST_DIR}/tst_rates.cpp)
cutover_add_test(tst_quantile ${CMAKE_CURRENT_LIST_DIR}/tst_quantile.cpp)
cutover_add_test(tst_slo ${CMAKE_CURRENT_LIST_DIR}/tst_slo.cpp)
cutover_add_test(tst_timeseriesstore ${CMAKE_CURRENT_LIST_DIR}/tst_timeseriesstore.cpp)
cutover_add_test(tst_counterhistory ${CMAKE_CURRENT_LIST_DIR}/tst_counterhistory.cpp)
